"""Privacy: the personal-data map, export, erasure, retention, and the team's sign-in safeguards and audit log."""
