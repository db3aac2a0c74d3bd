"""``lotse run --workers 2`` (PostgreSQL): both workers count into one set of metrics.

The command prepares ``<var>/metrics`` (``bot.metrics.prepare_multiprocess``); each worker binds
the metrics port with ``SO_REUSEPORT``; every scrape, on the port or on the app, whichever worker
answers it, shows the requests that both workers served.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.config import PROJECT_ROOT
from bot.store.migrate import upgrade
from tests.conftest import POSTGRES_URL, _reset_postgres
from tests.operations.conftest import METRICS_TOKEN, free_port, samples, value

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(POSTGRES_URL is None, reason="several workers need PostgreSQL"),
]
REQUESTS = 20


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    assert POSTGRES_URL is not None
    asyncio.run(_reset_postgres(POSTGRES_URL))
    upgrade(POSTGRES_URL)
    port, metrics_port = free_port(), free_port()
    environment = {
        key: value for key, value in os.environ.items() if key != "PROMETHEUS_MULTIPROC_DIR"
    }
    environment |= {
        "LOTSE_DATABASE_URL": POSTGRES_URL,
        "LOTSE_VAR_DIR": str(tmp_path / "var"),
        "LOTSE_METRICS_TOKEN": METRICS_TOKEN,
        "LOTSE_METRICS_PORT": str(metrics_port),
        "OMP_NUM_THREADS": "1",
    }
    log = (tmp_path / "lotse.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-c", "from bot.cli import main; raise SystemExit(main())", "run",
         "--port", str(port), "--workers", "2"],
        cwd=PROJECT_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield f"http://127.0.0.1:{port}", f"http://127.0.0.1:{metrics_port}", tmp_path
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _started(tmp_path: Path) -> bool:
    """Both workers have started their app (each logs where it serves the metrics)."""
    text = (tmp_path / "lotse.log").read_text(errors="replace")
    return text.count("metrics served on") >= 2


def test_every_scrape_adds_up_both_workers(two_workers: tuple[str, str, Path]) -> None:
    app, metrics_port, tmp_path = two_workers
    deadline = time.monotonic() + 180
    while not _started(tmp_path):
        assert time.monotonic() < deadline, (tmp_path / "lotse.log").read_text()[-2000:]
        time.sleep(0.5)
    for _ in range(REQUESTS):  # a new connection each: either worker may take it
        with httpx.Client(base_url=app) as http:
            response = http.post("/api/chat", json={"session": None, "text": "Hallo"})
            assert response.status_code == 200
    files = list((tmp_path / "var" / "metrics").glob("counter_*.db"))
    assert len(files) == 2  # one per worker process, in the directory the command prepared
    authorised = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    for url in [f"{metrics_port}/metrics"] * 4 + [f"{app}/metrics"] * 4:
        with httpx.Client() as http:
            response = http.get(url, headers=authorised)
        assert response.status_code == 200
        scraped = samples(response.text)
        assert value(scraped, "lotse_updates_received_total", channel="web") == REQUESTS
        assert value(scraped, "lotse_reply_latency_seconds_count", channel="web") == REQUESTS
        assert value(scraped, "lotse_metrics_database_up") == 1
