"""Shared fixtures: content, databases (SQLite always, PostgreSQL when configured), app clients."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import text

from bot.config import PROJECT_ROOT, Settings
from bot.service import Content, Lotse
from bot.store.db import create_engine
from bot.store.migrate import upgrade
from bot.web.app import create_app

POSTGRES_URL = os.environ.get("LOTSE_TEST_DATABASE_URL")
DATABASES = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


def _compile_catalogs(locales: Path) -> None:
    """Tests may run without `make`: compile stale catalogs the way `make catalogs` does."""
    for po in locales.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)


@pytest.fixture(scope="session")
def content() -> Content:
    _compile_catalogs(PROJECT_ROOT / "locales")
    return Content.load(PROJECT_ROOT)


async def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'lotse.sqlite3'}"
    else:
        assert POSTGRES_URL is not None
        url = POSTGRES_URL
        asyncio.run(_reset_postgres(url))
    upgrade(url)
    return url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        LOTSE_ENVIRONMENT="test", LOTSE_DATABASE_URL=database_url, LOTSE_REGION="dortmund"
    )


@pytest.fixture
async def lotse(settings: Settings, content: Content) -> AsyncIterator[Lotse]:
    core = Lotse(settings, content, create_engine(settings.effective_database_url))
    yield core
    await core.close()


@pytest.fixture
async def client(settings: Settings, lotse: Lotse) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, lotse)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://lotse.test") as http:
        yield http
