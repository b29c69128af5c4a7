"""Request plumbing that every audience shares: access, caching, cookies, input cleaning, assets, security
headers, error pages, template filters and the words stored values are shown in."""
