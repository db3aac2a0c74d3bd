"""Leases in the database: a background job runs in one worker process at a time.

Several workers (processes, hosts) share one database. A job such as long polling, the
reminders or the sweep of forgotten Telegram updates takes a named lease before a round and
renews it each round; another worker takes over once the holder has not renewed it in time
(it died). Taking and renewing is one atomic upsert, so two workers can never both hold it.
Each worker also keeps a lease on its own name (a heartbeat): what it has claimed is free for
the others once that lease has expired. On PostgreSQL the database's clock decides, so the
clocks of several hosts need not agree.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, literal, literal_column, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import JobLease

_WORKER = "worker:"


def worker_id() -> str:
    """A name for this worker process, unique across hosts and restarts (fits the column)."""
    return f"{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _now(session: AsyncSession) -> Any:
    """The database's clock on PostgreSQL; this process's clock on SQLite (one process)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.now()
    return dt.datetime.now(dt.UTC)


async def acquire(*, session: AsyncSession, name: str, holder: str, ttl: dt.timedelta) -> bool:
    """Take or renew the lease ``name`` for ``ttl``; ``False`` while another worker holds it."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    now = _now(session)
    insert = pg_insert if postgresql else sqlite_insert
    statement = insert(JobLease).values(name=name, holder=holder, expires_at=now + ttl)
    taken: Any = statement.on_conflict_do_update(
        index_elements=[JobLease.name],
        set_={"holder": statement.excluded.holder, "expires_at": statement.excluded.expires_at},
        where=(JobLease.holder == holder) | (JobLease.expires_at < now),
    ).returning(literal_column("1"))
    return (await session.execute(taken)).first() is not None


async def release(*, session: AsyncSession, name: str, holder: str) -> None:
    """Give the lease up at shutdown, so another worker need not wait for it to expire."""
    await session.execute(delete(JobLease).where(JobLease.name == name, JobLease.holder == holder))


async def heartbeat(*, session: AsyncSession, worker: str, ttl: dt.timedelta) -> None:
    """This worker is alive for ``ttl`` more: what it claimed stays its own."""
    await acquire(session=session, name=_WORKER + worker, holder=worker, ttl=ttl)


async def retire(*, session: AsyncSession, worker: str) -> None:
    """A worker that stops frees its claims at once."""
    await release(session=session, name=_WORKER + worker, holder=worker)


def alive(session: AsyncSession, worker: Any) -> ColumnElement[bool]:
    """SQL: the worker named by the column ``worker`` has a heartbeat that has not expired."""
    return exists(
        select(literal_column("1")).where(
            JobLease.name == literal(_WORKER) + worker, JobLease.expires_at > _now(session)
        )
    )
