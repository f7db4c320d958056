"""Delivery and people: the project command line, the running stack, the benchmark (later: Telegram, web)."""
