"""Scoring: the pure score and routing of answers (with the language they were written in), and the hand-over,
rescoring, replay, hand-raise and quarantine review that apply them to stored leads."""
