"""The marketers' studio."""
