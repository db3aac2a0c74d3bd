"""The targets of issue 14, each judged against the figures, and the table printed after a run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Figures = dict[str, Any]


def _level(levels: list[Figures], concurrency: int) -> Figures | None:
    return next((lv for lv in levels if lv.get("concurrency") == concurrency), None)


def _target(name: str, wanted: str, value: Any, met: bool | None, note: str = "") -> dict[str, Any]:
    return {"target": name, "wanted": wanted, "value": value, "met": met, "note": note}


def _check(
    levels: list[Figures],
    concurrency: int,
    name: str,
    wanted: str,
    pick: Callable[[Figures], Any],
    test: Callable[[Any], bool],
) -> dict[str, Any]:
    level = _level(levels, concurrency)
    if level is None:
        return _target(name, wanted, None, None, f"no level at {concurrency}")
    value = pick(level)
    return _target(name, wanted, value, None if value is None else test(value))


def targets(run: Figures) -> list[dict[str, Any]]:
    """Every target of a run with raised budget (one worker count), met or missed."""
    ingest = run.get("ingest", [])
    chats = run.get("conversations", [])
    api = run.get("api_chat", [])
    checks = []
    for c in (32, 128):
        checks += [
            _check(ingest, c, f"webhook ingest at {c} posts", "≥ 1000 updates/s",
                   lambda lv: lv["accepted_per_s"], lambda v: v >= 1000),
            _check(ingest, c, f"webhook ack p99 at {c} posts", "≤ 50 ms",
                   lambda lv: lv["ack_p99_ms"], lambda v: v <= 50),
        ]  # fmt: skip
    checks += [
        _check(chats, 32, "end to end at 32 chats", "≥ 300 updates/s",
               lambda lv: lv["answered_per_s"], lambda v: v >= 300),
        _check(chats, 32, "end to end p99 at 32 chats", "≤ 250 ms",
               lambda lv: lv["e2e_p99_ms"], lambda v: v <= 250),
        _check(api, 32, "/api/chat at 32 concurrent", "≥ 500 requests/s",
               lambda lv: lv["requests_per_s"], lambda v: v >= 500),
        _check(api, 32, "/api/chat p99 at 32 concurrent", "≤ 100 ms",
               lambda lv: lv["p99_ms"], lambda v: v <= 100),
    ]  # fmt: skip
    workers = [p for p in run.get("processes", []) if p["role"] in ("server", "worker")]
    if run.get("workers", 1) > 1:
        workers = [p for p in workers if p["role"] == "worker"] or workers
    rss = max((p["rss_max_mb"] for p in workers), default=None)
    checks.append(_target("RSS per worker", "≤ 150 MB", rss, None if rss is None else rss <= 150))
    faults = sum(
        lv.get(k, 0) for lv in [*ingest, *chats] for k in ("lost", "duplicated", "out_of_order")
    )
    checks.append(_target("lost + duplicated + out of order", "0", faults, faults == 0))
    return checks


def budget_targets(budget: Figures) -> list[dict[str, Any]]:
    rates = budget.get("rates", {})
    overall = rates.get("messages_max_in_1s")
    one = rates.get("chat_max_in_1s")
    five = rates.get("chat_max_in_5s")
    return [
        _target("default budget: messages in any 1 s", "≤ 30", overall,
                None if overall is None else overall <= 30),
        _target("default budget: one chat, any 1 s", "≤ 3 (1/s, burst 3)", one,
                None if one is None else one <= 3),
        _target("default budget: one chat, any 5 s", "≤ 8 (1/s + burst)", five,
                None if five is None else five <= 8),
    ]  # fmt: skip


# -- the table -------------------------------------------------------------------------------

_COLUMNS = {
    "ingest": [
        ("conc", "concurrency"), ("updates", "updates"), ("acc/s", "accepted_per_s"),
        ("ack p50", "ack_p50_ms"), ("ack p99", "ack_p99_ms"), ("proc/s", "processed_per_s"),
        ("lost", "lost"), ("late", "late"), ("dup", "duplicated"), ("order", "out_of_order"),
        ("err", "http_errors"), ("cpu ms/u", "cpu_ms_per_update"), ("quiet", "quiet_after"),
        ("load", "load_1min"),
    ],
    "conversations": [
        ("conc", "concurrency"), ("updates", "updates"), ("ans/s", "answered_per_s"),
        ("ack p50", "ack_p50_ms"), ("ack p99", "ack_p99_ms"), ("e2e p50", "e2e_p50_ms"),
        ("e2e p99", "e2e_p99_ms"), ("start p99", "e2e_start_p99_ms"),
        ("full p99", "complete_p99_ms"), ("lost", "lost"),
        ("late", "late"), ("dup", "duplicated"), ("order", "out_of_order"), ("err", "http_errors"),
        ("cpu ms/u", "cpu_ms_per_update"), ("quiet", "quiet_after"), ("load", "load_1min"),
    ],
    "api_chat": [
        ("conc", "concurrency"), ("requests", "requests"), ("req/s", "requests_per_s"),
        ("p50", "p50_ms"), ("p99", "p99_ms"), ("err", "errors"),
        ("cpu ms/req", "cpu_ms_per_request"), ("load", "load_1min"),
    ],
}  # fmt: skip
_TITLES = {
    "ingest": "webhook ingest (answers awaited only afterwards; ms)",
    "conversations": "Telegram conversations, closed loop (e2e: POST → first answer call; ms)",
    "api_chat": "/api/chat conversations (ms)",
}


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    return str(value)


def table(rows: list[Figures], columns: list[tuple[str, str]]) -> list[str]:
    cells = [[title for title, _ in columns]]
    cells += [[_cell(row.get(key)) for _, key in columns] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    return ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells]


def render(result: Figures) -> str:
    lines = [
        f"Lotse load benchmark — {result['label']} ({result['code']['commit']}), "
        f"{result['database']}, {result['machine']['cpus']} CPUs, "
        f"load {result['machine']['load_before']} → {result['machine']['load_after']}",
    ]
    lines += [f"note: {note}" for note in result.get("notes", [])]
    for run in result["runs"]:
        lines.append("")
        if "error" in run:
            lines.append(f"== {run['workers']} worker(s): {run['error']}")
            continue
        lines.append(f"== {run['workers']} worker(s), outbound budget raised ({run['budget_env']})")
        for mode, columns in _COLUMNS.items():
            if run.get(mode):
                lines.append(f"-- {_TITLES[mode]}")
                lines += table(run[mode], columns)
        processes = ", ".join(f"{p['role']} {p['rss_max_mb']} MB" for p in run["processes"])
        lines.append(f"RSS max: {processes}; CPU of this benchmark process {run['driver_cpu_s']} s")
        log = run.get("server_log", {})
        if log.get("errors") or log.get("warnings"):
            lines.append(f"server log: {log['errors']} errors, {log['warnings']} warnings")
            lines += [f"   {line[:150]}" for line in log.get("distinct", [])]
        lines += _targets_lines(run["targets"])
    budget = result.get("budget")
    if budget and "error" in budget:
        lines += ["", f"== default outbound budget: {budget['error']}"]
    elif budget:
        lines.append("")
        lines.append(f"== default outbound budget, {budget['conversations']['concurrency']} chats")
        lines += table([budget["conversations"]], _COLUMNS["conversations"])
        rates = budget["rates"]
        lines.append(
            f"messages {rates['messages']}, mean {rates['messages_per_s_mean']}/s, "
            f"max in any 1 s {rates['messages_max_in_1s']}; one chat: max {rates['chat_max_in_1s']}"
            f" in 1 s, {rates['chat_max_in_5s']} in 5 s"
        )
        edits = rates.get("with_edits")
        if edits:
            lines.append(
                f"with edits: {edits['messages']}, max in any 1 s {edits['messages_max_in_1s']}; "
                f"one chat: max {edits['chat_max_in_1s']} in 1 s, {edits['chat_max_in_5s']} in 5 s"
            )
        lines += _targets_lines(budget["targets"])
    return "\n".join(lines)


def _targets_lines(checks: list[Figures]) -> list[str]:
    lines = ["targets:"]
    for check in checks:
        mark = {True: "met", False: "MISSED", None: "n/a"}[check["met"]]
        note = f" ({check['note']})" if check["note"] else ""
        value = _cell(check["value"])
        lines.append(f"  {mark:>6}  {check['target']}: {value} (want {check['wanted']}){note}")
    return lines
