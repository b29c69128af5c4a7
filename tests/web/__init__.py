"""The request plumbing every page shares: access, input, cookies, caching, layout on a phone, accessibility."""
