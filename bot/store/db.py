"""Database engines: SQLite (WAL, busy timeout, immediate write transactions) or PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
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
            # short storing transactions and the web requests of one worker process; overflow
            # connections are closed when given back, so a pool too small for the usual load
            # connects anew all the time.
            options = {"pool_size": 20, "max_overflow": 10, **options}
        engine = create_async_engine(url, hide_parameters=True, **options)
        _ping_idle_connections(engine)
        return engine
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, hide_parameters=True, **options
    )
    _configure_sqlite(engine)
    return engine


# A connection given back to the pool less than this long ago is used without a ping: under
# load nearly every checkout, and SQLAlchemy's ``pool_pre_ping`` costs three round trips with
# asyncpg (begin, select, rollback). A connection that still turns out broken fails its
# statement, and SQLAlchemy then discards it and every connection opened before it.
PING_AFTER_IDLE = 2.0


def _ping_idle_connections(engine: AsyncEngine) -> None:
    """Check a connection that has been idle a while before handing it out (the database may
    have restarted meanwhile); the pool then replaces a dead one without an error."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool's documented way to say "take another connection" (up to three tries).
            raise DisconnectionError("idle connection is gone") from error


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


@contextlib.asynccontextmanager
async def statement_session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session for writes that are each complete in one statement: on PostgreSQL every
    statement commits on its own (autocommit), which spares the BEGIN and COMMIT round trips
    of a transaction, two of three on the hot path; on SQLite, an ordinary write transaction.

    Only for writes whose statements need not be atomic together: a failed statement is rolled
    back, the ones before it stay.
    """
    if engine.dialect.name != "postgresql":
        async with session_factory(engine)() as session, session.begin():
            yield session
        return
    async with (
        autocommit(engine) as connection,
        AsyncSession(bind=connection, expire_on_commit=False) as session,
    ):
        yield session


@contextlib.asynccontextmanager
async def autocommit(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection on which every statement commits on its own (no BEGIN, no COMMIT)."""
    async with engine.connect() as connection:
        yield await connection.execution_options(isolation_level="AUTOCOMMIT")
