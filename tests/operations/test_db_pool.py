"""The PostgreSQL pool: a connection idle for a while is checked before use (the server may have
dropped it), a connection just given back is used without that round trip."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store import db
from bot.store.db import create_engine
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="a PostgreSQL pool")


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    assert POSTGRES_URL is not None
    engine = create_engine(POSTGRES_URL, pool_size=1, max_overflow=0)
    yield engine
    await engine.dispose()


@pytest.fixture
def pings(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    calls: list[object] = []
    ping = engine.dialect.do_ping

    def counted(connection: Any) -> bool:
        calls.append(connection)
        return ping(connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return calls


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_connection_given_back_just_now_is_used_without_a_ping(
    engine: AsyncEngine, pings: list[object]
) -> None:
    first = await _backend_pid(engine)
    for _ in range(5):
        assert await _backend_pid(engine) == first
    assert pings == []


async def test_an_idle_connection_the_server_dropped_is_replaced_without_an_error(
    engine: AsyncEngine, pings: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    dropped = await _backend_pid(engine)
    assert POSTGRES_URL is not None
    other = create_engine(POSTGRES_URL)
    async with other.begin() as connection:
        await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    await other.dispose()
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.0)  # as if it had been idle long enough

    assert await _backend_pid(engine) != dropped  # no error: the pool connected anew
    assert len(pings) == 1
