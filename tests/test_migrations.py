"""Alembic is the only way the schema changes: the models match the migrations, and they reverse."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.store.db import create_engine
from bot.store.migrate import downgrade, upgrade
from bot.store.models import Base


async def _differences(url: str) -> list[object]:
    engine = create_engine(url)
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    await engine.dispose()
    return list(diff)


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    return names


def test_models_match_migrations(database_url: str) -> None:
    import asyncio

    assert asyncio.run(_differences(database_url)) == []


def test_downgrade_and_upgrade_again(database_url: str) -> None:
    import asyncio

    downgrade(database_url, "base")
    assert asyncio.run(_tables(database_url)) <= {"alembic_version"}
    upgrade(database_url)
    assert {"conversations", "leads", "bookings", "slots"} <= asyncio.run(_tables(database_url))
