"""The questionnaire, walked step by step."""
