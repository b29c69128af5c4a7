"""The public site and the content marketers write."""
