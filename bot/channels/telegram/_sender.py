"""Outbound Bot API calls within Telegram's limits, retried only when that cannot send twice.

Limits: about one message per second in a chat (with a small burst) and 30 per second overall.

A 429 is not a failure: it pauses every call of the bot for its ``retry_after`` (a flood wait),
after which one call at a time probes until one goes through, so a long 429 storm costs about one
call per ``retry_after`` and never a busy loop. It does not count toward any bound: the call waits
until its deadline (a reply: ``TELEGRAM_REPLY_DEADLINE`` after it was queued, 24 hours by default)
and only then is dropped. A connection that could not be made (Telegram unreachable) is retried
with capped exponential backoff until the deadline as well. Real failures, the server errors
(5xx) of a request, are retried with backoff at most ``max_attempts`` times. A refusal (4xx) is
final. A request that may have reached Telegram without an answer (a read timeout, a dropped
connection) is not repeated: a missing message is better than a duplicate one.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import random
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram._render import Outgoing

log = logging.getLogger(__name__)

# Failures where the request certainly did not reach Telegram.
_UNREACHABLE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_NOT_SENT = (*_UNREACHABLE, httpx.WriteTimeout)
_MESSAGES = frozenset({"sendMessage"})


class Result(enum.Enum):
    SENT = "sent"
    FAILED = "failed"  # Telegram refused it, or the real failures ran out
    EXPIRED = "expired"  # not made before its deadline (flood waits, Telegram unreachable)
    UNKNOWN = "unknown"  # it may have been delivered: not repeated


@dataclass(frozen=True)
class Delivery:
    """What became of one call; ``message_id`` when Telegram answered with a message."""

    result: Result
    message_id: int | None = None


@dataclass(frozen=True)
class Limits:
    """Rates and retry bounds; tests make them fast."""

    overall_per_second: float = 30.0
    chat_per_second: float = 1.0
    chat_burst: int = 3
    max_attempts: int = 6  # real failures (server errors) of one call; 429s do not count
    backoff: float = 0.5
    max_backoff: float = 30.0
    direct_deadline: float = 60.0  # calls made outside the outbox (notifications) wait this long


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
    """Waits until a message may go out: per chat and overall; and Telegram's flood waits."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = limits
        self._clock = clock
        self._overall = TokenBucket(limits.overall_per_second, limits.overall_per_second, clock)
        self._chats: dict[int, TokenBucket] = {}
        self._lock = asyncio.Lock()  # first come, first served for the overall budget
        self.flood_until = 0.0  # no call before this moment (``clock``): Telegram said so
        self._flooded = False  # since the last flood wait, no call has gone through yet
        self._probe = asyncio.Lock()

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

    def flood(self, seconds: float) -> None:
        """Telegram answered 429: no call of the bot before ``seconds`` from now."""
        self.flood_until = max(self.flood_until, self._clock() + seconds)
        self._flooded = True

    def flowing(self) -> None:
        """A call went through: the flood wait is over."""
        self._flooded = False

    @property
    def flood_wait(self) -> float:
        return max(0.0, self.flood_until - self._clock())

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """After a flood wait, one call at a time until one went through (a probe)."""
        if not self._flooded:
            yield
            return
        async with self._probe:
            yield


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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        self.limits = limits
        self.limiter = RateLimiter(limits, clock)
        self._sleep = sleep
        self._clock = clock
        self.flood_waits = 0  # 429 answers received (not failures)

    async def call(
        self, call: Outgoing, *, deadline: float | None = None, retry: bool = True
    ) -> Delivery:
        """Make one call; ``deadline`` (on ``clock``) is when a call still waiting is dropped.

        Without ``retry`` (the "typing…" indicator) there is exactly one attempt, flood wait or
        not: it is never repeated, and it does not count as the probe after a flood wait.
        """
        chat_id = call.params.get("chat_id")
        chat = chat_id if isinstance(chat_id, int) else None
        if deadline is None:
            deadline = self._clock() + self.limits.direct_deadline
        failures = 0
        unreachable = 0
        while True:
            waiting = retry and self.limiter.flood_wait > 0
            if waiting and not await self._pause(self.limiter.flood_wait, deadline):
                return Delivery(Result.EXPIRED)
            await self.limiter.wait(chat, message=call.method in _MESSAGES)
            async with self.limiter.slot() if retry else contextlib.nullcontext():
                if retry and self.limiter.flood_wait > 0:
                    continue  # another call met a 429 while this one waited for its turn
                try:
                    message_id = await self._make(call)
                except RetryAfter as error:
                    wait = retry_after_seconds(error)
                    self.flood_waits += 1
                    self.limiter.flood(wait)
                    log.warning("%s: 429, every call waits %.1f s", call.method, wait)
                    if not retry:
                        return Delivery(Result.FAILED)
                    continue
                except BadRequest as error:
                    if "not modified" in str(error).lower():
                        return Delivery(Result.SENT)  # an edit made before (a replay)
                    log.warning("%s refused: %s", call.method, error)
                    return Delivery(Result.FAILED)
                except (TimedOut, NetworkError) as error:
                    if not _not_sent(error):
                        log.warning("%s: outcome unknown (%s), not repeated", call.method, error)
                        return Delivery(Result.UNKNOWN)
                    if not retry:
                        return Delivery(Result.FAILED)
                    if isinstance(error.__cause__, _UNREACHABLE):
                        unreachable += 1  # Telegram unreachable: waits until the deadline
                        attempt = unreachable
                    else:
                        failures += 1
                        if failures >= self.limits.max_attempts:
                            log.error("%s: gave up after %d failures", call.method, failures)
                            return Delivery(Result.FAILED)
                        attempt = failures
                    delay = min(self.limits.max_backoff, self.limits.backoff * 2 ** (attempt - 1))
                    delay *= 1 + random.random() / 4
                    log.warning(
                        "%s: %s, retrying in %.1f s (attempt %d)",
                        call.method,
                        error,
                        delay,
                        attempt,
                    )
                except TelegramError as error:
                    log.warning("%s refused: %s", call.method, error)
                    return Delivery(Result.FAILED)
                else:
                    if retry:
                        self.limiter.flowing()
                    return Delivery(Result.SENT, message_id)
            if not await self._pause(delay, deadline):
                return Delivery(Result.EXPIRED)

    async def _pause(self, seconds: float, deadline: float) -> bool:
        """Sleep ``seconds``, or until the deadline and then return ``False``."""
        left = deadline - self._clock()
        if seconds >= left:
            await self._sleep(max(0.0, left))
            return False
        await self._sleep(seconds)
        return True

    async def _make(self, call: Outgoing) -> int | None:
        """One typed Bot API call from its stored JSON form; the id of a message it returned."""
        p = dict(call.params)
        markup = p.pop("reply_markup", None)
        reply_markup = InlineKeyboardMarkup.de_json(markup, self.bot) if markup else None
        result: Any = None
        match call.method:
            case "sendMessage":
                preview = p.pop("link_preview_options", None)
                result = await self.bot.send_message(
                    **p,
                    reply_markup=reply_markup,
                    link_preview_options=LinkPreviewOptions(**preview) if preview else None,
                )
            case "editMessageText":
                result = await self.bot.edit_message_text(**p, reply_markup=reply_markup)
            case "editMessageReplyMarkup":
                result = await self.bot.edit_message_reply_markup(**p, reply_markup=reply_markup)
            case "answerCallbackQuery":
                await self.bot.answer_callback_query(**p)
            case "sendChatAction":
                await self.bot.send_chat_action(**p)
            case "leaveChat":
                await self.bot.leave_chat(**p)
            case _:
                raise ValueError(f"unsupported Bot API method {call.method}")
        return result.message_id if isinstance(result, Message) else None
