"""The sales inbox."""
