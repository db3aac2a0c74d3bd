"""Curated knowledge: typed models and the loader for ``knowledge/``."""

from bot.content.loader import Knowledge, load_knowledge

__all__ = ["Knowledge", "load_knowledge"]
