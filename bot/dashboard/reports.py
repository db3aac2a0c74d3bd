"""Reports for the programme's funders (admins only): anonymous counts by period and region.

The figures come from ``report_counts`` only (``bot.reports``), never from leads or
conversations, so they do not change when a person's data is erased. Counts from 1 to 4 are
shown as "< 5", and one more cell is hidden where the others would give them away.
"""

from __future__ import annotations

import datetime as dt
import re

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.dashboard.auth import AdminViewer
from bot.dashboard.web import BERLIN, DashboardError, DashboardRoute, LotseDep, render
from bot.reports import charts, kinds
from bot.reports.suppress import LOCKED, SMALL, THRESHOLD
from bot.reports.tables import (
    PeriodError,
    Report,
    Row,
    Table,
    build_report,
    report_csv,
    table_csv,
)
from bot.service import Lotse

router = APIRouter(route_class=DashboardRoute)

DEFAULT_DAYS = 28
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
REGION_ALL = ""


class BadPeriod(DashboardError):
    status_code = 400


def _date(request: Request, name: str, default: dt.date) -> dt.date:
    raw = request.query_params.get(name, "")
    if not raw:
        return default
    try:
        if not _DATE.match(raw):
            raise ValueError(raw)
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadPeriod("Bitte geben Sie die Daten als TT.MM.JJJJ im Kalenderfeld an.") from None


def _choice(request: Request, lotse: Lotse) -> tuple[dt.date, dt.date, str | None]:
    today = dt.datetime.now(BERLIN).date()
    end = _date(request, "to", today)
    start = _date(request, "from", end - dt.timedelta(days=DEFAULT_DAYS - 1))
    region = request.query_params.get("region", REGION_ALL)
    if region != REGION_ALL and region not in lotse.content.knowledge.regions:
        raise BadPeriod("Diese Region gibt es nicht.")
    return start, end, region or None


async def _report(lotse: Lotse, start: dt.date, end: dt.date, region: str | None) -> Report:
    try:
        async with lotse.sessions() as session:
            return await build_report(
                session=session, knowledge=lotse.content.knowledge, start=start, end=end,
                region=region,
            )  # fmt: skip
    except PeriodError as error:
        raise BadPeriod(str(error)) from None


def _charts(report: Report) -> dict[str, charts.Chart]:
    return {
        "trichter": charts.horizontal(
            "chart-trichter", "Trichter", report.table("trichter"), [0], skip_total=False
        ),
        "wochen": charts.vertical(
            "chart-wochen", "Verlauf nach Kalenderwochen", report.table("wochen"), [0, 2]
        ),
        "sprachen": charts.horizontal(
            "chart-sprachen",
            "Gespräche und Übergaben nach Sprache",
            _by_language(report),
            [0, 1],
            skip_total=False,
        ),
        "themen": charts.horizontal("chart-themen", "Nach Thema", report.table("themen"), [0]),
    }


def _by_language(report: Report) -> Table:
    """The language table turned: one group per language, conversations and handovers."""
    table = report.table("sprachen")
    names = (kinds.KIND_NAMES[kinds.CONVERSATION], kinds.KIND_NAMES[kinds.HANDOVER])
    wanted = [r for r in table.rows if r.label in names]
    rows = tuple(
        Row(language, tuple(r.cells[i] for r in wanted))
        for i, language in enumerate(table.columns[:-1])
    )
    return Table(table.id, table.title, "Sprache", tuple(r.label for r in wanted), rows)


def _query(start: dt.date, end: dt.date, region: str | None) -> str:
    return f"from={start.isoformat()}&to={end.isoformat()}&region={region or ''}"


@router.get("/dashboard/reports")
async def reports_page(request: Request, lotse: LotseDep, viewer: AdminViewer) -> Response:
    """Totals, weekly trend, languages, topics and the funnel of the chosen period and region."""
    start, end, region = _choice(request, lotse)
    report = await _report(lotse, start, end, region)
    return render(
        "reports.html",
        viewer=viewer,
        report=report,
        charts=_charts(report),
        regions=sorted(lotse.content.knowledge.regions),
        region=region or REGION_ALL,
        query=_query(start, end, region),
        small=SMALL,
        locked=LOCKED,
        threshold=THRESHOLD,
    )


@router.get("/dashboard/reports.csv")
async def reports_csv(request: Request, lotse: LotseDep, viewer: AdminViewer) -> Response:
    """All tables (or one, ``table=<id>``) as semicolon-separated UTF-8, as on the page."""
    start, end, region = _choice(request, lotse)
    report = await _report(lotse, start, end, region)
    table_id = request.query_params.get("table")
    if table_id:
        table = next((t for t in report.tables if t.id == table_id), None)
        if table is None:
            raise BadPeriod("Diese Tabelle gibt es nicht.")
        body, name = table_csv(table), f"bericht-{table.id}"
    else:
        body, name = report_csv(report), "bericht"
    filename = f"{name}-{start.isoformat()}-{end.isoformat()}{'-' + region if region else ''}.csv"
    return Response(
        body.encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
