"""Publishing: the marketers' content (articles, stage guides, the files' checks) and the public site that serves it."""
