"""``python -m bot.benchload``: the load benchmark (see the package's docstring and ``--help``)."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import bot.benchload
from bot.benchload import report
from bot.benchload.fakeapi import FakeBotApi, serve_fake
from bot.benchload.load import Bench, Options
from bot.benchload.server import (
    Server,
    compile_catalogs,
    free_port,
    fresh_database,
    git_commit,
    load_average,
    supports_workers,
)
from bot.config import PROJECT_ROOT, default_var_dir

# The outbound budget raised far above the load, so that it measures the server, not the pacing.
RAISED_BUDGET = {"TELEGRAM_RATE_PER_SECOND": "100000", "TELEGRAM_CHAT_RATE_PER_SECOND": "100000"}
MODES = ("ingest", "conversations", "api_chat")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.benchload",
        description=bot.benchload.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=PROJECT_ROOT,
        help="the checkout whose server is measured (its own bot package; default: this one)",
    )
    parser.add_argument("--label", default="current", help="a name for this run (before, after)")
    parser.add_argument(
        "--ladder",
        default="8,32,128",
        help="concurrency levels, comma-separated (default 8,32,128)",
    )
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="length of a conversation or /api/chat level"
    )
    parser.add_argument(
        "--ingest-updates", type=int, default=800, help="updates posted per ingest level"
    )
    parser.add_argument(
        "--presses", type=int, default=4, help="updates per chat in an ingest burst"
    )
    parser.add_argument(
        "--redeliver", type=float, default=0.02, help="share of updates posted twice (0.02)"
    )
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds to wait for an answer")
    parser.add_argument(
        "--quiet",
        type=float,
        default=2.0,
        help="seconds without a Bot API call after which the server counts as idle between levels",
    )
    parser.add_argument(
        "--workers",
        default="auto",
        help="worker counts to measure, e.g. 1 or 1,2; auto: 1 and 2 when `lotse run --workers` "
        "exists, else 1",
    )
    parser.add_argument(
        "--modes", default=",".join(MODES), help=f"which ladders to run (default {','.join(MODES)})"
    )
    parser.add_argument(
        "--budget-chats",
        type=int,
        default=64,
        help="chats of the run with the default outbound budget (0: no such run)",
    )
    parser.add_argument("--budget-seconds", type=float, default=8.0)
    parser.add_argument(
        "--budget-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="more environment for the raised-budget runs (repeatable), besides "
        + " ".join(f"{k}={v}" for k, v in RAISED_BUDGET.items()),
    )
    parser.add_argument(
        "--output", type=Path, default=default_var_dir() / "bench", help="where the JSON goes"
    )
    return parser


def _worker_counts(choice: str, root: Path, sqlite: bool, notes: list[str]) -> list[int]:
    if choice != "auto":
        return [int(x) for x in choice.split(",") if x.strip()]
    if not supports_workers(root):
        notes.append("`lotse run --workers` is not available in this checkout: 1 worker only")
        return [1]
    if sqlite:
        notes.append("several workers need PostgreSQL (LOTSE_TEST_DATABASE_URL): 1 worker only")
        return [1]
    return [1, 2]


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    root: Path = args.root.resolve()
    raised = {**RAISED_BUDGET, **dict(pair.split("=", 1) for pair in args.budget_env)}
    options = Options(
        ladder=tuple(int(x) for x in args.ladder.split(",") if x.strip()),
        seconds=args.seconds,
        ingest_updates=args.ingest_updates,
        presses=args.presses,
        redeliver=args.redeliver,
        timeout=args.timeout,
        quiet=args.quiet,
    )
    modes = [m for m in args.modes.split(",") if m.strip()]
    unknown = set(modes) - set(MODES)
    if unknown:
        raise SystemExit(f"unknown modes: {', '.join(sorted(unknown))}")
    notes: list[str] = []
    compile_catalogs(root)
    started = dt.datetime.now(dt.UTC)
    test_url = os.environ.get("LOTSE_TEST_DATABASE_URL")
    workers = _worker_counts(args.workers, root, not test_url, notes)
    result: dict[str, Any] = {
        "label": args.label,
        "started": started.isoformat(timespec="seconds"),
        "code": {"root": str(root), "commit": git_commit(root)},
        "database": "postgresql" if test_url else "sqlite",
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_before": load_average(),
        },
        "options": {**vars(options), "modes": modes, "workers": workers},
        "notes": notes,
        "runs": [],
    }
    with tempfile.TemporaryDirectory(prefix="lotse-bench-") as folder:
        async with serve_fake(free_port()) as fake:
            for count in workers:
                print(f"… {count} worker(s): starting the server", file=sys.stderr, flush=True)
                try:
                    run = await _measure(
                        root,
                        count,
                        fake,
                        options,
                        modes,
                        raised,
                        test_url,
                        Path(folder),
                        args.output,
                    )
                except RuntimeError as error:  # the server did not start: say so, go on
                    run = {"workers": count, "error": str(error)}
                result["runs"].append(run)
            if args.budget_chats > 0:
                print("… default outbound budget", file=sys.stderr, flush=True)
                try:
                    result["budget"] = await _budget(
                        root, fake, options, args, test_url, Path(folder)
                    )
                except RuntimeError as error:  # the server did not start
                    result["budget"] = {"error": str(error)}
    result["machine"]["load_after"] = load_average()
    result["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return result


async def _start(
    root: Path,
    workers: int,
    fake: FakeBotApi,
    budget: dict[str, str],
    test_url: str | None,
    folder: Path,
    logs: Path,
) -> Server:
    _, url = await fresh_database(test_url, folder)
    server = Server(
        root=root, workers=workers, database_url=url, fake=fake, budget=budget, log_dir=logs
    )
    fake.reset()
    try:
        await server.start()
    except BaseException:
        server.stop()  # it may still be running (too slow to start)
        raise
    fake.reset()
    return server


async def _measure(
    root: Path,
    workers: int,
    fake: FakeBotApi,
    options: Options,
    modes: Sequence[str],
    raised: dict[str, str],
    test_url: str | None,
    folder: Path,
    output: Path,
) -> dict[str, Any]:
    server = await _start(root, workers, fake, raised, test_url, folder, output / "logs")
    sampler = asyncio.create_task(server.sample_memory_forever())
    driver = time.process_time()  # this process (load, fake Bot API) shares the machine's cores
    bench = Bench(fake=fake, server=server, options=options)
    run: dict[str, Any] = {
        "workers": workers,
        "budget_env": " ".join(f"{k}={v}" for k, v in raised.items()),
        **{mode: [] for mode in modes},
    }
    try:
        for mode in modes:
            for level in options.ladder:
                print(f"… {mode} at {level}", file=sys.stderr, flush=True)
                if mode == "ingest":
                    figures = await bench.ingest(level)
                elif mode == "conversations":
                    figures = await bench.conversations(level, options.seconds)
                else:
                    figures = await bench.api_chat(level, options.seconds)
                fake.reset()
                run[mode].append(figures)
    finally:
        sampler.cancel()
        server.sample_memory()
        run["exit_code"] = server.stop()
    run["driver_cpu_s"] = round(time.process_time() - driver, 1)
    run["processes"] = server.processes()
    run["server_log"] = server.log_summary()
    run["targets"] = report.targets(run)
    return run


async def _budget(
    root: Path,
    fake: FakeBotApi,
    options: Options,
    args: argparse.Namespace,
    test_url: str | None,
    folder: Path,
) -> dict[str, Any]:
    """A short run with the default outbound budget: Telegram's limits must hold."""
    server = await _start(root, 1, fake, {}, test_url, folder, args.output / "logs")
    bench = Bench(fake=fake, server=server, options=dataclasses.replace(options, timeout=60.0))
    try:
        conversations = await bench.conversations(args.budget_chats, args.budget_seconds)
        rates = bench.message_rates()
        fake.reset()
    finally:
        exit_code = server.stop()
    budget: dict[str, Any] = {
        "conversations": conversations,
        "rates": rates,
        "exit_code": exit_code,
        "server_log": server.log_summary(),
    }
    budget["targets"] = report.budget_targets(budget)
    return budget


def _write(result: dict[str, Any], output: Path) -> Path:
    output.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.fromisoformat(result["started"]).strftime("%Y%m%dT%H%M%SZ")
    path = output / f"load-{stamp}.json"
    text = json.dumps(result, ensure_ascii=False, indent=1) + "\n"
    path.write_text(text)
    (output / "load-latest.json").write_text(text)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    result = asyncio.run(_run(args))
    path = _write(result, args.output)
    print(report.render(result))
    print(f"\nwritten: {path} (and load-latest.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
