"""Telegram's limits as schedules shared by every worker process: per bot, per chat, per group.

Each limit is a ``Rule``: up to ``burst`` messages at once, then one per ``interval``. A message
books its send time in every schedule it is under, in one step: the time is the first moment
all of them allow (and no flood wait forbids), and each schedule then counts that time as used.
Booking is a reservation, not a try: a caller never polls and there is no herd of retries
when many chats wait; a booked time that is not used is simply lost, which only slows down.

Stored as a GCRA ("generic cell rate algorithm"), the token bucket in one number: ``full_at``,
when the schedule's bucket is full again. A send is allowed at ``t`` when
``t >= full_at - (burst - 1) * interval``; it moves ``full_at`` to ``max(full_at, t) + interval``.

``MemoryPacing`` keeps the schedules in the process (SQLite: one process). ``PostgresPacing``
keeps them in the table ``telegram_pacing`` and books with one statement on the database's
clock (a function that locks the two rows, computes the time and moves both schedules), so N
worker processes together stay within the limits, and a 429 seen by one pauses all of them
(``flood_until``). Chat rows carry a keyed hash of the chat id, never the
id, and are deleted once their bucket is full again.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.db import autocommit

log = logging.getLogger(__name__)

OVERALL = "overall"
_PRUNE_EVERY = 60.0  # seconds between deletions of a process's idle chat rows
# How long a process trusts what it last learnt of the shared flood wait before asking again:
# every chat action and callback answer asked the database, a round trip per call. A 429 met
# by another process reaches this one at most this late (and a 429 of its own at once).
_FLOOD_FRESH = 0.25


@dataclass(frozen=True)
class Rule:
    """Up to ``burst`` messages at once, then one per ``interval`` seconds."""

    interval: float
    burst: int = 1

    @classmethod
    def within(cls, count: float, seconds: float, *, burst: int = 1) -> Rule:
        """At most ``count`` messages in any ``seconds``, bursts of up to ``burst`` included.

        A schedule of ``Rule(i, b)`` holds at most ``ceil(w / i) + b - 1`` messages in any
        window ``[t, t + w)``; the interval is chosen so that this is ``count`` for ``seconds``.
        """
        burst = max(1, min(burst, math.floor(count)))
        return cls(seconds / (count - burst + 1), burst)

    @property
    def tolerance(self) -> float:
        """How far ahead of ``full_at`` a send may be: the burst beyond the first message."""
        return (self.burst - 1) * self.interval


@dataclass(frozen=True)
class Slot:
    """A booked send: ``wait`` seconds from now; ``flood`` seconds of a flood wait left."""

    wait: float
    flood: float = 0.0


class Pacing(Protocol):
    """Where the schedules and the flood wait live (the process, or the database)."""

    async def book(self, overall: Rule, chat: tuple[int, Rule] | None) -> Slot:
        """Book the first moment ``overall`` and the chat's rule allow, after any flood wait."""
        ...

    async def flood(self, seconds: float) -> None:
        """Telegram answered 429: no call of the bot for ``seconds`` from now."""
        ...

    async def flood_wait(self) -> float:
        """Seconds of the flood wait left (0: none)."""
        ...


class MemoryPacing:
    """The schedules of one process (SQLite runs a single worker process)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._full_at: dict[str, float] = {}
        self.flood_until = 0.0

    async def book(self, overall: Rule, chat: tuple[int, Rule] | None) -> Slot:
        return self.book_now(overall, chat)

    def book_now(self, overall: Rule, chat: tuple[int, Rule] | None) -> Slot:
        now = self._clock()
        rules = [(OVERALL, overall)]
        if chat is not None:
            rules.append((f"chat:{chat[0]}", chat[1]))
        at = max(
            now,
            self.flood_until,
            *(self._full_at.get(key, now) - rule.tolerance for key, rule in rules),
        )
        for key, rule in rules:
            self._full_at[key] = max(self._full_at.get(key, now), at) + rule.interval
        if len(self._full_at) > 10_000:
            self._full_at = {k: v for k, v in self._full_at.items() if v > now or k == OVERALL}
        return Slot(at - now, max(0.0, self.flood_until - now))

    async def flood(self, seconds: float) -> None:
        self.flood_until = max(self.flood_until, self._clock() + seconds)

    async def flood_wait(self) -> float:
        return max(0.0, self.flood_until - self._clock())


# A booking is one statement on the database's clock: the function ``telegram_pacing_book``
# (migration tg0003) locks the chat's row and then the bot's, computes the send time from both
# schedules and the flood wait, and moves both schedules on.
_BOOK = text(
    "SELECT wait, flood FROM telegram_pacing_book("
    ":overall_key, CAST(:overall_interval AS double precision),"
    " CAST(:overall_tolerance AS double precision), CAST(:chat_key AS text),"
    " CAST(:chat_interval AS double precision), CAST(:chat_tolerance AS double precision))"
)
_FLOOD = text(
    """
INSERT INTO telegram_pacing AS p (key, full_at, flood_until)
VALUES (
    :overall_key,
    clock_timestamp(),
    clock_timestamp() + make_interval(secs => CAST(:seconds AS double precision))
)
ON CONFLICT (key) DO UPDATE SET flood_until = greatest(
    p.flood_until,
    clock_timestamp() + make_interval(secs => CAST(:seconds AS double precision))
)
"""
)
_FLOOD_WAIT = text(
    "SELECT CAST(extract(epoch FROM flood_until - clock_timestamp()) AS double precision)"
    " FROM telegram_pacing WHERE key = :overall_key"
)
_PRUNE = text(
    "DELETE FROM telegram_pacing WHERE key <> :overall_key AND full_at < clock_timestamp()"
)


class PostgresPacing:
    """The schedules in PostgreSQL, shared by every worker process of the bot.

    When the database cannot be reached, a message is paced by this process alone (logged):
    the database is needed for the outbox anyway, so this lasts only while it comes back.
    """

    def __init__(self, engine: AsyncEngine, *, secret: str) -> None:
        self._engine = engine
        self._secret = secret.encode()
        self._fallback = MemoryPacing()
        self._pruned = time.monotonic()
        self._flood_until = 0.0  # the shared flood wait's end as last learnt (monotonic)
        self._flood_learnt = -math.inf

    def chat_key(self, chat_id: int) -> str:
        """The row of a chat: a keyed hash, so the table holds no chat id."""
        digest = hmac.new(self._secret, str(chat_id).encode(), hashlib.sha256).hexdigest()
        return f"chat:{digest[:32]}"

    async def book(self, overall: Rule, chat: tuple[int, Rule] | None) -> Slot:
        chat_rule = chat[1] if chat is not None else Rule(0.0)
        chat_key = self.chat_key(chat[0]) if chat is not None else None
        params = {
            "overall_key": OVERALL,
            "overall_interval": overall.interval,
            "overall_tolerance": overall.tolerance,
            "chat_key": chat_key,
            "chat_interval": chat_rule.interval,
            "chat_tolerance": chat_rule.tolerance,
        }
        try:
            async with autocommit(self._engine) as connection:
                wait, flood = (await connection.execute(_BOOK, params)).one()
            if time.monotonic() - self._pruned > _PRUNE_EVERY:
                self._pruned = time.monotonic()
                async with self._engine.begin() as connection:
                    await connection.execute(_PRUNE, {"overall_key": OVERALL})
        except (SQLAlchemyError, OSError) as error:
            log.warning("Telegram pacing: database unavailable (%s), pacing locally", type(error))
            return await self._fallback.book(overall, chat)
        self._learn(float(flood))
        return Slot(max(0.0, float(wait)), max(0.0, float(flood)))

    def _learn(self, flood: float) -> None:
        now = time.monotonic()
        self._flood_until = now + max(0.0, flood)
        self._flood_learnt = now

    async def flood(self, seconds: float) -> None:
        await self._fallback.flood(seconds)
        try:
            async with self._engine.begin() as connection:
                await connection.execute(_FLOOD, {"overall_key": OVERALL, "seconds": seconds})
        except (SQLAlchemyError, OSError) as error:
            log.warning("Telegram pacing: flood wait not shared (%s)", type(error))

    async def flood_wait(self) -> float:
        now = time.monotonic()
        if now - self._flood_learnt < _FLOOD_FRESH:
            return max(0.0, self._flood_until - now, await self._fallback.flood_wait())
        try:
            async with autocommit(self._engine) as connection:
                left = (await connection.execute(_FLOOD_WAIT, {"overall_key": OVERALL})).scalar()
        except (SQLAlchemyError, OSError) as error:
            log.warning("Telegram pacing: database unavailable (%s)", type(error))
            return await self._fallback.flood_wait()
        self._learn(float(left or 0.0))
        return max(0.0, float(left or 0.0))


def pacing_for(engine: AsyncEngine, *, secret: str) -> Pacing:
    """Shared schedules on PostgreSQL; in memory on SQLite, which runs a single process."""
    if engine.dialect.name == "postgresql":
        return PostgresPacing(engine, secret=secret)
    return MemoryPacing()
