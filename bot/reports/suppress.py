"""Small cells are not published: primary and secondary suppression over additive lines.

A published report is a set of cells (counts) and *lines*: parts that add up to a total, such as
the languages of one kind and that kind's total. The same cell may sit in several lines (a
kind's total closes its row by language, its column by week and its list by topic), so the
rules run over all lines of the report together:

1. Primary: a count from 1 to 4 is shown as ``< 5`` (totals too). Zero is shown.
2. Secondary: in every line whose cells are not all visible, at least two cells are hidden, so
   that the total minus the visible parts never gives a single hidden cell; the extra one is
   the smallest visible non-zero part (else the total), shown as ``x``.
3. Secondary, sums: with the total visible, the hidden cells' sum is known. If it pins them
   down (every hidden cell at its least possible value, 1 for ``< 5`` and 5 for ``x``; or, with
   only ``< 5`` cells, all at 4), one more cell is hidden as in rule 2.

The rules are applied until nothing changes. What they do not cover: differences between two
reports (periods or regions that differ by a few days or one region), and combinations of
several lines solved as a system of equations.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

THRESHOLD = 5
SMALL = "< 5"  # below the threshold
LOCKED = "x"  # hidden so that a small cell cannot be worked out from the others

Cell = Hashable


@dataclass(frozen=True)
class Line:
    """Parts that add up to a total, as published in one row or column."""

    total: Cell
    parts: tuple[Cell, ...]


def suppress(values: Mapping[Any, int], lines: Iterable[Line]) -> dict[Any, str]:
    """The mark of every hidden cell (``SMALL`` or ``LOCKED``); cells not named are visible."""
    lines = list(lines)
    marks = {cell: SMALL for cell, value in values.items() if 0 < value < THRESHOLD}
    changed = True
    while changed:
        changed = False
        for line in lines:
            if _exposed(line, values, marks):
                cell = _next_to_hide(line, values, marks)
                if cell not in marks:  # (parts that do not add up cannot make this loop forever)
                    marks[cell] = LOCKED
                    changed = True
    return marks


def _exposed(line: Line, values: Mapping[Cell, int], marks: Mapping[Cell, str]) -> bool:
    hidden = [c for c in (*line.parts, line.total) if c in marks]
    if not hidden:
        return False
    if len(hidden) == 1:
        return True
    if line.total in marks:
        return False  # the sum of the hidden parts is not published
    small = sum(1 for c in hidden if marks[c] == SMALL)
    locked = len(hidden) - small
    revealed = sum(values.get(c, 0) for c in hidden)
    least = small + THRESHOLD * locked
    most = (THRESHOLD - 1) * small if locked == 0 else None
    return revealed in (least, most)


def _next_to_hide(line: Line, values: Mapping[Cell, int], marks: Mapping[Cell, str]) -> Cell:
    visible = [
        (values.get(c, 0), i, c)
        for i, c in enumerate(line.parts)
        if c not in marks and values.get(c, 0) > 0
    ]
    if visible:
        return min(visible, key=lambda v: (v[0], v[1]))[2]
    return line.total


def shown(value: int, mark: str | None) -> str | int:
    """A cell as published: its mark if hidden, else the count."""
    return mark if mark is not None else value


def exposed_lines(
    values: Mapping[Cell, int], marks: Mapping[Cell, str], lines: Iterable[Line]
) -> list[Line]:
    """Lines that would still give a hidden cell away (empty after ``suppress``; for tests)."""
    return [line for line in lines if _exposed(line, values, marks)]
