"""The team's accounts."""
