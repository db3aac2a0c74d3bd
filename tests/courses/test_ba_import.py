"""The optional import from the BA's course search, against a fake server on 127.0.0.1 that
answers in the shape the bundesAPI project documents (``_embedded.termine``, ``page``)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from bot.courses import matching
from bot.courses.ba_import import ImportSettings, run_import
from bot.service import Content, Lotse
from bot.store.models import Course

START = dt.date.today() + dt.timedelta(days=60)


def termin(ident: int, title: str, plz: str, town: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "unterrichtsform": {"id": 101, "bezeichnung": "Präsenzveranstaltung"},
        "unterrichtszeit": {"id": 2, "bezeichnung": "Teilzeit"},
        "angebot": {
            "id": ident * 10, "titel": title, "link": "https://example.org/angebot",
            "bildungsanbieter": {"id": 1, "name": "Fake-Träger GmbH"},
        },
        "adresse": {"strasse": "Hauptstraße 1",
                    "ortStrasse": {"plz": plz, "name": town, "land": {"code": "NRW"}}},
        "beginn": START.isoformat(),
        "foerderung": True,
        "link": None,
    } | extra  # fmt: skip


class FakeSearch(BaseHTTPRequestHandler):
    requests: ClassVar[list[dict[str, list[str]]]] = []
    headers_seen: ClassVar[list[str | None]] = []
    fail_for: ClassVar[set[str]] = set()

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        FakeSearch.requests.append(query)
        FakeSearch.headers_seen.append(self.headers.get("X-API-Key"))
        word = query.get("sw", [""])[0]
        if word in FakeSearch.fail_for:
            self.send_response(503)
            self.end_headers()
            return
        page = int(query.get("page", ["0"])[0])
        found: list[dict[str, Any]] = []
        if word == "Koch/Köchin" and page == 0:
            found = [
                termin(1, "Vorbereitung auf die Externenprüfung Koch/Köchin", "44135", "Dortmund"),
                termin(2, "Externenprüfung Koch – Kurs in Köln", "50667", "Köln"),  # elsewhere
                termin(3, "Hygieneschulung für Küchen", "44137", "Dortmund"),  # not to the exam
            ]
        elif word == "Koch/Köchin" and page == 1:
            found = [termin(4, "Teilqualifikation Küche", "59423", "Unna",
                            unterrichtsform={"id": 201, "bezeichnung": "Virtuelles Klassenzimmer"},
                            link="javascript:alert(1)")]  # fmt: skip
        paging = {"size": 100, "totalElements": 4, "totalPages": 2, "number": page}
        body = {"_embedded": {"termine": found}, "page": paging}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def fake_search() -> Iterator[str]:
    FakeSearch.requests, FakeSearch.headers_seen, FakeSearch.fail_for = [], [], set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeSearch)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/pc/v1/bildungsangebot"
    server.shutdown()
    server.server_close()


async def test_off_by_default(lotse: Lotse, content: Content) -> None:
    report = await run_import(
        sessions=lotse.sessions, knowledge=content.knowledge, region_id="dortmund",
        settings=ImportSettings(),
    )  # fmt: skip
    assert report.added == 0
    async with lotse.sessions() as db:
        assert (await db.scalars(select(Course))).all() == []


async def test_import_maps_keeps_source_and_never_overwrites_edits(
    lotse: Lotse, content: Content, fake_search: str
) -> None:
    settings = ImportSettings(LOTSE_BA_COURSES_URL=fake_search, LOTSE_BA_COURSES_API_KEY="k")
    FakeSearch.fail_for = {"Friseur/-in"}
    kwargs: dict[str, Any] = {"sessions": lotse.sessions, "knowledge": content.knowledge,
                              "region_id": "dortmund", "settings": settings}  # fmt: skip
    report = await run_import(**kwargs)
    assert (report.added, report.updated) == (2, 0)
    assert report.skipped == 2  # Köln is not near; a hygiene course leads to no exam
    assert report.errors == ["friseur: HTTPStatusError"]
    assert {q["re"][0] for q in FakeSearch.requests} == {"NRW"}
    assert set(FakeSearch.headers_seen) == {"k"}
    async with lotse.sessions() as db:
        courses = {c.external_id: c for c in (await db.scalars(select(Course))).all()}
    first, online = courses["ba:1"], courses["ba:4"]
    assert (first.source, first.kind, first.format, first.voucher) == (
        "ba", "exam_preparation", "part_time", True
    )  # fmt: skip
    assert first.occupations == ["koch"]
    assert first.start_dates == [START.isoformat()]
    assert first.address == "Hauptstraße 1, 44135 Dortmund"
    assert first.url == "https://example.org/angebot"
    assert first.checked_at.date() == dt.date.today()
    assert (online.kind, online.format) == ("partial_qualification", "online")
    assert online.url == "https://example.org/angebot"  # the unsafe link was not taken
    async with lotse.sessions() as db:
        found = await matching(
            session=db, occupation="koch", region="dortmund",
            kinds=("exam_preparation", "partial_qualification"), today=dt.date.today(),
        )  # fmt: skip
        assert {c.external_id for c in found} == {"ba:1", "ba:4"}
    # A counsellor edits one; the next import leaves it alone and refreshes the other.
    async with lotse.sessions() as db, db.begin():
        edited = await db.scalar(select(Course).where(Course.external_id == "ba:1"))
        assert edited is not None
        edited.title, edited.edited = "Von Hand geändert", True
    again = await run_import(**kwargs)
    assert (again.added, again.updated, again.kept) == (0, 1, 1)
    async with lotse.sessions() as db:
        kept = await db.scalar(select(Course).where(Course.external_id == "ba:1"))
        assert kept is not None
        assert kept.title == "Von Hand geändert"
