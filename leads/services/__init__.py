"""Services: the only functions that commit. Each one is one transaction."""
