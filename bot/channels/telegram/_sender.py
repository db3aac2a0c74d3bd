"""Outbound Bot API calls within Telegram's limits, retried only when that cannot send twice.

Limits (``Limits``, kept by ``_pacing``): messages only count (sending one, or editing one:
``MESSAGES``); a chat action or a callback answer does not. Per bot ``TELEGRAM_RATE_PER_SECOND``
messages in any second (30); per chat about one a second, after a burst of three that lets a
whole answer go out at once; per group chat (a negative id) ``TELEGRAM_GROUP_PER_MINUTE`` in
any minute (20). Each message books its send time before it waits; a send that comes too late
for its booking (after a flood wait's probe, say) books again. On PostgreSQL the bookings and
the flood wait live in the database, so every worker process together keeps to these limits.

A 429 is not a failure: it pauses every call of the bot for its ``retry_after`` (a flood wait),
in every worker process; after it, one call at a time per process probes until one goes
through, so a long 429 storm costs about one call per ``retry_after`` and process and never a
busy loop. It does not count toward any bound: the call waits until its deadline (a reply:
``TELEGRAM_REPLY_DEADLINE`` after it was queued, 24 hours by default) and only then is dropped.
The "typing…" indicator is not shown during a flood wait. A connection that could not be made
(Telegram unreachable) is retried with capped exponential backoff until the deadline as well.
Real failures, the server errors (5xx) of a request, are retried with backoff at most
``max_attempts`` times. A refusal (4xx) is final. A request that may have reached Telegram
without an answer (a read timeout, a dropped connection) is not repeated: a missing message is
better than a duplicate one.
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
from typing import TYPE_CHECKING, Any

import httpx
from telegram import Bot, InlineKeyboardMarkup, InputFile, LinkPreviewOptions, Message
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot import metrics
from bot.channels.telegram._pacing import MemoryPacing, Pacing, Rule, pacing_for
from bot.channels.telegram._render import Outgoing
from bot.kompass.store import document_pdf
from bot.store.db import session_factory

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.config import Settings

log = logging.getLogger(__name__)

# Failures where the request certainly did not reach Telegram.
_UNREACHABLE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_NOT_SENT = (*_UNREACHABLE, httpx.WriteTimeout)
# Calls that put a message into a chat or change one: only these count against the limits.
MESSAGES = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "copyMessage",
        "forwardMessage",
    }
)


# The PDF of a stored Kom-Pass version by id (the outbox keeps a reference, not the bytes).
Documents = Callable[[int], Awaitable[bytes | None]]


def stored_documents(engine: AsyncEngine) -> Documents:
    sessions = session_factory(engine)

    async def load(document_id: int) -> bytes | None:
        async with sessions() as session:
            return await document_pdf(session=session, document_id=document_id)

    return load


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


# Telegram counts messages as they arrive, and the way there (the event loop, the network)
# bunches messages booked apart: booked at exactly 30 a second, up to 33 arrived in one second
# under load. The bot's and a group's budget (from the settings) are booked at this share.
ARRIVAL_MARGIN = 0.9


@dataclass(frozen=True)
class Limits:
    """Rates and retry bounds; tests make them fast."""

    overall_per_second: float = 30.0  # messages of the bot in any second
    chat_per_second: float = 1.0  # in a chat's sustained burst
    chat_burst: int = 3  # a chat not sent to for a while gets this many at once
    group_per_minute: float = 20.0  # messages in a group chat in any minute
    group_burst: int = 3
    max_attempts: int = 6  # real failures (server errors) of one call; 429s do not count
    backoff: float = 0.5
    max_backoff: float = 30.0
    direct_deadline: float = 60.0  # calls made outside the outbox (notifications) wait this long
    late: float = 0.1  # a message this late for its booked moment books again

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """The settings are Telegram's limits; the bot's and a group's are booked with a margin."""
        return cls(
            overall_per_second=settings.telegram_rate_per_second * ARRIVAL_MARGIN,
            chat_per_second=settings.telegram_chat_per_second,
            group_per_minute=settings.telegram_group_per_minute * ARRIVAL_MARGIN,
        )

    @property
    def overall(self) -> Rule:
        return Rule.within(self.overall_per_second, 1.0)

    def chat(self, chat_id: int) -> Rule:
        """A group chat (negative id) per minute; a private chat about one a second."""
        if chat_id < 0:
            return Rule.within(self.group_per_minute, 60.0, burst=self.group_burst)
        return Rule(1 / self.chat_per_second, self.chat_burst)


class RateLimiter:
    """Books when a message may go (``Pacing``), and knows Telegram's flood waits."""

    def __init__(
        self,
        limits: Limits,
        clock: Callable[[], float] = time.monotonic,
        pacing: Pacing | None = None,
    ) -> None:
        self._limits = limits
        self._clock = clock
        self.pacing: Pacing = pacing if pacing is not None else MemoryPacing(clock)
        self.flood_until = 0.0  # no call before this moment (``clock``): Telegram said so
        self._flooded = False  # since the last flood wait, no call has gone through yet
        self._probe = asyncio.Lock()

    async def book(self, chat_id: int | None) -> float:
        """Book a message's moment in the bot's and the chat's schedule: seconds until then."""
        chat = (chat_id, self._limits.chat(chat_id)) if chat_id is not None else None
        slot = await self.pacing.book(self._limits.overall, chat)
        self._learn(slot.flood)
        return slot.wait

    async def refresh(self) -> float:
        """The flood wait as the pacing knows it (on PostgreSQL another process may have met
        the 429); seconds left."""
        self._learn(await self.pacing.flood_wait())
        return self.flood_wait

    async def wait(self, chat_id: int | None, *, message: bool) -> None:
        """Wait until a call may go: its booked moment for a message, else the flood wait."""
        delay = await self.book(chat_id) if message else await self.refresh()
        if delay > 0:
            await asyncio.sleep(delay)

    async def flood(self, seconds: float) -> None:
        """Telegram answered 429: no call of the bot before ``seconds`` from now."""
        self._learn(seconds)
        await self.pacing.flood(seconds)

    def _learn(self, seconds: float) -> None:
        if seconds > 0:
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
        pacing: Pacing | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        documents: Documents | None = None,
    ) -> None:
        """``pacing``: where the limits are kept (``_pacing.pacing_for``); this process alone
        without it. ``documents`` loads the PDFs that ``sendDocument`` calls refer to."""
        self.bot = bot
        self._documents = documents
        self.limits = limits
        self.limiter = RateLimiter(limits, clock, pacing)
        self._sleep = sleep
        self._clock = clock
        self.flood_waits = 0  # 429 answers received (not failures)

    @classmethod
    def shared(cls, bot: Bot, limits: Limits, engine: AsyncEngine, *, secret: str) -> Sender:
        """A sender that keeps the limits together with every worker process on ``engine``
        (PostgreSQL; SQLite runs one process and keeps them in memory). ``secret`` keys the
        hashes that stand for chat ids in the database."""
        return cls(
            bot,
            limits,
            pacing=pacing_for(engine, secret=secret),
            documents=stored_documents(engine),
        )

    async def call(
        self, call: Outgoing, *, deadline: float | None = None, retry: bool = True
    ) -> Delivery:
        """Make one call; ``deadline`` (on ``clock``) is when a call still waiting is dropped.

        Without ``retry`` (the "typing…" indicator) there is at most one attempt, and none
        during a flood wait: it is never repeated, and it does not count as the probe after a
        flood wait.
        """
        chat_id = call.params.get("chat_id")
        chat = chat_id if isinstance(chat_id, int) else None
        message = call.method in MESSAGES
        if deadline is None:
            deadline = self._clock() + self.limits.direct_deadline
        failures = 0
        unreachable = 0
        while True:
            if message:
                # Booked after any flood wait the pacing knows; this process may know a later one.
                wait = max(await self.limiter.book(chat), self.limiter.flood_wait)
            else:
                wait = await self.limiter.refresh()
                if wait > 0 and not retry:
                    return Delivery(Result.EXPIRED)
            due = self._clock() + wait
            if wait > 0:
                if not await self._pause(wait, deadline):
                    return Delivery(Result.EXPIRED)
                await self.limiter.refresh()  # a flood wait may have begun meanwhile
            async with self.limiter.slot() if retry else contextlib.nullcontext():
                if retry and self.limiter.flood_wait > 0:
                    continue  # another call met a 429 while this one waited for its turn
                if message and self._clock() > due + self.limits.late:
                    continue  # its booked moment has passed (it waited for the probe): book anew
                try:
                    message_id = await self._make(call)
                except RetryAfter as error:
                    wait = retry_after_seconds(error)
                    self.flood_waits += 1
                    metrics.TELEGRAM_RATE_LIMITED.inc()
                    await self.limiter.flood(wait)
                    log.warning("%s: 429, every call waits %.1f s", call.method, wait)
                    if not retry:
                        return Delivery(Result.FAILED)
                    continue
                except BadRequest as error:
                    if "not modified" in str(error).lower():
                        return Delivery(Result.SENT)  # an edit made before (a replay)
                    log.warning("%s refused: %s", call.method, error)
                    metrics.TELEGRAM_API_ERRORS.labels("refused").inc()
                    return Delivery(Result.FAILED)
                except (TimedOut, NetworkError) as error:
                    if not _not_sent(error):
                        metrics.TELEGRAM_API_ERRORS.labels("unknown_outcome").inc()
                        log.warning("%s: outcome unknown (%s), not repeated", call.method, error)
                        return Delivery(Result.UNKNOWN)
                    metrics.telegram_not_sent(unreachable=isinstance(error.__cause__, _UNREACHABLE))
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
                    metrics.TELEGRAM_API_ERRORS.labels("refused").inc()
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
            case "sendDocument":
                result = await self._send_document(p, reply_markup)
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

    async def _send_document(
        self, p: dict[str, Any], reply_markup: InlineKeyboardMarkup | None
    ) -> Message:
        """A stored Kom-Pass PDF, loaded when it is sent; erased meanwhile, it is refused."""
        document_id = int(p.pop("kompass_document_id"))
        filename = str(p.pop("filename"))
        pdf = await self._documents(document_id) if self._documents is not None else None
        if pdf is None:
            raise BadRequest("the document is no longer stored")
        return await self.bot.send_document(
            **p, document=InputFile(pdf, filename=filename), reply_markup=reply_markup
        )
