"""The Lotse server under test: a ``lotse run`` subprocess, its database, its CPU and memory.

CPU and memory are read from ``/proc`` for the server process and all its descendants (the
workers of ``--workers N``): CPU as utime + stime (plus what exited children left in the parent's
cutime + cstime), memory as the largest resident set each process reached while sampled.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.benchload.client import Connection, HttpError
from bot.benchload.fakeapi import TOKEN, FakeBotApi

WEBHOOK_SECRET = "bench-webhook-secret-" + secrets.token_hex(8)
BENCH_DATABASE = "lotse_bench"
_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load_average() -> list[float]:
    """The machine's load (1, 5, 15 minutes), as ``uptime`` shows it."""
    return [round(x, 2) for x in os.getloadavg()]


# -- databases -------------------------------------------------------------------------------


async def fresh_database(test_url: str | None, folder: Path) -> tuple[str, str]:
    """A new, empty database: ``lotse_bench`` beside LOTSE_TEST_DATABASE_URL's, else SQLite.

    Returns (kind, url). The PostgreSQL database is dropped and created again each time, so
    every server starts empty; the ``test`` database is never touched.
    """
    if not test_url:
        path = folder / f"bench-{secrets.token_hex(4)}.sqlite3"
        return "sqlite", f"sqlite+aiosqlite:///{path}"
    import asyncpg

    base = re.sub(r"^postgresql\+asyncpg://", "postgresql://", test_url)
    maintenance = re.sub(r"/[^/?]*(\?|$)", r"/postgres\1", base.split("://", 1)[1], count=1)
    connection = await asyncpg.connect("postgresql://" + maintenance)
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        await connection.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    finally:
        await connection.close()
    bench = re.sub(r"/[^/?]*(\?|$)", rf"/{BENCH_DATABASE}\1", test_url.split("://", 1)[1], count=1)
    return "postgresql", "postgresql+asyncpg://" + bench


# -- /proc -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcStat:
    pid: int
    ppid: int
    cpu: float  # seconds: utime + stime
    children_cpu: float  # seconds: cutime + cstime (children it has waited for)
    rss: int  # bytes


def _stat(pid: int) -> ProcStat | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return ProcStat(
        pid=pid,
        ppid=int(fields[1]),
        cpu=(int(fields[11]) + int(fields[12])) / _TICKS,
        children_cpu=(int(fields[13]) + int(fields[14])) / _TICKS,
        rss=int(fields[21]) * _PAGE,
    )


def process_tree(root: int) -> list[ProcStat]:
    """The root process and all its living descendants."""
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            stats[stat.pid] = stat
    tree, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        if pid in stats:
            tree.append(stats[pid])
            frontier += [s.pid for s in stats.values() if s.ppid == pid]
    return tree


def _name(pid: int) -> str:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    text = " ".join(w.decode(errors="replace") for w in words if w)
    if "multiprocessing" in text:
        return "worker" if "spawn_main" in text else "helper"
    return "server"


# -- the server ------------------------------------------------------------------------------


@dataclass
class Server:
    """``lotse run`` on a free port, talking to the fake Bot API."""

    root: Path  # the checkout whose ``bot`` package is served
    workers: int
    database_url: str
    fake: FakeBotApi
    budget: dict[str, str]  # extra environment: the raised outbound budget, or nothing
    log_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    rss_max: dict[int, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    _started: str = field(default_factory=lambda: time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"server-{self._started}-{self.port}.log"

    def command(self) -> list[str]:
        lotse = Path(sys.executable).parent / "lotse"
        if self.root.resolve() == _own_root() and lotse.exists():
            command = [str(lotse), "run"]
        else:  # another checkout: its own package, this environment's libraries
            command = [sys.executable, "-m", "bot", "run"]
        command += ["--port", str(self.port)]
        if self.workers > 1:
            command += ["--workers", str(self.workers)]
        return command

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LOTSE_", "TELEGRAM_"))}
        env.update(
            PYTHONPATH=str(self.root),
            PYTHONUNBUFFERED="1",
            OMP_NUM_THREADS="1",
            OPENBLAS_NUM_THREADS="1",
            LOTSE_ENVIRONMENT="development",
            LOTSE_DATABASE_URL=self.database_url,
            LOTSE_SECRET_KEY=secrets.token_urlsafe(48),
            LOTSE_REGION="dortmund",
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_WEBHOOK_URL="https://lotse.bench.invalid/telegram/webhook",
            TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
            TELEGRAM_API_BASE_URL=self.fake.base_url,
        )
        env.update(self.budget)
        return env

    def _spawn(self) -> subprocess.Popen[bytes]:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            return subprocess.Popen(
                self.command(),
                cwd=self.root,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the workers are stopped with it
            )

    async def start(self, within: float = 120.0) -> None:
        """Start the server; return once it answers and its bot has set the webhook."""
        self.process = self._spawn()
        deadline = time.monotonic() + within
        connection = Connection("127.0.0.1", self.port)
        try:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"the server exited with {self.process.returncode}; see {self.log_path}"
                    )
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start; see {self.log_path}")
                try:
                    status, _ = await connection.request("GET", "/healthz")
                    if status == 200:
                        break
                except (HttpError, OSError):
                    connection.close()
                await asyncio.sleep(0.2)
        finally:
            connection.close()
        await self._telegram_ready(deadline)

    async def _telegram_ready(self, deadline: float) -> None:
        """Every worker set its webhook and described the bot (the start-up calls are over)."""
        while len(self.fake.of("setWebhook")) < self.workers:
            if time.monotonic() > deadline:
                raise RuntimeError(f"no setWebhook from the server; see {self.log_path}")
            await asyncio.sleep(0.1)
        quiet_since, seen = time.monotonic(), len(self.fake.calls)
        while time.monotonic() - quiet_since < 0.5 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            if len(self.fake.calls) != seen:
                quiet_since, seen = time.monotonic(), len(self.fake.calls)

    def cpu_seconds(self) -> float:
        """CPU used so far by the server and its workers."""
        assert self.process is not None
        tree = process_tree(self.process.pid)
        root = next((s for s in tree if s.pid == self.process.pid), None)
        return sum(s.cpu for s in tree) + (root.children_cpu if root else 0.0)

    def sample_memory(self) -> None:
        assert self.process is not None
        for stat in process_tree(self.process.pid):
            self.rss_max[stat.pid] = max(self.rss_max.get(stat.pid, 0), stat.rss)
            if stat.pid not in self.names:
                self.names[stat.pid] = _name(stat.pid)

    async def sample_memory_forever(self, every: float = 0.25) -> None:
        while True:
            self.sample_memory()
            await asyncio.sleep(every)

    def processes(self) -> list[dict[str, object]]:
        return [
            {"pid": pid, "role": self.names.get(pid, "?"), "rss_max_mb": round(rss / 2**20, 1)}
            for pid, rss in sorted(self.rss_max.items())
        ]

    def stop(self, grace: float = 15.0) -> int | None:
        """SIGTERM to the server's process group (its workers), SIGKILL after ``grace``."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait()

    def log_summary(self, keep: int = 8) -> dict[str, object]:
        """How many warnings and errors the server logged, and the first distinct error lines."""
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return {}
        errors = [line for line in lines if " ERROR " in line or line.startswith("Traceback")]
        warnings = [line for line in lines if " WARNING " in line]
        distinct: list[str] = []
        for line in errors + warnings:
            text = re.sub(r"^\S+ \S+ ", "", line)  # without the time stamp
            text = re.sub(r"\d+", "N", text)
            if text not in distinct:
                distinct.append(text)
        return {
            "errors": len(errors),
            "warnings": len(warnings),
            "distinct": distinct[:keep],
            "path": str(self.log_path),
        }


def compile_catalogs(root: Path) -> None:
    """Compile the checkout's stale catalogs, as ``make catalogs`` does (the .mo files are built,
    not kept in git), so that a server never starts with messages missing from them."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (root / "locales").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)


def supports_workers(root: Path) -> bool:
    """Does this checkout's ``lotse run`` know ``--workers``?"""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--help"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return "--workers" in result.stdout


def git_commit(root: Path) -> str | None:
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except OSError:
        return None
    return result.stdout.strip() or None


def _own_root() -> Path:
    return Path(__file__).resolve().parent.parent.parent
