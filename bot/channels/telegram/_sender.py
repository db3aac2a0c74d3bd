"""Outbound Bot API calls within Telegram's limits, retried only when that cannot send twice.

Limits: about one message per second in a chat (with a small burst) and 30 per second overall.
A 429 is honoured with its ``retry_after``; connection failures and server errors are retried with
exponential backoff, a bounded number of times. A request that may have reached Telegram without
an answer (a read timeout, a dropped connection) is not repeated: a missing message is better
than a duplicate one.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram._render import Outgoing

log = logging.getLogger(__name__)

# Failures where the request certainly did not reach Telegram's bot logic.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteTimeout)
_MESSAGES = frozenset({"sendMessage"})


class Result(enum.Enum):
    SENT = "sent"
    FAILED = "failed"  # Telegram refused it, or the retries ran out
    UNKNOWN = "unknown"  # it may have been delivered: not repeated


@dataclass(frozen=True)
class Limits:
    """Rates and retry bounds; tests make them fast."""

    overall_per_second: float = 30.0
    chat_per_second: float = 1.0
    chat_burst: int = 3
    max_attempts: int = 6
    backoff: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 300.0


class TokenBucket:
    """``rate`` tokens per second, at most ``capacity`` saved up."""

    def __init__(self, rate: float, capacity: float, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self._clock = clock
        self._updated = clock()

    def take(self) -> float:
        """Take a token and return 0, or return how long to wait before trying again."""
        now = self._clock()
        self.tokens = min(self.capacity, self.tokens + (now - self._updated) * self.rate)
        self._updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate

    @property
    def full(self) -> bool:
        now = self._clock()
        return self.tokens + (now - self._updated) * self.rate >= self.capacity


class RateLimiter:
    """Waits until a message may go out: per chat and overall."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = limits
        self._clock = clock
        self._overall = TokenBucket(limits.overall_per_second, limits.overall_per_second, clock)
        self._chats: dict[int, TokenBucket] = {}
        self._lock = asyncio.Lock()  # first come, first served for the overall budget

    async def wait(self, chat_id: int | None, *, message: bool) -> None:
        if message and chat_id is not None:
            bucket = self._chats.get(chat_id)
            if bucket is None:
                if len(self._chats) > 10_000:
                    self._chats = {k: b for k, b in self._chats.items() if not b.full}
                bucket = TokenBucket(
                    self._limits.chat_per_second, self._limits.chat_burst, self._clock
                )
                self._chats[chat_id] = bucket
            await _take(bucket)
        async with self._lock:
            await _take(self._overall)


async def _take(bucket: TokenBucket) -> None:
    delay = bucket.take()
    while delay > 0:
        await asyncio.sleep(delay)
        delay = bucket.take()


def retry_after_seconds(error: RetryAfter) -> float:
    """``retry_after`` as seconds, without PTB's int/timedelta transition warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = error.retry_after
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)


def _not_sent(error: TelegramError) -> bool:
    """Did this failure happen before Telegram could act on the request?"""
    cause = error.__cause__
    if isinstance(cause, _NOT_SENT):
        return True
    # PTB raises a bare NetworkError for an HTTP error status (5xx): the server answered, so the
    # request was refused, not carried out.
    return type(error) is NetworkError and cause is None


class Sender:
    """Makes outbox calls with the limits and retry rules above."""

    def __init__(
        self,
        bot: Bot,
        limits: Limits,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.bot = bot
        self.limits = limits
        self.limiter = RateLimiter(limits)
        self._sleep = sleep

    async def call(self, call: Outgoing, *, retry: bool = True) -> Result:
        chat_id = call.params.get("chat_id")
        chat = chat_id if isinstance(chat_id, int) else None
        attempts = self.limits.max_attempts if retry else 1
        for attempt in range(1, attempts + 1):
            await self.limiter.wait(chat, message=call.method in _MESSAGES)
            try:
                await self._make(call)
                return Result.SENT
            except RetryAfter as error:
                wait = retry_after_seconds(error)
                if wait > self.limits.max_retry_after:
                    log.error("%s: flood wait of %.0f s is too long, dropped", call.method, wait)
                    return Result.FAILED
                log.warning(
                    "%s: 429, retrying after %.1f s (attempt %d)", call.method, wait, attempt
                )
                if attempt < attempts:
                    await self._sleep(wait)
            except (TimedOut, NetworkError) as error:
                if not _not_sent(error):
                    log.warning("%s: outcome unknown (%s), not repeated", call.method, error)
                    return Result.UNKNOWN
                delay = min(self.limits.max_backoff, self.limits.backoff * 2 ** (attempt - 1))
                delay *= 1 + random.random() / 4
                log.warning(
                    "%s: %s, retrying in %.1f s (attempt %d)", call.method, error, delay, attempt
                )
                if attempt < attempts:
                    await self._sleep(delay)
            except TelegramError as error:
                log.warning("%s refused: %s", call.method, error)
                return Result.FAILED
        log.error("%s: gave up after %d attempts", call.method, attempts)
        return Result.FAILED

    async def _make(self, call: Outgoing) -> None:
        """One typed Bot API call from its stored JSON form."""
        p = dict(call.params)
        markup = p.pop("reply_markup", None)
        reply_markup = InlineKeyboardMarkup.de_json(markup, self.bot) if markup else None
        match call.method:
            case "sendMessage":
                preview = p.pop("link_preview_options", None)
                await self.bot.send_message(
                    **p,
                    reply_markup=reply_markup,
                    link_preview_options=LinkPreviewOptions(**preview) if preview else None,
                )
            case "editMessageText":
                await self.bot.edit_message_text(**p, reply_markup=reply_markup)
            case "editMessageReplyMarkup":
                await self.bot.edit_message_reply_markup(**p, reply_markup=reply_markup)
            case "answerCallbackQuery":
                await self.bot.answer_callback_query(**p)
            case "sendChatAction":
                await self.bot.send_chat_action(**p)
            case "leaveChat":
                await self.bot.leave_chat(**p)
            case _:
                raise ValueError(f"unsupported Bot API method {call.method}")
