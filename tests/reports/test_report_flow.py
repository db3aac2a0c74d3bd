"""After scripted conversations: counts, suppression, erasure, privacy, the page, CSV and CLI."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import select, text

from bot.config import Settings
from bot.handover.retention import erase_conversation
from bot.reports import kinds
from bot.reports.suppress import LOCKED, SMALL
from bot.reports.tables import OTHER_SOURCES_NAME, Report, build_report, report_csv
from bot.service import Lotse
from bot.store.models import Conversation, Lead, ReportCount

from .conftest import PEOPLE, PHONE, Scenario

K = kinds.KIND_NAMES
ROOT = Path(__file__).resolve().parents[2]


async def report_of(lotse: Lotse, day: dt.date, region: str | None = None) -> Report:
    async with lotse.sessions() as session:
        return await build_report(
            session=session, knowledge=lotse.content.knowledge, start=day - dt.timedelta(days=6),
            end=day, region=region,
        )  # fmt: skip


def cells(report: Report, table_id: str) -> dict[str, tuple[str | int, ...]]:
    return {row.label: row.cells for row in report.table(table_id).rows}


async def raw_counts(lotse: Lotse) -> dict[tuple[str, str, str, str, str], int]:
    async with lotse.sessions() as session:
        rows = (await session.execute(select(ReportCount))).scalars().all()
    return {(r.kind, r.channel, r.language, r.region, r.detail): r.count for r in rows}


async def test_the_report_counts_what_happened(lotse: Lotse, scenario: Scenario) -> None:
    counts = await raw_counts(lotse)

    def total(kind: str, **match: str) -> int:
        fields = ("channel", "language", "region", "detail")
        return sum(
            n for key, n in counts.items()
            if key[0] == kind and all(key[1 + fields.index(f)] == v for f, v in match.items())
        )  # fmt: skip

    assert total(kinds.CONVERSATION) == 8
    assert total(kinds.CONVERSATION, language="de") == 5
    assert total(kinds.CONVERSATION, detail="flyer") == 3
    assert total(kinds.CONVERSATION, region="dortmund", channel="web") == 8
    assert {k[4]: n for k, n in counts.items() if k[0] == kinds.RESULT} == {
        "admission_possible": 1, "time_missing": 1, "regulated": 1, "funding": 1,
    }  # fmt: skip
    assert total(kinds.ANSWER, detail="exam_fees", language="tr") == 1
    assert total(kinds.CONSENT, detail="handover") == 2
    assert total(kinds.HANDOVER, detail="external_exam") == 2
    assert total(kinds.BOOKING, detail="person") == 1
    assert total(kinds.NO_SHOW, language="de") == 1
    assert total(kinds.KEPT, detail="without_appointment", language="tr") == 1
    assert total(kinds.FIRST_CONTACT, detail=kinds.SAME_DAY) == 2  # Ayşe's claim, Anna's no-show
    assert total(kinds.KOMPASS) == 0

    report = await report_of(lotse, scenario.today)
    summen = {label: row[0] for label, row in cells(report, "summen").items()}
    assert summen[K[kinds.CONVERSATION]] == 8
    assert summen[K[kinds.TOPIC]] == 5  # the answer's topic and four results
    for kind in (kinds.RESULT, kinds.HANDOVER, kinds.BOOKING, kinds.NO_SHOW, kinds.KEPT):
        assert summen[K[kind]] == SMALL, kind
    assert summen[K[kinds.KOMPASS]] == 0
    languages = cells(report, "sprachen")
    assert languages[K[kinds.CONVERSATION]] == (5, SMALL, SMALL, 8)
    assert languages[K[kinds.HANDOVER]] == (SMALL, SMALL, 0, SMALL)
    # Secondary suppression: "< 5" by link alone would give "without a link" away (8 - 3).
    assert cells(report, "herkunft") == {
        "ohne Link": (LOCKED,),
        OTHER_SOURCES_NAME: (SMALL,),
        "Gesamt": (8,),
    }  # "flyer" was used 3 times only: its name is not shown either
    assert cells(report, "regionen") == {"dortmund": (8, SMALL, SMALL), "Gesamt": (8, SMALL, SMALL)}
    funnel = cells(report, "trichter")
    assert funnel["Gespräche begonnen"] == (8, 100)
    assert funnel["An die Beratung übergeben"] == (SMALL, "–")
    assert funnel["Termin wahrgenommen"] == (0, 0)
    assert_no_line_gives_a_cell_away(report)


def assert_no_line_gives_a_cell_away(report: Report) -> None:
    """In every list closed by "Gesamt" and every row closed by "Gesamt": 0 or 2+ hidden."""
    hidden = (SMALL, LOCKED)
    for table in report.tables:
        rows = table.rows
        if rows and rows[-1].label == "Gesamt":
            for column in range(len(table.columns)):
                marks = [r.cells[column] in hidden for r in rows]
                assert sum(marks) != 1, (table.id, column)
        if table.columns[-1] == "Gesamt":
            for row in rows:
                assert sum(c in hidden for c in row.cells) != 1, (table.id, row.label)


async def test_erasing_a_person_changes_no_figure(lotse: Lotse, scenario: Scenario) -> None:
    before_rows = await raw_counts(lotse)
    before = report_csv(await report_of(lotse, scenario.today))
    async with lotse.sessions() as session, session.begin():
        lead = await session.get(Lead, scenario.leads["anna"])
        assert lead is not None
        await erase_conversation(session=session, conversation_id=lead.conversation_id)
    async with lotse.sessions() as session:
        assert await session.get(Lead, scenario.leads["anna"]) is None
        left = (await session.execute(select(Conversation.user_key))).scalars().all()
    assert scenario.sessions["anna"] not in left
    assert await raw_counts(lotse) == before_rows
    assert report_csv(await report_of(lotse, scenario.today)) == before


async def test_no_report_row_names_a_person_or_a_conversation(
    lotse: Lotse, scenario: Scenario
) -> None:
    async with lotse.sessions() as session:
        columns = (await session.execute(text("SELECT * FROM report_counts"))).keys()
        rows = (await session.execute(text("SELECT * FROM report_counts"))).all()
        conversation_ids = (await session.execute(select(Conversation.id))).scalars().all()
    assert list(columns) == ["day", "kind", "channel", "language", "region", "detail", "count"]
    secrets = {*scenario.sessions.values(), PHONE, "+4915123456789"}
    secrets |= {p.name for p in PEOPLE.values() if p.name != "-"}
    text_values = {str(v) for row in rows for v in row[1:6]}
    assert not {s for s in secrets if any(s in value for value in text_values)}
    allowed_details = (
        {"", "flyer", "external_exam", "handover", "person"}
        | set(kinds.RESULT_NAMES) | set(kinds.BUCKETS) | set(kinds.KEPT_NAMES)
        | set(lotse.content.knowledge.answers) | set(lotse.content.knowledge.topics)
    )  # fmt: skip
    assert {row[5] for row in rows} <= allowed_details
    # A row is a day's count, not an event: ids of conversations or leads are nowhere.
    assert all(isinstance(row[6], int) for row in rows)
    assert len(conversation_ids) == len(PEOPLE)


async def test_the_page_is_for_admins_only(
    client: httpx.AsyncClient, lotse: Lotse, scenario: Scenario
) -> None:
    period = f"from={scenario.today - dt.timedelta(days=6)}&to={scenario.today}"
    page = await client.get(f"/dashboard/reports?{period}", headers=scenario.admin.headers)
    assert page.status_code == 200
    html = page.text
    assert "Berichte für die Förderer" in html
    assert html.count("<svg") == 4  # funnel, weeks, languages, topics
    assert 'fill="url(#chart-wochen-hatch)"' in html  # a pattern, not a colour alone
    assert "&lt; 5" in html
    assert "<script" not in html
    assert " style=" not in html  # the dashboard's CSP allows no inline styles
    assert "Anna" not in html
    assert 'href="/dashboard/reports"' in html  # in the navigation for admins
    refused = await client.get(f"/dashboard/reports?{period}", headers=scenario.counsellor.headers)
    assert refused.status_code == 403
    csv_refused = await client.get("/dashboard/reports.csv", headers=scenario.counsellor.headers)
    assert csv_refused.status_code == 403
    queue = await client.get("/dashboard", headers=scenario.counsellor.headers)
    assert 'href="/dashboard/reports"' not in queue.text
    bad = await client.get("/dashboard/reports?from=2026-13-01", headers=scenario.admin.headers)
    assert bad.status_code == 400
    backwards = f"from={scenario.today}&to={scenario.today - dt.timedelta(days=1)}"
    wrong = await client.get(f"/dashboard/reports?{backwards}", headers=scenario.admin.headers)
    assert wrong.status_code == 400
    assert "Ende des Zeitraums" in wrong.text


async def test_csv_downloads_and_the_cli_give_the_same_figures(
    client: httpx.AsyncClient, lotse: Lotse, settings: Settings, scenario: Scenario
) -> None:
    start, end = scenario.today - dt.timedelta(days=6), scenario.today
    period = f"from={start}&to={end}&region=dortmund"
    download = await client.get(f"/dashboard/reports.csv?{period}", headers=scenario.admin.headers)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.content.startswith(b"\xef\xbb\xbf")  # spreadsheets read UTF-8 with a BOM
    page_csv = download.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(page_csv), delimiter=";"))
    assert rows[0] == ["tabelle", "zeile", "spalte", "wert"]
    assert ["Nach Sprache", K[kinds.CONVERSATION], "Türkisch", SMALL] in rows
    one = await client.get(
        f"/dashboard/reports.csv?{period}&table=herkunft", headers=scenario.admin.headers
    )
    assert one.content.decode("utf-8-sig").splitlines() == [
        "Quelle;Anzahl", "ohne Link;x", f"{OTHER_SOURCES_NAME};< 5", "Gesamt;8",
    ]  # fmt: skip

    cli_csv = await _lotse_report(settings, start, end, "csv", "--region", "dortmund")
    assert cli_csv == page_csv
    cli_json = json.loads(await _lotse_report(settings, start, end, "json"))
    languages = next(t for t in cli_json["tables"] if t["id"] == "sprachen")
    conversations = next(r for r in languages["rows"] if r["label"] == K[kinds.CONVERSATION])
    assert conversations["values"] == [5, SMALL, SMALL, 8]
    elsewhere = await _lotse_report(settings, start, end, "csv", "--region", "luckenwalde")
    assert f"Summen;{K[kinds.CONVERSATION]};Anzahl;0" in elsewhere.splitlines()


async def _lotse_report(settings: Settings, start: dt.date, end: dt.date, *args: str) -> str:
    command = [
        sys.executable, "-m", "bot", "report", "--from", start.isoformat(), "--to",
        end.isoformat(), "--format", *args,
    ]  # fmt: skip
    env = {**os.environ, "LOTSE_DATABASE_URL": settings.effective_database_url}
    done = await asyncio.to_thread(
        subprocess.run, command, capture_output=True, env=env, timeout=120, check=False,
        cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()
