"""Privacy: the personal-data map, export, erasure, retention and the audit log of admin actions."""
