"""The atlas's parts: fields, search folding, the ways and their picture, the start payload."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from bot.atlas.fields import FIELDS, OTHER, field_of
from bot.atlas.search import fold, matches, terms
from bot.atlas.svg import ways_svg
from bot.atlas.ways import Step, exam_way, occupation_ways
from bot.engine import Start
from bot.engine.eligibility import assess_exam
from bot.engine.runtime import ConversationState
from bot.service import Content

SVG = "{http://www.w3.org/2000/svg}"


def test_every_occupation_has_a_field(content: Content) -> None:
    listed = [ident for members in FIELDS.values() for ident in members]
    assert len(listed) == len(set(listed)), "an occupation in two fields"
    assert set(listed) == set(content.knowledge.occupations)
    assert field_of("not_yet_sorted") == OTHER


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Köchin", "kochin"), ("AŞÇI", "asci"), ("aşçı", "asci"), ("İŞÇİ", "isci"), ("Ёлка", "елка")],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_matches_names_and_titles_in_every_language(content: Content) -> None:
    koch = terms(content.knowledge.occupations["koch"])
    for query in ("koch", "Köchin", "asci", "ПОВАР", "povar"):
        assert matches(koch, query), query
    assert not matches(koch, "koch maurer")


@pytest.mark.parametrize("duration", [2, 3, 3.5])
def test_part_time_examples_are_exactly_enough(duration: float, content: Content) -> None:
    occupation = next(
        o for o in content.knowledge.occupations.values() if o.duration_years == duration
    )
    way = exam_way(occupation)
    assert way.needed == Decimal(str(duration)) * Decimal("1.5")
    for week in way.weeks:
        share = Decimal(week.hours) / 40
        enough = assess_exam(duration_years=duration, years_worked=week.needed, workload=share)
        assert enough.eligible, week
        short = assess_exam(
            duration_years=duration, years_worked=week.needed - Decimal("0.1"), workload=share
        )
        assert not short.eligible, week


def test_ways_of_a_chamber_and_a_school_occupation(content: Content) -> None:
    knowledge = content.knowledge
    koch = occupation_ways(knowledge, knowledge.occupations["koch"])
    assert koch.chamber_exam
    assert [path[-1] for path in koch.paths] == [
        Step.QUALIFICATION,
        Step.QUALIFICATION,
        Step.CERTIFICATE,
        Step.EQUIVALENT,
    ]
    care = occupation_ways(knowledge, knowledge.occupations["pflegefachmann"])
    assert not care.chamber_exam
    assert all(Step.EXAM not in path and Step.VALIDATION not in path for path in care.paths)
    assert all(r.exam_body is None for r in care.regions)
    assert {r.recognition_body.id for r in care.regions if r.recognition_body} == {
        "bezreg_muenster",
        "lavg_brandenburg",
    }


def test_shared_boxes_are_drawn_once() -> None:
    ways = [
        [(Step.WORKING, "A"), (Step.EXPERIENCE, "B"), (Step.EXAM, "C"), (Step.QUALIFICATION, "D")],
        [(Step.WORKING, "A"), (Step.PARTIAL, "E"), (Step.EXAM, "C"), (Step.QUALIFICATION, "D")],
        [(Step.FOREIGN, "F"), (Step.RECOGNITION, "G"), (Step.EQUIVALENT, "H")],
    ]
    svg = ET.fromstring(ways_svg(ways, title="T & co", desc="D <x>", ident="w"))
    labels = [" ".join(t.itertext()) for t in svg.iter(f"{SVG}text")]
    assert sorted(labels) == ["A", "B", "C", "D", "E", "F", "G", "H"]
    assert len(list(svg.iter(f"{SVG}line"))) == 3 + 3 + 2
    title = svg.find(f"{SVG}title")
    assert title is not None
    assert title.text == "T & co"


@pytest.mark.parametrize(
    ("payload", "language", "region", "source", "occupation"),
    [
        ("tr-dortmund-flyer", "tr", "dortmund", "flyer", None),
        ("tr_dortmund_flyer", "tr", "dortmund", "flyer", None),
        ("ru-atlas-koch", "ru", None, "atlas", "koch"),
        ("de-atlas-kaufmann_einzelhandel", "de", None, "atlas", "kaufmann_einzelhandel"),
        (
            "tr-luckenwalde-atlas-fachkraft_lagerlogistik",
            "tr",
            "luckenwalde",
            "atlas",
            "fachkraft_lagerlogistik",
        ),
    ],
)
def test_start_payload(
    content: Content,
    payload: str,
    language: str,
    region: str | None,
    source: str,
    occupation: str | None,
) -> None:
    engine = content.engine(region="dortmund")
    state, _ = engine.handle(ConversationState(), Start(payload=payload))
    assert (state.language, state.region, state.source) == (language, region, source)
    assert state.slots.get("occupation") == occupation
