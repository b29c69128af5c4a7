"""The outbox: mail, webhooks, retries and the admins' delivery pages."""
