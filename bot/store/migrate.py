"""Apply Alembic migrations programmatically (``lotse db upgrade``, ``lotse run``, tests)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    # Imported here, quietly: importing Alembic logs its plugins at INFO.
    with _alembic_quiet(True):
        from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "heads", *, verbose: bool = False) -> None:
    """Bring the schema to ``revision``; must run outside an event loop (Alembic runs its own).

    Alembic's progress lines are shown where the schema is the point (``lotse run``,
    ``lotse db upgrade``); other commands stay quiet unless a migration fails.
    """
    with _alembic_quiet(not verbose):
        from alembic import command

        command.upgrade(alembic_config(url), revision)


@contextmanager
def _alembic_quiet(quiet: bool) -> Iterator[None]:
    logger = logging.getLogger("alembic")
    previous = logger.level
    if quiet:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(previous)


def downgrade(url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)
