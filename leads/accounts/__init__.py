"""The team's accounts: users and roles, signing in with two-factor, and each member's own settings."""
