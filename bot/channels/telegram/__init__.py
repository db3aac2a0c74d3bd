"""The Telegram channel (python-telegram-bot v22): webhook or long polling on the app's loop."""

from __future__ import annotations

import logging
from typing import Protocol

from fastapi import FastAPI

from bot.channels.telegram._channel import ALLOWED_UPDATES, TelegramChannel, Tuning
from bot.channels.telegram._handlers import CHANNEL
from bot.channels.telegram._links import deep_link, web_link
from bot.channels.telegram._sender import Limits
from bot.channels.telegram._webhook import router
from bot.config import Settings
from bot.service import Lotse

__all__ = [
    "ALLOWED_UPDATES",
    "CHANNEL",
    "Limits",
    "Running",
    "TelegramChannel",
    "Tuning",
    "deep_link",
    "router",
    "start_telegram",
    "web_link",
]

log = logging.getLogger(__name__)


class Running(Protocol):
    async def stop(self) -> None: ...


class _Off:
    async def stop(self) -> None:
        return None


async def start_telegram(app: FastAPI, lotse: Lotse, settings: Settings) -> Running:
    """Start the bot when a token is set (webhook with a webhook URL, else long polling).

    Tests may put a ``Tuning`` into ``app.state.telegram_tuning`` to shorten the timings.
    """
    if not settings.telegram_bot_token:
        return _Off()
    tuning = getattr(app.state, "telegram_tuning", None)
    channel = TelegramChannel(lotse, settings, tuning if isinstance(tuning, Tuning) else None)
    app.state.telegram = channel
    await channel.start()
    return channel
