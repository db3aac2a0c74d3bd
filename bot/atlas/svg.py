"""The ways of an occupation as one SVG picture, drawn on the server (no script).

One row per way, read from left to right: where the person is, the steps, the goal. A box that
several adjacent ways share (the start, the exam, the goal) is drawn once over those rows. The
picture has ``role="img"`` with a ``<title>`` and ``<desc>``; the page lists the same ways as
text beside it.
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from bot.atlas.ways import Step

BOX_WIDTH = 190
COLUMN_GAP = 40
ROW_GAP = 14
LINE_HEIGHT = 18
PADDING = 10
MARGIN = 10
CHARS_PER_LINE = 23

_STARTS = frozenset({Step.WORKING, Step.FOREIGN})
_GOALS = frozenset({Step.QUALIFICATION, Step.CERTIFICATE, Step.EQUIVALENT})
# Fill, stroke: dark text on light boxes keeps a contrast far above 4.5:1 in light and dark mode.
_STYLE = {
    "start": ("#e3eefb", "#1f4e8c"),
    "step": ("#ffffff", "#1f4e8c"),
    "goal": ("#e3f3e7", "#1e6b34"),
}

Labelled = tuple[Step, str]


@dataclass(frozen=True)
class _Box:
    step: Step
    label: str
    column: int
    first_row: int
    last_row: int


def _columns(length: int, columns: int) -> list[int]:
    """The steps of a way fill the columns from the left; its goal is always in the last."""
    return [*range(length - 1), columns - 1]


def _boxes(ways: Sequence[Sequence[Labelled]], columns: int) -> list[_Box]:
    boxes: list[_Box] = []
    open_boxes: dict[int, _Box] = {}  # column -> the box of the row above, to merge into
    for row, way in enumerate(ways):
        placed = dict(zip(_columns(len(way), columns), way, strict=True))
        for column in range(columns):
            above = open_boxes.pop(column, None)
            if column not in placed:
                continue
            step, label = placed[column]
            if above is not None and (above.step, above.label) == (step, label):
                boxes.remove(above)
                box = _Box(step, label, column, above.first_row, row)
            else:
                box = _Box(step, label, column, row, row)
            boxes.append(box)
            open_boxes[column] = box
    return boxes


def _lines(label: str) -> list[str]:
    return textwrap.wrap(label, CHARS_PER_LINE, break_long_words=False) or [label]


def ways_svg(ways: Sequence[Sequence[Labelled]], *, title: str, desc: str, ident: str) -> str:
    """The picture as an inline ``<svg>`` element; ``ident`` makes its element ids unique."""
    columns = max(len(way) for way in ways)
    boxes = _boxes(ways, columns)
    heights = [2 * PADDING + LINE_HEIGHT] * len(ways)
    for box in boxes:
        if box.first_row == box.last_row:
            need = len(_lines(box.label)) * LINE_HEIGHT + 2 * PADDING
            heights[box.first_row] = max(heights[box.first_row], need)
    tops = [MARGIN + sum(heights[:row]) + ROW_GAP * row for row in range(len(ways))]
    width = 2 * MARGIN + columns * BOX_WIDTH + (columns - 1) * COLUMN_GAP
    height = tops[-1] + heights[-1] + MARGIN

    def left(column: int) -> int:
        return MARGIN + column * (BOX_WIDTH + COLUMN_GAP)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ways" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
        f'<defs><marker id="{ident}-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0 0L10 5L0 10z" fill="#333"/></marker></defs>',
        f'<rect width="{width}" height="{height}" rx="8" fill="#ffffff"/>',
    ]
    for row, way in enumerate(ways):
        y = tops[row] + heights[row] // 2
        placed = _columns(len(way), columns)
        for a, b in itertools.pairwise(placed):
            parts.append(
                f'<line x1="{left(a) + BOX_WIDTH}" y1="{y}" x2="{left(b) - 2}" y2="{y}" '
                f'stroke="#333" stroke-width="2" marker-end="url(#{ident}-arrow)"/>'
            )
    for box in boxes:
        kind = "start" if box.step in _STARTS else "goal" if box.step in _GOALS else "step"
        fill, stroke = _STYLE[kind]
        top = tops[box.first_row]
        bottom = tops[box.last_row] + heights[box.last_row]
        x = left(box.column)
        lines = _lines(box.label)
        first = (top + bottom) / 2 - (len(lines) - 1) * LINE_HEIGHT / 2 + 5
        parts.append(
            f'<g class="{kind}"><rect x="{x}" y="{top}" width="{BOX_WIDTH}" '
            f'height="{bottom - top}" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="2"/>'
            f'<text x="{x + BOX_WIDTH // 2}" y="{first:.0f}" text-anchor="middle" '
            f'font-size="14" fill="#111111">'
            + "".join(
                f'<tspan x="{x + BOX_WIDTH // 2}" dy="{0 if i == 0 else LINE_HEIGHT}">'
                f"{escape(line)}</tspan>"
                for i, line in enumerate(lines)
            )
            + "</text></g>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
