"""Free-text understanding: language, intent and slots of chat messages in de, tr and ru."""

from bot.understanding.normalize import normalize
from bot.understanding.understander import Analysis, Understander

__all__ = ["Analysis", "Understander", "normalize"]
