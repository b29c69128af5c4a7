"""Privacy: export, erasure, retention."""
