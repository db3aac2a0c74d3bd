"""The public atlas: every way to a qualification, per occupation, in de, tr and ru.

Generated from ``knowledge/`` with the rules the conversation uses; served under ``/atlas/``
(``router``) and exported as static files (``lotse atlas build DIR``, ``build``).
"""

from bot.atlas.export import Built, build
from bot.atlas.pages import Atlas, Links
from bot.atlas.router import router, telegram_username

__all__ = ["Atlas", "Built", "Links", "build", "router", "telegram_username"]
