"""Shared fixtures: content, databases (SQLite always, PostgreSQL when configured), app clients."""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
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
from bot.store.migrate import alembic_config, upgrade
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


@functools.cache
def _newest_revisions() -> frozenset[str]:
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


async def _empty_postgres(url: str) -> bool:
    """Empty every table of a schema that is already at the newest migrations, in one statement;
    ``False`` when it is not (first use, or a test moved it), and then it must be rebuilt.

    Migrating a fresh schema for each of some hundred tests took minutes of the suite."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            if not (await connection.execute(text(_HAS_VERSIONS))).scalar():
                return False
            versions = (await connection.execute(text(_VERSIONS))).scalars().all()
            if frozenset(versions) != _newest_revisions():
                return False
            tables = (await connection.execute(text(_TABLES))).scalars().all()
            await connection.execute(text("SET LOCAL lock_timeout = '30s'"))
            quoted = ", ".join(f'public."{table}"' for table in tables)
            await connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            return True
    finally:
        await engine.dispose()


_HAS_VERSIONS = "SELECT to_regclass('public.alembic_version') IS NOT NULL"
_VERSIONS = "SELECT version_num FROM public.alembic_version"
_TABLES = (
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for every test (a copy costs far less than migrating)."""
    path = tmp_path_factory.mktemp("template") / "lotse.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "lotse.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    assert POSTGRES_URL is not None
    if not asyncio.run(_empty_postgres(POSTGRES_URL)):
        asyncio.run(_reset_postgres(POSTGRES_URL))
        upgrade(POSTGRES_URL)
    return POSTGRES_URL


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
