"""The catalogue: validation, matching by occupation and region, the six-month warning, CSV."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.courses import (
    OFFICIAL_SEARCH,
    CourseError,
    CourseInput,
    is_stale,
    matching,
    next_start,
    parse_course,
    retire_course,
)
from bot.courses.csvio import COLUMNS, LineError, export_csv, parse_csv
from bot.engine.runtime import OFFICIAL_COURSE_SEARCH
from bot.service import Content, Lotse
from bot.store.models import Course

from .conftest import DEMO_CSV, course, store

TODAY = dt.date(2026, 12, 1)
OCCUPATIONS = {"koch", "verkaeufer", "fachlagerist", "fachkraft_lagerlogistik"}
REGIONS = {"dortmund", "luckenwalde"}
ROW = {
    "provider": "Träger", "title": "Kurs", "kind": "exam_preparation", "occupations": "koch",
    "region": "dortmund", "format": "evening", "start_dates": "01.03.2027, 2027-01-15",
    "voucher": "ja", "languages": "DE, tr", "url": "https://example.org/k", "checked": "",
}  # fmt: skip


def _parse(**changes: str) -> CourseInput:
    return parse_course(ROW | changes, occupations=OCCUPATIONS, regions=REGIONS, today=TODAY)


def test_a_valid_entry_is_normalised() -> None:
    data = _parse()
    assert data.start_dates == (dt.date(2027, 1, 15), dt.date(2027, 3, 1))
    assert data.languages == ("de", "tr")
    assert data.voucher is True
    assert data.checked == TODAY


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"provider": " "}, "Anbieter"),
        ({"kind": "umschulung"}, "Art"),
        ({"occupations": "koch, astronaut"}, "astronaut"),
        ({"occupations": ""}, "Beruf"),
        ({"region": "berlin"}, "Region"),
        ({"region": ""}, "Online-Kurse"),  # without a region only online
        ({"format": "weekend"}, "Form"),
        ({"start_dates": "31.02.2027"}, "Datum"),
        ({"voucher": "vielleicht"}, "Bildungsgutschein"),
        ({"url": "http://example.org"}, "https"),
        ({"url": "javascript:alert(1)"}, "https"),
        ({"languages": "deutsch"}, "Sprachen"),
        ({"duration_months": "0"}, "Dauer"),
        ({"checked": "01.01.2030"}, "Zukunft"),
    ],
)
def test_invalid_entries_say_which_field(changes: dict[str, str], says: str) -> None:
    with pytest.raises(CourseError, match=says):
        _parse(**changes)


def test_online_course_needs_no_region() -> None:
    assert _parse(region="", format="online").region is None


async def test_matching_by_occupation_region_and_date(lotse: Lotse) -> None:
    today = dt.date.today()
    soon, later = today + dt.timedelta(days=30), today + dt.timedelta(days=90)
    ids = await store(
        lotse,
        course(title="später", start_dates=(later,)),
        course(title="bald", start_dates=(today - dt.timedelta(days=5), soon)),
        course(title="auf Anfrage", start_dates=()),
        course(title="online", region=None, format="online", start_dates=(soon,)),
        course(title="vorbei", start_dates=(today - dt.timedelta(days=1),)),
        course(title="Luckenwalde", region="luckenwalde"),
        course(title="Verkauf", occupations=("verkaeufer",)),
        course(title="Deutsch", kind="job_german"),
        course(title="zurückgezogen"),
    )
    async with lotse.sessions() as db, db.begin():
        retired = await db.get(Course, ids[-1])
        assert retired is not None
        await retire_course(session=db, course=retired)
    kinds = ("exam_preparation",)
    async with lotse.sessions() as db:
        found = await matching(
            session=db, occupation="koch", region="dortmund", kinds=kinds, today=today, limit=10
        )
        assert [c.title for c in found] == ["bald", "später", "auf Anfrage", "online"]
        assert next_start(found[0], today) == soon
        three = await matching(
            session=db, occupation="koch", region="dortmund", kinds=kinds, today=today
        )
        assert len(three) == 3
        elsewhere = await matching(
            session=db, occupation="koch", region=None, kinds=kinds, today=today
        )
        assert [c.title for c in elsewhere] == ["online"]  # outside the regions: online only


async def test_six_months_unchecked_is_stale(lotse: Lotse) -> None:
    old = dt.date.today() - dt.timedelta(days=200)
    ids = await store(lotse, course(checked=old), course())
    async with lotse.sessions() as db:
        stale, fresh = [await db.get(Course, i) for i in ids]
        assert stale is not None
        assert fresh is not None
        assert is_stale(stale)
        assert not is_stale(fresh)


def test_the_demo_file_is_marked_and_valid(content: Content) -> None:
    raw = DEMO_CSV.read_bytes()
    assert raw.startswith(b"# DEMO DATA - FOR DEVELOPMENT AND TESTS ONLY")
    knowledge = content.knowledge
    rows, errors = parse_csv(
        raw, occupations=knowledge.occupations, regions=knowledge.regions, today=TODAY
    )
    assert errors == []
    assert len(rows) == 3
    assert all("DEMO" in r.data.title for r in rows)
    assert all((r.data.url or "").startswith("https://example.org/") for r in rows)


def test_csv_reports_every_bad_line_with_its_number() -> None:
    header = ";".join(COLUMNS)
    good = ";Träger;Kurs;exam_preparation;koch;dortmund;;part_time;;;ja;de;https://example.org;"
    raw = "\n".join(
        [
            header,
            good,
            good.replace("exam_preparation", "quatsch"),
            "",
            good.replace("koch", "pilot"),
            good + ";zu viel",
            "x" + good,
        ]
    ).encode()
    rows, errors = parse_csv(raw, occupations=OCCUPATIONS, regions=REGIONS, today=TODAY)
    assert [r.line for r in rows] == [2]
    assert [e.line for e in errors] == [3, 5, 6, 7]
    assert "Art" in str(errors[0])
    assert str(errors[0]).startswith("Zeile 3:")
    assert "pilot" in errors[1].message
    assert "Mehr Felder" in errors[2].message
    assert "id" in errors[3].message


def test_csv_header_and_encoding_problems() -> None:
    def errors_of(raw: bytes) -> list[LineError]:
        return parse_csv(raw, occupations=OCCUPATIONS, regions=REGIONS, today=TODAY)[1]

    errors = errors_of(b"provider;title\n")
    assert errors[0].line == 1
    assert "kind" in errors[0].message
    errors = errors_of("provider;titel".encode("cp1252"))
    assert errors
    errors = errors_of("Ü".encode("cp1252"))
    assert "UTF-8" in errors[0].message


async def test_export_reads_back_and_defuses_formulas(lotse: Lotse, content: Content) -> None:
    await store(lotse, course(title="=HYPERLINK(1)", provider="@Träger"), course(title="Zwei"))
    async with lotse.sessions() as db:
        from bot.courses import all_courses

        exported = export_csv(await all_courses(session=db))
    assert "'=HYPERLINK(1)" in exported
    assert "'@Träger" in exported
    knowledge = content.knowledge
    rows, errors = parse_csv(
        exported.encode(), occupations=knowledge.occupations, regions=knowledge.regions,
        today=dt.date.today(),
    )  # fmt: skip
    assert errors == []
    assert [r.data.title for r in rows] == ["'=HYPERLINK(1)", "Zwei"]
    assert all(r.course_id for r in rows)  # ids: importing the file again changes, not adds


def test_the_engine_points_to_the_same_official_search() -> None:
    assert OFFICIAL_COURSE_SEARCH[1] == OFFICIAL_SEARCH
