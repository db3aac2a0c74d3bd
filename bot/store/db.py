"""Database engines: SQLite (WAL, busy timeout, immediate write transactions) or PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

BUSY_TIMEOUT_MS = 10_000
# After a checkpoint the write-ahead log is cut back to this size, so it cannot grow unbounded.
WAL_SIZE_LIMIT = 4 * 1024 * 1024

log = logging.getLogger(__name__)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, **options: Any) -> AsyncEngine:
    """An async engine with the SQLite settings that make concurrent writers safe.

    Statement parameters carry personal data: they never reach logs or error messages.
    ``options`` go to SQLAlchemy (``poolclass=NullPool`` for an engine shared across loops).
    """
    # aiosqlite logs every statement with its parameters at DEBUG level.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    if not is_sqlite(url):
        if "poolclass" not in options:
            # Room for the concurrent answers (bounded by the Telegram channel), the webhook's
            # short storing transactions and the web requests of one worker process.
            options = {"pool_size": 10, "max_overflow": 10, **options}
        return create_async_engine(url, pool_pre_ping=True, hide_parameters=True, **options)
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, hide_parameters=True, **options
    )
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions, so "begin" below decides how.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten with zeros, not just unlinked: an erasure erases.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # BEGIN IMMEDIATE takes the write lock up front: two transactions can never both hold a
        # read lock and then deadlock trying to upgrade it; the busy timeout queues them instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


async def scrub(engine: AsyncEngine) -> None:
    """After an erasure: copy the write-ahead log into the database file and truncate it.

    With ``secure_delete`` the database file holds no copy of deleted rows, but older versions
    of the changed pages stay in the ``-wal`` file until it is checkpointed and truncated.
    PostgreSQL needs nothing here: deleted rows are invisible and vacuumed in its own time.
    """
    if engine.dialect.name != "sqlite":
        return
    for _ in range(3):
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver: Any = raw.driver_connection
            # Waiting for readers holds off writers: wait briefly, try again a little later.
            await driver.execute("PRAGMA busy_timeout=250")
            try:
                cursor = await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                busy, _frames, _done = await cursor.fetchone()
                await cursor.close()
            finally:
                await driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if not busy:
            return
        await asyncio.sleep(0.2)
    log.warning("the write-ahead log could not be truncated (readers active): retried daily")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
