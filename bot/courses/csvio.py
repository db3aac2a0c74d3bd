"""CSV import and export of the catalogue.

One course per line, separated by semicolons (what German spreadsheet programs write), UTF-8
(a byte order mark is accepted), a header line with these columns in any order:

| column | content |
|---|---|
| ``id`` | empty for a new course; the number of an existing one to change it |
| ``provider`` | provider (required) |
| ``title`` | title of the course (required) |
| ``kind`` | ``exam_preparation``, ``partial_qualification``, ``adaptation`` or ``job_german`` |
| ``occupations`` | occupation ids from ``knowledge/occupations.yaml``, separated by commas |
| ``region`` | region id (``dortmund``, ``luckenwalde``); empty only for online courses |
| ``address`` | where it takes place |
| ``format`` | ``full_time``, ``part_time``, ``evening`` or ``online`` |
| ``duration_months`` | whole months, 1 to 60 |
| ``start_dates`` | dates (``01.03.2027``, ``2027-03-01``) separated by commas; empty: on request |
| ``voucher`` | ``ja``/``nein``: can be paid with a Bildungsgutschein (AZAV-certified) |
| ``languages`` | languages of support, e.g. ``de,tr`` |
| ``url`` | https link to the course |
| ``checked`` | date the entry was last confirmed; empty: today |

Every line is checked on its own; a file with errors stores nothing and lists each line's error.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from bot.courses.catalogue import CourseError, CourseInput, parse_course
from bot.store.models import Course

COLUMNS = (
    "id",
    "provider",
    "title",
    "kind",
    "occupations",
    "region",
    "address",
    "format",
    "duration_months",
    "start_dates",
    "voucher",
    "languages",
    "url",
    "checked",
)
REQUIRED = frozenset(COLUMNS) - {"id", "address", "duration_months", "languages", "url", "checked"}
MAX_ROWS = 5000
MAX_BYTES = 2_000_000


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"Zeile {self.line}: {self.message}"


@dataclass(frozen=True)
class ParsedRow:
    line: int
    course_id: int | None
    data: CourseInput


def parse_csv(
    raw: bytes,
    *,
    occupations: Collection[str],
    regions: Collection[str],
    today: dt.date,
) -> tuple[list[ParsedRow], list[LineError]]:
    """The valid rows and, for every other line, what is wrong with it."""
    if len(raw) > MAX_BYTES:
        return [], [LineError(0, "Die Datei ist größer als 2 MB.")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [LineError(0, "Die Datei ist nicht in UTF-8 gespeichert.")]
    # Comment lines before the header ("# DEMO DATA …") are skipped; line numbers stay true.
    lines = text.splitlines(keepends=True)
    skipped = 0
    while skipped < len(lines) and lines[skipped].startswith("#"):
        skipped += 1
    text = "".join(lines[skipped:])
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";")
    header = [h.strip() for h in reader.fieldnames or []]
    missing = sorted(REQUIRED - set(header))
    if missing:
        return [], [LineError(skipped + 1, f"Es fehlen Spalten: {', '.join(missing)}.")]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        return [], [LineError(skipped + 1, f"Unbekannte Spalte: {unknown[0][:40]}.")]
    reader.fieldnames = header
    rows: list[ParsedRow] = []
    errors: list[LineError] = []
    for record in reader:
        line = reader.line_num + skipped
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(LineError(line, f"Mehr als {MAX_ROWS} Zeilen."))
            break
        if None in record:
            errors.append(LineError(line, "Mehr Felder als Spalten (Semikolon im Text?)."))
            continue
        values = {k: (v or "") for k, v in record.items() if k is not None}
        if not any(v.strip() for v in values.values()):
            continue  # an empty line
        course_id = values.get("id", "").strip()
        if course_id and not course_id.isdigit():
            errors.append(LineError(line, "Die id muss eine Zahl sein oder leer bleiben."))
            continue
        try:
            data = parse_course(values, occupations=occupations, regions=regions, today=today)
        except CourseError as error:
            errors.append(LineError(line, str(error)))
            continue
        rows.append(ParsedRow(line, int(course_id) if course_id else None, data))
    return rows, errors


def export_csv(courses: Iterable[Course]) -> str:
    """The catalogue in the import format (retired courses are left out)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for c in courses:
        if c.retired_at is not None:
            continue
        writer.writerow(
            [
                c.id,
                _safe(c.provider),
                _safe(c.title),
                c.kind,
                ",".join(c.occupations),
                c.region or "",
                _safe(c.address or ""),
                c.format,
                c.duration_months or "",
                ",".join(c.start_dates),
                "ja" if c.voucher else "nein",
                ",".join(c.languages),
                c.url or "",
                c.checked_at.date().isoformat(),
            ]
        )
    return out.getvalue()


def _safe(value: str) -> str:
    """No formula injection when the file is opened in a spreadsheet program."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
