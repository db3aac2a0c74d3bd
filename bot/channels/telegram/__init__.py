"""The Telegram channel (python-telegram-bot v22): webhook or long polling on the app's loop."""

from __future__ import annotations

import functools
import logging
import os

# Opt in to PTB's coming time periods (``datetime.timedelta``) now: PTB itself reads
# ``RetryAfter.retry_after`` when it raises a 429, which warns on every flood wait otherwise.
os.environ.setdefault("PTB_TIMEDELTA", "true")
from typing import Protocol

from fastapi import FastAPI

from bot.channels.telegram._channel import ALLOWED_UPDATES, TelegramChannel, Tuning
from bot.channels.telegram._handlers import CHANNEL
from bot.channels.telegram._links import deep_link, web_link
from bot.channels.telegram._notices import push_with_buttons
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
    "bot_username",
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
    # Used only while the channel's plain sender is registered (ready, not stopped).
    lotse.button_senders[CHANNEL] = functools.partial(push_with_buttons, channel)
    await channel.start()
    return channel


async def bot_username(settings: Settings) -> str | None:
    """The bot's username from ``getMe`` (for deep links), or ``None`` without a token."""
    if not settings.telegram_bot_token:
        return None
    from telegram import Bot

    bot = Bot(
        settings.telegram_bot_token,
        base_url=settings.telegram_api_base_url or "https://api.telegram.org/bot",
    )
    async with bot:
        return bot.username
