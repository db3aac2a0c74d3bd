"""Commands print their own result, not the migration log; the schema commands show it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _lotse(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    database = f"sqlite+aiosqlite:///{tmp_path / 'lotse.db'}"
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={"LOTSE_DATABASE_URL": database, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


def test_purge_prints_its_result_without_alembic_lines(tmp_path: Path) -> None:
    result = _lotse(tmp_path, "purge")
    output = result.stdout + result.stderr
    assert "purged 0 lead(s)" in output
    assert "alembic" not in output


def test_db_upgrade_shows_the_migrations_it_runs(tmp_path: Path) -> None:
    result = _lotse(tmp_path, "db", "upgrade")
    assert "Running upgrade" in result.stdout + result.stderr
