"""Bar charts as geometry for server-side SVG (drawn by the dashboard template, no script).

Readable without colour: every series has its own fill pattern (solid, hatched, dotted,
cross-hatched) named in a legend, and every bar carries its value as text. A hidden cell
(``< 5``, ``x``) gets no bar, only its mark, so the drawing never shows what the table hides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.reports.tables import Table

PATTERNS = ("solid", "hatch", "dots", "cross")
_LABEL_WIDTH = 330  # horizontal charts: the category names on the left
_LABEL_CHARS = 44  # longer names are shortened in the drawing (the table has them in full)
_PLOT_WIDTH = 380
_BAR = 16
_GAP = 4
_GROUP_GAP = 12
_VALUE_SPACE = 50  # room for the value text after the longest bar
_COLUMN = 26  # vertical charts: one bar's width
_COLUMN_GAP = 34  # room for the week's label under its bars
_PLOT_HEIGHT = 160
_TOP = 24
_BOTTOM = 46
_LEFT = 10
_LEGEND_ROW = 20


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    pattern: str
    value: str  # the count or its mark, shown beside the bar
    text_x: float
    text_y: float
    anchor: str  # "start" or "middle"
    name: str  # series and category, for the tooltip (<title>)


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str


@dataclass(frozen=True)
class LegendItem:
    x: float
    y: float
    pattern: str
    name: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    bars: tuple[Bar, ...]
    labels: tuple[Label, ...]
    legend: tuple[LegendItem, ...]
    baseline: tuple[float, float, float, float]  # x1, y1, x2, y2 of the axis


def _number(value: str | int) -> int | None:
    return value if isinstance(value, int) else None


def _legend(series: Sequence[str], top: float) -> tuple[LegendItem, ...]:
    return tuple(
        LegendItem(_LEFT, top + i * _LEGEND_ROW, PATTERNS[i % len(PATTERNS)], name)
        for i, name in enumerate(series)
    )


def horizontal(
    chart_id: str,
    title: str,
    table: Table,
    columns: Sequence[int],
    *,
    skip_total: bool = True,
) -> Chart:
    """Bars to the right, one group per table row, one bar per chosen column."""
    rows = [r for r in table.rows if not (skip_total and r.label == "Gesamt")]
    series = [table.columns[c] for c in columns]
    biggest = max(
        (n for r in rows for c in columns if (n := _number(r.cells[c])) is not None), default=0
    )
    scale = _PLOT_WIDTH / biggest if biggest else 0.0
    bars: list[Bar] = []
    labels: list[Label] = []
    y = float(_TOP)
    for row in rows:
        group_top = y
        for i, c in enumerate(columns):
            value = row.cells[c]
            length = (_number(value) or 0) * scale
            bars.append(
                Bar(
                    _LABEL_WIDTH, y, length, _BAR, PATTERNS[i % len(PATTERNS)], str(value),
                    _LABEL_WIDTH + length + 6, y + _BAR - 3, "start", f"{series[i]}, {row.label}",
                )
            )  # fmt: skip
            y += _BAR + _GAP
        middle = (group_top + y - _GAP) / 2
        labels.append(Label(_LABEL_WIDTH - 8, middle + 5, _short(row.label), "end"))
        y += _GROUP_GAP
    legend_top = y + 8
    legend = _legend(series, legend_top) if len(series) > 1 else ()
    height = int(legend_top + len(legend) * _LEGEND_ROW + 4)
    axis = (_LABEL_WIDTH, _TOP - 4, _LABEL_WIDTH, y - _GROUP_GAP + 4)
    return Chart(
        chart_id, title, _describe(title, series),
        _LABEL_WIDTH + _PLOT_WIDTH + _VALUE_SPACE, height, tuple(bars), tuple(labels), legend,
        axis,
    )  # fmt: skip


def vertical(chart_id: str, title: str, table: Table, columns: Sequence[int]) -> Chart:
    """Columns upwards, one group per table row (a week), one bar per chosen column."""
    rows = [r for r in table.rows if r.label != "Gesamt"]
    series = [table.columns[c] for c in columns]
    biggest = max(
        (n for r in rows for c in columns if (n := _number(r.cells[c])) is not None), default=0
    )
    scale = _PLOT_HEIGHT / biggest if biggest else 0.0
    base = _TOP + _PLOT_HEIGHT
    group = len(columns) * _COLUMN + _COLUMN_GAP
    bars: list[Bar] = []
    labels: list[Label] = []
    for g, row in enumerate(rows):
        left = _LEFT + 20 + g * group
        for i, c in enumerate(columns):
            value = row.cells[c]
            height = (_number(value) or 0) * scale
            x = left + i * _COLUMN
            bars.append(
                Bar(
                    x, base - height, _COLUMN - 2, height, PATTERNS[i % len(PATTERNS)],
                    str(value), x + (_COLUMN - 2) / 2, base - height - 4, "middle",
                    f"{series[i]}, {row.label}",
                )
            )  # fmt: skip
        week = row.label.split("/")[0]  # "KW 49"; year and dates are in the table
        labels.append(Label(left + len(columns) * _COLUMN / 2, base + 16, week, "middle"))
    width = max(_LEFT + 40 + len(rows) * group, 320)
    legend_top = base + _BOTTOM - 16
    legend = _legend(series, legend_top)
    height = int(legend_top + len(legend) * _LEGEND_ROW + 4)
    axis = (float(_LEFT + 10), base, float(width - 10), base)
    return Chart(
        chart_id, title, _describe(title, series), int(width), height,
        tuple(bars), tuple(labels), legend, axis,
    )  # fmt: skip


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1].rstrip() + "…"


def _describe(title: str, series: Sequence[str]) -> str:
    names = ", ".join(series)
    return f"{title}: Balkendiagramm ({names}); die Werte stehen an den Balken und in der Tabelle."
