"""Published results pages (owned by the ranking work)."""
