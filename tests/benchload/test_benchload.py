"""``make bench-load`` at a tiny size: the harness works end to end and its JSON is complete.

Not a speed test: only the shape of the figures and that no update was lost or answered twice
(either would mean the harness or the server's delivery is broken).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.config import PROJECT_ROOT

INGEST = {
    "concurrency",
    "updates",
    "accepted_per_s",
    "ack_p50_ms",
    "ack_p99_ms",
    "processed_per_s",
    "lost",
    "late",
    "duplicated",
    "out_of_order",
    "cpu_ms_per_update",
}
CONVERSATIONS = {
    "concurrency",
    "updates",
    "answered_per_s",
    "ack_p50_ms",
    "ack_p99_ms",
    "e2e_p50_ms",
    "e2e_p99_ms",
    "lost",
    "duplicated",
    "out_of_order",
    "cpu_ms_per_update",
}
API_CHAT = {"concurrency", "requests", "requests_per_s", "p50_ms", "p99_ms", "errors"}  # fmt: skip


def test_a_tiny_run_writes_complete_figures(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "LOTSE_TEST_DATABASE_URL"}  # SQLite
    command = [sys.executable, "-m", "bot.benchload", "--label", "smoke", "--ladder", "3",
               "--seconds", "1.5", "--ingest-updates", "9", "--presses", "3",
               "--redeliver", "0.2", "--quiet", "0.5", "--workers", "1", "--budget-chats", "0",
               "--output", str(tmp_path)]  # fmt: skip
    done = subprocess.run(
        command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "targets:" in done.stdout

    written = sorted(tmp_path.glob("load-2*.json"))
    assert len(written) == 1
    result = json.loads((tmp_path / "load-latest.json").read_text())
    assert result == json.loads(written[0].read_text())
    assert result["database"] == "sqlite"
    assert {"label", "started", "finished", "code", "machine", "options", "runs"} <= set(result)
    assert result["machine"]["load_before"]
    assert result["machine"]["load_after"]
    [run] = result["runs"]
    assert run["workers"] == 1
    [ingest] = run["ingest"]
    [conversations] = run["conversations"]
    [api] = run["api_chat"]
    assert set(ingest) >= INGEST
    assert set(conversations) >= CONVERSATIONS
    assert set(api) >= API_CHAT
    assert ingest["updates"] == 9
    assert conversations["updates"] >= 3
    assert api["requests"] >= 3
    for level in (ingest, conversations):
        assert level["lost"] == 0
        assert level["duplicated"] == 0
        assert level["out_of_order"] == 0
        assert level["http_errors"] == 0
    assert api["errors"] == 0
    assert conversations["answered"] == conversations["updates"]
    assert run["processes"]
    assert all(p["rss_max_mb"] > 0 for p in run["processes"])
    assert {t["target"] for t in run["targets"]} >= {"RSS per worker"}
