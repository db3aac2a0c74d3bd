"""`lotse counsellor add` and `lotse purge` on a fresh SQLite database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.config import PROJECT_ROOT


def _lotse(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOTSE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"}
    env.pop("LOTSE_TEST_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=120,
        check=False,
    )


def test_counsellor_add_reads_the_password_from_stdin(tmp_path: Path) -> None:
    args = ["counsellor", "add", "--email", "Ayse@Example.org", "--name", "Ayşe",
            "--languages", "de,tr", "--region", "dortmund"]  # fmt: skip
    result = _lotse(tmp_path, *args, stdin="a long enough password\n")
    assert result.returncode == 0, result.stderr
    row = (
        sqlite3.connect(tmp_path / "cli.sqlite3")
        .execute("SELECT email, languages, region, role, password_hash FROM counsellors")
        .fetchone()
    )
    assert row[:4] == ("ayse@example.org", '["de", "tr"]', "dortmund", "counsellor")
    assert row[4].startswith("$argon2id$")
    assert "a long enough password" not in row[4]
    again = _lotse(tmp_path, *args, stdin="a long enough password\n")
    assert again.returncode == 1
    assert "exists already" in again.stderr


def test_counsellor_add_refuses_a_short_password(tmp_path: Path) -> None:
    result = _lotse(
        tmp_path, "counsellor", "add", "--email", "x@example.org", "--name", "X",
        "--languages", "ru", "--region", "luckenwalde", "--admin", stdin="short\n",
    )  # fmt: skip
    assert result.returncode == 1
    assert "at least" in result.stderr


def test_purge_runs_on_an_empty_database(tmp_path: Path) -> None:
    result = _lotse(tmp_path, "purge")
    assert result.returncode == 0, result.stderr
    assert "purged 0 lead(s), 0 conversation(s)" in result.stdout
