"""A page's meaning: extract -> match -> identify (page), and doing it again on what is
stored (rematch)."""
