"""Embeds: the questionnaire and booking on a team's own site, by one script, inline or as a pop-up.

The request plumbing (who may frame the pages, partitioned cookies, the host's origin) is in
``leads.web.embedding``; this package serves the host's script and the studio's page with the snippet.
"""
