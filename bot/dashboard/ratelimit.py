"""Login limits: failures per address and account, per account, and per address (spraying).

Each login attempt is counted *before* its password is checked, in one short transaction that
locks the counter rows (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's write lock), so that
concurrent attempts can never check more passwords than a limit allows. A correct password
takes its own count back. Past a limit, every further failure doubles the wait, up to a cap:
an attacker is slowed for good, a counsellor who mistyped waits minutes, never hours.

Neither addresses nor e-mail addresses are stored: only an HMAC of them under the secret key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard.web import aware
from bot.store.models import LoginLimit, utcnow


@dataclass(frozen=True)
class Rule:
    """``threshold`` failures are free; then each failure waits ``first`` doubled, up to ``cap``."""

    kind: str
    threshold: int
    first: dt.timedelta
    cap: dt.timedelta

    def wait(self, failures: int) -> dt.timedelta | None:
        if failures < self.threshold:
            return None
        doubled: dt.timedelta = self.first * 2 ** min(failures - self.threshold, 20)
        return min(self.cap, doubled)


PAIR = Rule("pair", 5, dt.timedelta(minutes=1), dt.timedelta(minutes=15))  # address + account
ACCOUNT = Rule("account", 10, dt.timedelta(minutes=1), dt.timedelta(minutes=15))  # any address
ADDRESS = Rule("address", 20, dt.timedelta(minutes=1), dt.timedelta(minutes=15))  # any account
# A counter without a failure for this long starts again from zero.
FORGET_AFTER = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Key:
    rule: Rule
    key: str


def keys(*, secret: str, address: str, email: str) -> list[Key]:
    """The three counters one attempt counts against."""
    account = email.strip().lower()

    def mac(*parts: str) -> str:
        return hmac.new(secret.encode(), "\n".join(parts).encode(), hashlib.sha256).hexdigest()

    return [
        Key(PAIR, mac(PAIR.kind, address, account)),
        Key(ACCOUNT, mac(ACCOUNT.kind, account)),
        Key(ADDRESS, mac(ADDRESS.kind, address)),
    ]


async def _lock(
    *, session: AsyncSession, counted: list[Key], now: dt.datetime
) -> dict[str, LoginLimit]:
    """The counter rows, created if missing (a conditional insert), locked in key order."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for item in counted:
        await session.execute(
            insert(LoginLimit)
            .values(key=item.key, failures=0, last_failure_at=now, blocked_until=None)
            .on_conflict_do_nothing(index_elements=["key"])
        )
    query = (
        select(LoginLimit)
        .where(LoginLimit.key.in_([item.key for item in counted]))
        .order_by(LoginLimit.key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.key: row for row in (await session.execute(query)).scalars()}


async def reserve(
    *, session: AsyncSession, counted: list[Key], now: dt.datetime | None = None
) -> dt.timedelta | None:
    """Count an attempt as failed before its password is checked; or, while a counter waits,
    refuse it (without counting) and return how long is left."""
    now = now or utcnow()
    rows = await _lock(session=session, counted=counted, now=now)
    waits = [
        aware(row.blocked_until) - now
        for row in rows.values()
        if row.blocked_until is not None and aware(row.blocked_until) > now
    ]
    if waits:
        return max(waits)
    for item in counted:
        row = rows[item.key]
        if aware(row.last_failure_at) < now - FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        wait = item.rule.wait(row.failures)
        row.blocked_until = now + wait if wait is not None else None
    await session.flush()
    return None


async def succeeded(
    *, session: AsyncSession, counted: list[Key], now: dt.datetime | None = None
) -> None:
    """A correct password: the account's counters start again, the address takes back its count."""
    rows = await _lock(session=session, counted=counted, now=now or utcnow())
    for item in counted:
        row = rows[item.key]
        if item.rule is ADDRESS:
            row.failures = max(0, row.failures - 1)
            if item.rule.wait(row.failures) is None:
                row.blocked_until = None
        else:
            row.failures = 0
            row.blocked_until = None
    await session.flush()
