"""Small-cell suppression: the primary rule, the secondary rules and what an attacker can infer."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reports import kinds
from bot.reports.suppress import LOCKED, SMALL, Line, exposed_lines, suppress
from bot.reports.tables import OTHER_SOURCES_NAME, Counted, assemble, report_csv


def _row(parts: list[int]) -> tuple[dict[Any, int], list[Line]]:
    values: dict[Any, int] = {("p", i): v for i, v in enumerate(parts)}
    values["t"] = sum(parts)
    return values, [Line("t", tuple(("p", i) for i in range(len(parts))))]


def test_counts_from_1_to_4_are_small_zero_and_5_are_shown() -> None:
    values = {"a": 0, "b": 1, "c": 4, "d": 5, "e": 17}
    assert suppress(values, []) == {"b": SMALL, "c": SMALL}


def test_one_small_cell_in_a_row_hides_the_next_smallest_too() -> None:
    values, lines = _row([3, 9, 6, 0, 20])
    marks = suppress(values, lines)
    # Total 38 minus 9 + 0 + 20 would give the 3: the 6 (next smallest, not the 0) goes too.
    assert marks == {("p", 0): SMALL, ("p", 2): LOCKED}


def test_a_small_cell_alone_in_its_row_hides_the_total() -> None:
    values, lines = _row([0, 3, 0])
    assert suppress(values, lines) == {("p", 1): SMALL, "t": SMALL}
    values, lines = _row([0, 7, 0])
    assert suppress(values, lines) == {}


def test_two_small_cells_whose_sum_gives_them_away_hide_a_third() -> None:
    # 1 + 1 = 2: both must be 1. 4 + 4 = 8: both must be 4.
    for small, expected_third in (([1, 1], ("p", 2)), ([4, 4], ("p", 2))):
        values, lines = _row([*small, 6, 30])
        marks = suppress(values, lines)
        assert marks[expected_third] == LOCKED, small
    values, lines = _row([1, 2, 6, 30])  # 3 = 1 + 2 or 2 + 1: not given away
    assert suppress(values, lines) == {("p", 0): SMALL, ("p", 1): SMALL}


def test_a_total_hidden_in_one_table_is_hidden_in_every_table_that_shows_it() -> None:
    # Conversations by language: 3 + 0 + 0 (total 3, small). By channel: 3 on the web.
    values: dict[Any, int] = {
        ("lang", "de"): 3, ("lang", "tr"): 0, ("ch", "web"): 3, ("ch", "tg"): 0, "total": 3,
    }  # fmt: skip
    lines = [
        Line("total", (("lang", "de"), ("lang", "tr"))),
        Line("total", (("ch", "web"), ("ch", "tg"))),
    ]
    marks = suppress(values, lines)
    assert set(marks) == {("lang", "de"), ("ch", "web"), "total"}
    assert not exposed_lines(values, marks, lines)


def test_secondary_suppression_spreads_across_rows_and_columns() -> None:
    # A 3 x 3 table with row and column totals: hiding in a row can expose a column.
    grid = [[2, 9, 8], [7, 12, 6], [10, 5, 30]]
    values, lines = _grid(grid)
    marks = suppress(values, lines)
    assert marks[(0, 0)] == SMALL
    assert not exposed_lines(values, marks, lines)
    assert sum(1 for c in marks if isinstance(c, tuple) and c[0] == 0) >= 2  # row 0
    assert sum(1 for c in marks if isinstance(c, tuple) and c[1] == 0) >= 2  # column 0


def _grid(grid: list[list[int]]) -> tuple[dict[Any, int], list[Line]]:
    values: dict[Any, int] = {}
    lines: list[Line] = []
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            values[(r, c)] = value
        values[("row", r)] = sum(row)
        lines.append(Line(("row", r), tuple((r, c) for c in range(len(row)))))
    for c in range(len(grid[0])):
        values[("col", c)] = sum(row[c] for row in grid)
        lines.append(Line(("col", c), tuple((r, c) for r in range(len(grid)))))
    return values, lines


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, 12), min_size=3, max_size=3), min_size=1, max_size=4))
def test_no_line_ever_gives_a_single_hidden_cell_away(grid: list[list[int]]) -> None:
    values, lines = _grid(grid)
    marks = suppress(values, lines)
    assert not exposed_lines(values, marks, lines)
    for cell, value in values.items():
        if 0 < value < 5:
            assert marks.get(cell) == SMALL
        elif cell in marks:
            assert marks[cell] == LOCKED
            assert value >= 5


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 9), min_size=2, max_size=5))
def test_a_published_row_never_pins_down_a_small_cell(parts: list[int]) -> None:
    """What an attacker can do with one row: try every value the hidden cells could have
    (1–4 for "< 5", from 5 up for "x") against the published total. A small cell must keep
    at least two possible values."""
    values, lines = _row(parts)
    marks = suppress(values, lines)
    if "t" in marks or not marks:
        return
    hidden = [c for c in marks if c != "t"]
    shown_sum = sum(v for c, v in values.items() if c != "t" and c not in marks)
    budget = values["t"] - shown_sum
    ranges = [range(1, 5) if marks[c] == SMALL else range(5, budget + 1) for c in hidden]
    possible: dict[Any, set[int]] = {c: set() for c in hidden}
    for guess in itertools.product(*ranges):
        if sum(guess) == budget:
            for c, g in zip(hidden, guess, strict=True):
                possible[c].add(g)
    for c in hidden:
        if marks[c] == SMALL:
            assert len(possible[c]) >= 2, (parts, marks, possible)


def _report_values(report: Any) -> Mapping[str, Any]:
    return {t.id: t for t in report.tables}


def test_report_tables_share_their_totals_and_suppress_together(content: Any) -> None:
    day = dt.date(2026, 11, 30)  # a Monday
    counted = [
        Counted(day, kinds.CONVERSATION, "web", "de", "", 7),
        Counted(day, kinds.CONVERSATION, "web", "de", "radio", 5),
        Counted(day, kinds.CONVERSATION, "web", "tr", "flyer", 2),
        Counted(day + dt.timedelta(days=8), kinds.CONVERSATION, "telegram", "ru", "", 6),
        Counted(day, kinds.HANDOVER, "web", "tr", "external_exam", 3),
        Counted(day, kinds.RESULT, "web", "de", "admission_possible", 7),
        Counted(day, kinds.RESULT, "web", "de", "time_missing", 1),
    ]
    report = assemble(
        counted, knowledge=content.knowledge, start=day, end=day + dt.timedelta(days=13),
        region=None,
    )  # fmt: skip
    tables = _report_values(report)
    summen = {r.label: r.cells[0] for r in tables["summen"].rows}
    assert summen[kinds.KIND_NAMES[kinds.CONVERSATION]] == 20
    assert summen[kinds.KIND_NAMES[kinds.HANDOVER]] == SMALL
    languages = {r.label: r.cells for r in tables["sprachen"].rows}
    assert tables["sprachen"].columns == ("Deutsch", "Türkisch", "Russisch", "Gesamt")
    assert languages[kinds.KIND_NAMES[kinds.CONVERSATION]] == (12, SMALL, LOCKED, 20)
    # Weeks: 14 in the first, 6 in the second; the handovers' small total stays hidden.
    weeks = [r.cells for r in tables["wochen"].rows]
    assert [w[0] for w in weeks] == [14, 6, 20]
    assert weeks[-1][2] == SMALL
    results = {r.label: r.cells[0] for r in tables["ergebnisse"].rows}
    assert results[kinds.RESULT_NAMES["time_missing"]] == SMALL
    assert results[kinds.RESULT_NAMES["admission_possible"]] == LOCKED
    assert results["Gesamt"] == 8
    funnel = {r.label: r.cells for r in tables["trichter"].rows}
    assert funnel["Gespräche begonnen"] == (20, 100)
    assert funnel["An die Beratung übergeben"] == (SMALL, "–")
    sources = {r.label: r.cells[0] for r in tables["herkunft"].rows}
    assert sources == {"ohne Link": 13, OTHER_SOURCES_NAME: SMALL, "radio": LOCKED, "Gesamt": 20}
    assert "flyer" not in report_csv(report)  # a rare link's name is not shown
