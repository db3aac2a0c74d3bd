"""Notifications with buttons (a reminder's "move" and "cancel"), sent like ``push``.

The buttons are ``nav:`` options signed with the channel's secret: they are bound to the chat,
not to a question, so they work whenever the person presses them (see ``_codec``).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.channels.telegram._channel import TelegramChannel
from bot.channels.telegram._render import send_messages
from bot.channels.telegram._sender import Result
from bot.engine import RenderedMessage, RenderedOption


async def push_with_buttons(
    channel: TelegramChannel, user_key: str, text: str, options: Sequence[RenderedOption]
) -> bool:
    """Send a notification with an inline keyboard; False when Telegram refused it."""
    message = RenderedMessage(text, tuple(options))
    calls = send_messages(int(user_key), [message], secret=channel.handlers.secret, node=None)
    results = [(await channel.sender.call(call)).result for call in calls]
    return Result.FAILED not in results and Result.EXPIRED not in results
