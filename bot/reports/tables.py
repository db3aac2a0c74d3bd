"""The funders' report: tables built from ``report_counts``, small cells suppressed, as CSV or JSON.

Every table cell is a count of the period (and region), or a percentage derived from two
counts. The tables share their totals, so suppression runs over all of them at once
(``bot.reports.suppress``): a total hidden in one table is hidden in every table.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Knowledge
from bot.reports import kinds
from bot.reports.suppress import SMALL, THRESHOLD, Line, suppress
from bot.store.models import ReportCount

LANGUAGE_NAMES = {"de": "Deutsch", "tr": "Türkisch", "ru": "Russisch", "": "unbekannt"}
CHANNEL_NAMES = {"web": "Web-Chat", "telegram": "Telegram", "console": "Terminal"}
NO_SOURCE = "ohne Link"
NOT_SHOWN = "–"  # a percentage of a hidden count
TOTAL = "Gesamt"
# The kinds broken down by language and by week, and the funnel's stages.
LANGUAGE_KINDS = (
    kinds.CONVERSATION, kinds.RESULT, kinds.HANDOVER, kinds.BOOKING, kinds.KEPT,
    kinds.NO_SHOW, kinds.KOMPASS,
)  # fmt: skip
WEEK_KINDS = (kinds.CONVERSATION, kinds.RESULT, kinds.HANDOVER, kinds.KEPT)
CHANNEL_KINDS = (kinds.CONVERSATION, kinds.HANDOVER)
REGION_KINDS = (kinds.CONVERSATION, kinds.HANDOVER, kinds.KEPT)
OTHER_SOURCES = "*"  # rare link sources together (no source id has a "*")
OTHER_SOURCES_NAME = "andere Quellen (je seltener als 5-mal)"
NO_REGION = "ohne Region"
MAX_DAYS = 3 * 366  # a longer period is split into several reports
Key = tuple[Any, ...]  # a cell: ("total", kind), ("language", kind, code), …


class PeriodError(ValueError):
    """A period that cannot be reported (in German, for staff)."""


@dataclass(frozen=True)
class Counted:
    """One aggregated row of ``report_counts``."""

    day: dt.date
    kind: str
    channel: str
    language: str
    detail: str
    count: int
    region: str = ""


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[str | int, ...]


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    row_header: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    note: str = ""


@dataclass(frozen=True)
class Report:
    start: dt.date
    end: dt.date
    region: str | None
    tables: tuple[Table, ...]

    def table(self, table_id: str) -> Table:
        return next(t for t in self.tables if t.id == table_id)


def check_period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise PeriodError("Das Ende des Zeitraums liegt vor seinem Anfang.")
    if (end - start).days >= MAX_DAYS:
        raise PeriodError("Der Zeitraum ist länger als drei Jahre; bitte teilen Sie ihn auf.")


async def load(
    *, session: AsyncSession, start: dt.date, end: dt.date, region: str | None
) -> list[Counted]:
    """The counts of the period, summed over regions unless one is chosen."""
    rc = ReportCount
    query = (
        select(rc.day, rc.kind, rc.channel, rc.language, rc.detail, func.sum(rc.count), rc.region)
        .where(rc.day >= start, rc.day <= end)
        .group_by(rc.day, rc.kind, rc.channel, rc.language, rc.detail, rc.region)
    )
    if region is not None:
        query = query.where(rc.region == region)
    rows = (await session.execute(query)).all()
    return [Counted(*row[:5], int(row[5]), row[6]) for row in rows]


async def build_report(
    *,
    session: AsyncSession,
    knowledge: Knowledge,
    start: dt.date,
    end: dt.date,
    region: str | None,
) -> Report:
    check_period(start, end)
    counted = await load(session=session, start=start, end=end, region=region)
    return assemble(counted, knowledge=knowledge, start=start, end=end, region=region)


# -- building the tables --------------------------------------------------------------------


@dataclass
class _Draft:
    """Cells and lines while the tables are built; rows hold cell keys or fixed text."""

    values: dict[Key, int] = field(default_factory=lambda: defaultdict(int))
    lines: list[Line] = field(default_factory=list)
    tables: list[tuple[Table, list[tuple[str, list[Any]]]]] = field(default_factory=list)

    def list_table(
        self,
        table_id: str,
        title: str,
        row_header: str,
        kind: str,
        labels: dict[str, str],
        *,
        note: str = "",
        order: Iterable[str] | None = None,
    ) -> None:
        """One kind by its detail, largest first (or in ``order``), closed by the total."""
        present = {k[2] for k in self.values if k[:2] == ("detail", kind) and self.values[k]}
        details = [d for d in order if d in present] if order is not None else []
        details += sorted(
            present - set(details), key=lambda d: (-self.values[("detail", kind, d)], d)
        )
        parts = tuple(("detail", kind, d) for d in details)
        self.lines.append(Line(("total", kind), parts))
        rows: list[tuple[str, list[Any]]] = [
            (labels.get(d, d) or NO_SOURCE, [p]) for d, p in zip(details, parts, strict=True)
        ]
        rows.append((TOTAL, [("total", kind)]))
        self.add(table_id, title, row_header, ("Anzahl",), rows, note)

    def add(
        self,
        table_id: str,
        title: str,
        row_header: str,
        columns: tuple[str, ...],
        rows: list[tuple[str, list[Any]]],
        note: str = "",
    ) -> None:
        self.tables.append((Table(table_id, title, row_header, columns, (), note), rows))


def assemble(
    counted: Iterable[Counted],
    *,
    knowledge: Knowledge,
    start: dt.date,
    end: dt.date,
    region: str | None,
) -> Report:
    """All tables of the report from the period's counts, with small cells suppressed."""
    draft = _Draft()
    counted = list(counted)
    rare = _rare_sources(counted)
    languages: set[str] = set()
    channels: set[str] = set()
    regions: set[str] = set()
    for c in counted:
        week = c.day - dt.timedelta(days=c.day.weekday())
        detail = OTHER_SOURCES if c.kind == kinds.CONVERSATION and c.detail in rare else c.detail
        for key in (
            ("total", c.kind),
            ("language", c.kind, c.language),
            ("week", c.kind, week),
            ("channel", c.kind, c.channel),
            ("region", c.kind, c.region),
            ("detail", c.kind, detail),
        ):
            draft.values[key] += c.count
        languages.add(c.language)
        channels.add(c.channel)
        regions.add(c.region)
    _overview(draft)
    _weeks(draft, start, end)
    _languages(draft, sorted(languages, key=_language_order))
    _topics(draft, knowledge)
    _channels(draft, sorted(channels))
    _regions(draft, sorted(regions))
    _appointments(draft)
    marks = suppress(draft.values, draft.lines)
    tables = tuple(_finish(table, rows, draft.values, marks) for table, rows in draft.tables)
    return Report(start, end, region, tables)


def _rare_sources(counted: list[Counted]) -> set[str]:
    """Link sources used fewer than 5 times in the period: their names are not shown either
    (a link can be made for one person), they are counted together as "other sources"."""
    used: dict[str, int] = defaultdict(int)
    for c in counted:
        if c.kind == kinds.CONVERSATION and c.detail:
            used[c.detail] += c.count
    return {source for source, n in used.items() if n < THRESHOLD}


def _language_order(code: str) -> tuple[int, str]:
    order = list(LANGUAGE_NAMES)
    return (order.index(code) if code in order else len(order), code)


def _overview(draft: _Draft) -> None:
    rows = [(name, [("total", kind)]) for kind, name in kinds.KIND_NAMES.items()]
    draft.add(
        "summen", "Summen", "Ereignis", ("Anzahl",), rows,
        "Gezählt werden Ereignisse, nicht Personen: wer zwei Ergebnisse erhält, zählt zweimal.",
    )  # fmt: skip
    first = ("total", kinds.CONVERSATION)
    stages = [
        ("Gespräche begonnen", first),
        ("Ergebnis eines Prüfbaums erhalten", ("total", kinds.RESULT)),
        ("An die Beratung übergeben", ("total", kinds.HANDOVER)),
        ("Termin wahrgenommen", ("detail", kinds.KEPT, "appointment")),
    ]
    funnel = [(label, [cell, _Share(cell, first)]) for label, cell in stages]
    draft.add(
        "trichter", "Trichter: vom Gespräch zum wahrgenommenen Termin", "Stufe",
        ("Anzahl", "Anteil an den Gesprächen (%)"), funnel,
        "Ereignisse im Zeitraum; ein Termin kann auf ein Gespräch aus einem früheren Zeitraum "
        "folgen.",
    )  # fmt: skip


@dataclass(frozen=True)
class _Share:
    """A percentage of two counts; not shown when either count is hidden."""

    part: Key
    whole: Key


def _weeks(draft: _Draft, start: dt.date, end: dt.date) -> None:
    monday = start - dt.timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    for kind in WEEK_KINDS:
        draft.lines.append(Line(("total", kind), tuple(("week", kind, w) for w in weeks)))
    rows: list[tuple[str, list[Any]]] = [
        (_week_label(w, start, end), [("week", k, w) for k in WEEK_KINDS]) for w in weeks
    ]
    rows.append((TOTAL, [("total", k) for k in WEEK_KINDS]))
    draft.add(
        "wochen", "Verlauf nach Kalenderwochen", "Woche",
        tuple(kinds.KIND_NAMES[k] for k in WEEK_KINDS), rows,
        "Wochen am Rand des Zeitraums zählen nur dessen Tage.",
    )  # fmt: skip


def _week_label(monday: dt.date, start: dt.date, end: dt.date) -> str:
    first, last = max(monday, start), min(monday + dt.timedelta(days=6), end)
    year, week, _ = monday.isocalendar()
    return f"KW {week:02d}/{year} ({first:%d.%m.}–{last:%d.%m.})"


def _languages(draft: _Draft, languages: list[str]) -> None:
    shown = sorted({"de", "tr", "ru", *languages}, key=_language_order)
    rows = []
    for kind in LANGUAGE_KINDS:
        parts = [("language", kind, code) for code in shown]
        draft.lines.append(Line(("total", kind), tuple(parts)))
        rows.append((kinds.KIND_NAMES[kind], [*parts, ("total", kind)]))
    columns = (*(LANGUAGE_NAMES.get(code, code) for code in shown), TOTAL)
    draft.add("sprachen", "Nach Sprache", "Ereignis", columns, rows)


def _topics(draft: _Draft, knowledge: Knowledge) -> None:
    topic_names = {t.id: t.title.de for t in knowledge.topics.values()}
    topic_names[kinds.ABOUT_LOTSE] = "Lotse, Datenschutz und Beratung"
    draft.list_table(
        "themen", "Nach Thema", "Thema", kinds.TOPIC, topic_names,
        note="Jede Antwort, Themen-Info und jedes Ergebnis eines Prüfbaums zählt für ihr Thema.",
    )  # fmt: skip
    draft.list_table(
        "ergebnisse", "Ergebnisse der Prüfbäume", "Ergebnis", kinds.RESULT, kinds.RESULT_NAMES,
        order=kinds.RESULT_NAMES,
    )  # fmt: skip
    answer_names = {a.id: f"{a.title.de} ({a.id})" for a in knowledge.answers.values()}
    draft.list_table("antworten", "Antworten auf Fragen", "Frage", kinds.ANSWER, answer_names)


def _channels(draft: _Draft, channels: list[str]) -> None:
    rows: list[tuple[str, list[Any]]] = [
        (CHANNEL_NAMES.get(channel, channel), [("channel", k, channel) for k in CHANNEL_KINDS])
        for channel in channels
    ]
    for kind in CHANNEL_KINDS:
        parts = tuple(("channel", kind, channel) for channel in channels)
        draft.lines.append(Line(("total", kind), parts))
    rows.append((TOTAL, [("total", k) for k in CHANNEL_KINDS]))
    draft.add(
        "kanaele", "Nach Kanal", "Kanal", tuple(kinds.KIND_NAMES[k] for k in CHANNEL_KINDS), rows
    )
    draft.list_table(
        "herkunft", "Gespräche nach Herkunft (Link-Quelle)", "Quelle", kinds.CONVERSATION,
        {OTHER_SOURCES: OTHER_SOURCES_NAME},
        note="Die Quelle aus einem Link oder QR-Code (z. B. flyer); ohne Link: direkt begonnen. "
        "Quellen, die im Zeitraum seltener als fünfmal vorkommen, sind zusammengefasst.",
    )  # fmt: skip


def _regions(draft: _Draft, regions: list[str]) -> None:
    rows: list[tuple[str, list[Any]]] = [
        (region or NO_REGION, [("region", k, region) for k in REGION_KINDS]) for region in regions
    ]
    for kind in REGION_KINDS:
        parts = tuple(("region", kind, region) for region in regions)
        draft.lines.append(Line(("total", kind), parts))
    rows.append((TOTAL, [("total", k) for k in REGION_KINDS]))
    draft.add(
        "regionen", "Nach Region", "Region", tuple(kinds.KIND_NAMES[k] for k in REGION_KINDS), rows
    )


def _appointments(draft: _Draft) -> None:
    draft.list_table(
        "einwilligungen", "Einwilligungen", "Wofür", kinds.CONSENT, kinds.CONSENT_NAMES,
        order=kinds.CONSENT_NAMES,
    )  # fmt: skip
    draft.list_table(
        "buchungen", "Termine gebucht", "Gebucht", kinds.BOOKING, kinds.BOOKING_NAMES,
        order=kinds.BOOKING_NAMES, note="Ein umgebuchter Termin zählt als weitere Buchung.",
    )  # fmt: skip
    draft.list_table(
        "erledigt", "Beratungen erledigt", "Art", kinds.KEPT, kinds.KEPT_NAMES,
        order=kinds.KEPT_NAMES,
    )  # fmt: skip
    draft.list_table(
        "erstkontakt", "Zeit von der Übergabe bis zum ersten Kontakt", "Erster Kontakt",
        kinds.FIRST_CONTACT, kinds.BUCKET_NAMES, order=kinds.BUCKETS,
        note="Erster Kontakt: die erste Handlung einer Beraterin oder eines Beraters am Fall "
        "(übernehmen, Termin eintragen, Notiz, Status), in Kalendertagen.",
    )  # fmt: skip


def _finish(
    table: Table,
    rows: list[tuple[str, list[Any]]],
    values: dict[Key, int],
    marks: dict[Key, str],
) -> Table:
    def cell(item: Any) -> str | int:
        if isinstance(item, _Share):
            part, whole = values.get(item.part, 0), values.get(item.whole, 0)
            if item.part in marks or item.whole in marks or not whole:
                return NOT_SHOWN
            return round(100 * part / whole)
        return marks.get(item, values.get(item, 0))

    finished = tuple(Row(label, tuple(cell(item) for item in items)) for label, items in rows)
    return Table(table.id, table.title, table.row_header, table.columns, finished, table.note)


# -- output -----------------------------------------------------------------------------------


def _csv_safe(value: str | int) -> str | int:
    """No cell starts like a spreadsheet formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def table_csv(table: Table) -> str:
    """One table as semicolon-separated text, header first (German spreadsheets read it)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([table.row_header, *table.columns])
    for row in table.rows:
        writer.writerow([_csv_safe(v) for v in (row.label, *row.cells)])
    return out.getvalue()


def report_csv(report: Report) -> str:
    """All tables in one long list: table; row; column; value."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["tabelle", "zeile", "spalte", "wert"])
    for table in report.tables:
        for row in table.rows:
            for column, value in zip(table.columns, row.cells, strict=True):
                writer.writerow([_csv_safe(v) for v in (table.title, row.label, column, value)])
    return out.getvalue()


def report_json(report: Report) -> str:
    data = {
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "region": report.region,
        "small": SMALL,
        "tables": [
            {
                "id": t.id,
                "title": t.title,
                "row_header": t.row_header,
                "columns": list(t.columns),
                "rows": [{"label": r.label, "values": list(r.cells)} for r in t.rows],
            }
            for t in report.tables
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
