"""Scoring, routing, rescoring, the hand-raise and the quarantine review."""
