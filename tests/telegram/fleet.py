"""Real server processes for the Telegram tests: forked from one process that loaded the content
once (``tests.telegram.killable``), killed with SIGKILL, several at once over one database."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import PROJECT_ROOT


class Servers:
    """Forks Lotse servers from the zygote; ``kill`` ends every one of them at once."""

    def __init__(self, zygote: subprocess.Popen[str], logs: Path) -> None:
        self._zygote = zygote
        self._logs = logs
        self.pids: list[int] = []

    def start(self, port: int, settings: dict[str, Any]) -> int:
        assert self._zygote.stdin is not None
        assert self._zygote.stdout is not None
        order = {"port": port, "settings": settings, "log": str(self._logs)}
        self._zygote.stdin.write(json.dumps(order) + "\n")
        self._zygote.stdin.flush()
        pid = int(self._zygote.stdout.readline())
        self.pids.append(pid)
        return pid

    def kill(self) -> None:
        for pid in self.pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.pids = []


@pytest.fixture(scope="module")
def zygote() -> Iterator[subprocess.Popen[str]]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.telegram.killable"],
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    yield process
    assert process.stdin is not None
    process.stdin.close()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:  # a loaded machine: it would have ended on its own
        process.kill()
        process.wait(10)
    process.stdout.close()


@contextlib.asynccontextmanager
async def servers(zygote: subprocess.Popen[str], logs: Path) -> AsyncIterator[Servers]:
    running = Servers(zygote, logs)
    try:
        yield running
    finally:
        running.kill()


async def healthy(http: httpx.AsyncClient) -> None:
    async with asyncio.timeout(20):
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get("/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.02)


def command(update_id: int, chat: int, text: str) -> dict[str, Any]:
    """A private chat's command (``/help``) as Telegram posts it."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "A", "language_code": "de"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }
