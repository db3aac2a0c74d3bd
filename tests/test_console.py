"""`lotse chat`: the terminal adapter over the same engine and storage."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.config import PROJECT_ROOT


def test_terminal_conversation_reaches_the_result(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "LOTSE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chat.sqlite3'}",
        "LOTSE_REGION": "dortmund",
    }
    env.pop("LOTSE_TEST_DATABASE_URL", None)
    # 1 = first menu option (external exam); then typed answers; end of input ends the chat.
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--lang", "ru"],
        input="1\nповар\n5\n1\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=120,
        check=True,
    )
    assert "[1]" in result.stdout
    assert "4,5 года" in result.stdout
    assert "IHK zu Dortmund" in result.stdout
