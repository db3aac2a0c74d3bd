"""Login rate limit: failed attempts per address and e-mail, counted in the database."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import LoginAttempt, utcnow

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)


def attempt_key(ip: str, email: str) -> str:
    """Neither the address nor the e-mail is stored, only a hash of both."""
    return hashlib.sha256(f"{ip}\n{email.strip().lower()}".encode()).hexdigest()


async def is_limited(*, session: AsyncSession, key: str, now: dt.datetime | None = None) -> bool:
    since = (now or utcnow()) - WINDOW
    query = select(func.count(LoginAttempt.id)).where(
        LoginAttempt.key == key, LoginAttempt.at > since
    )
    return (await session.execute(query)).scalar_one() >= MAX_FAILURES


async def record_failure(
    *, session: AsyncSession, key: str, now: dt.datetime | None = None
) -> None:
    now = now or utcnow()
    # Old attempts no longer count: drop them so the table stays small.
    await session.execute(delete(LoginAttempt).where(LoginAttempt.at <= now - WINDOW))
    session.add(LoginAttempt(key=key, at=now))
    await session.flush()


async def clear(*, session: AsyncSession, key: str) -> None:
    """A successful login forgets earlier failures of the same address and e-mail."""
    await session.execute(delete(LoginAttempt).where(LoginAttempt.key == key))
