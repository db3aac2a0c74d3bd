"""Thin channel adapters over the engine: web chat API, terminal (Telegram follows)."""
