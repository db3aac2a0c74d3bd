"""Places and postcodes in chat messages: served towns, other German towns, ordinary words."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.content.loader import Knowledge, _load_models, _load_places
from bot.content.models import Region, RegionArea
from bot.understanding.places import PlaceFinder, PlaceMention
from bot.yamlio import ContentError

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"


def _knowledge(folder: Path = KNOWLEDGE) -> Knowledge:
    """Only regions and places, so these tests run while other content is being edited."""
    locations: dict[tuple[str, str], tuple[str, int]] = {}
    return Knowledge(
        occupations={},
        countries={},
        topics={},
        funding={},
        bodies={},
        regions=_load_models(folder / "regions.yaml", "regions", Region, "id", locations),
        places=_load_places(folder / "places.yaml", locations),
    )


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return _knowledge()


@pytest.fixture(scope="module")
def finder(knowledge: Knowledge) -> PlaceFinder:
    return PlaceFinder(knowledge)


@pytest.mark.parametrize(
    ("text", "name", "region"),
    [
        # German
        ("ich wohne in Essen", "Essen", None),
        ("komme aus Essen und arbeite als Koch", "Essen", None),
        ("44137", "Dortmund", "dortmund"),
        ("Lünen", "Lünen", "dortmund"),
        ("ich wohne in Luenen", "Lünen", "dortmund"),
        ("Zossen", "Zossen", "luckenwalde"),
        ("Berlin", "Berlin", None),
        ("wohne in Hamm und suche eine Prüfung", "Hamm", "dortmund"),
        ("59423 Unna", "Unna", "dortmund"),
        ("ich lebe im Kreis Unna", "Kreis Unna", "dortmund"),
        ("wir sind aus Teltow-Fläming", "Teltow-Fläming", "luckenwalde"),
        ("ich wohne in Teltow", "Teltow", None),
        ("Blankenfelde-Mahlow", "Blankenfelde-Mahlow", "luckenwalde"),
        ("arbeite in Frankfurt (Oder)", "Frankfurt (Oder)", None),
        ("ich wohne in Frankfurt", "Frankfurt am Main", None),
        ("ich wohne in Dortmunt", "Dortmund", "dortmund"),
        ("14943", "Luckenwalde (Landkreis Teltow-Fläming)", "luckenwalde"),
        ("Landkreis Dahme-Spreewald", "Landkreis Dahme-Spreewald", None),
        ("ich wohne in Muenster", "Münster", None),
        # Turkish
        ("Bochum'da oturuyorum", "Bochum", None),
        ("Bochumda oturuyorum", "Bochum", None),
        ("Essen'de yaşıyorum", "Essen", None),
        ("Düsseldorf'ta çalışıyorum", "Düsseldorf", None),
        ("Münih'te yaşıyorum", "München", None),
        ("Hamm'da oturuyorum", "Hamm", "dortmund"),
        ("luckenwaldede yasiyorum", "Luckenwalde", "luckenwalde"),
        ("Gelsenkirchenliyim", "Gelsenkirchen", None),
        # Russian, Cyrillic and Latin
        ("живу в Бохуме", "Bochum", None),
        ("я из Берлина", "Berlin", None),
        ("ya zhivu v Berline", "Berlin", None),
        ("живу в Кёльне", "Köln", None),
        ("Дюссельдорф", "Düsseldorf", None),
        ("работаю в Люнене", "Lünen", "dortmund"),
        ("живу в Хамме", "Hamm", "dortmund"),
        ("в Цоссене есть курсы?", "Zossen", "luckenwalde"),
        ("ya iz Dortmunda", "Dortmund", "dortmund"),
    ],
)
def test_finds_place(finder: PlaceFinder, text: str, name: str, region: str | None) -> None:
    found = finder.find(text)
    assert found is not None, text
    assert (found.name, found.region) == (name, region)


@pytest.mark.parametrize(
    "text",
    [
        "ich möchte essen gehen",
        "nach dem Essen rufe ich an",
        "hamm wir schon gemacht",
        "sie kamen gestern zur Beratung",
        "in der Halle arbeiten",
        "nach allen modulen, was dann",
        "führt tq zum berufsabschluss",
        "neues gesetz 2025",
        "wie wird das wetter morgen",
        "ich will die Prüfung gerade machen",
        "ich verdiene 30000 Euro im Jahr",
        "ich wohne in Brandenburg",
        "Frankfurter Würstchen",
        "ham madde işinde çalışıyorum",
        "вкусная еда",
        "hallo",
    ],
)
def test_ignores_ordinary_words(finder: PlaceFinder, text: str) -> None:
    assert finder.find(text) is None


def test_unknown_postcode_is_returned_bare(finder: PlaceFinder) -> None:
    assert finder.find("meine PLZ ist 80331") == PlaceMention("80331", None, None)


def test_state_comes_with_the_place(finder: PlaceFinder) -> None:
    assert finder.find("Zossen") == PlaceMention("Zossen", "luckenwalde", "Brandenburg")
    assert finder.find("в Потсдаме") == PlaceMention("Potsdam", None, "Brandenburg")


def test_office_seat_is_not_a_home(finder: PlaceFinder) -> None:
    assert finder.find("Bezirksregierung Münster anerkennung") is None
    assert finder.find("Bezirksregierung Münster, ich wohne in Lünen") == PlaceMention(
        "Lünen", "dortmund", "Nordrhein-Westfalen"
    )


def test_every_listed_place_and_form_is_found_as_itself(
    knowledge: Knowledge, finder: PlaceFinder
) -> None:
    """No form of places.yaml is shadowed by a served place or claimed by another place."""
    for place in knowledge.places.values():
        for form in (place.name, *place.forms):
            found = finder.find(f"ich wohne in {form}")
            assert found is not None, form
            assert (found.name, found.region) == (place.name, None), form


def test_every_served_place_finds_its_region(knowledge: Knowledge, finder: PlaceFinder) -> None:
    for region in knowledge.regions.values():
        for name in region.serves.places:
            found = finder.find(f"ich wohne in {name}")
            assert found is not None, name
            assert found.region == region.id, name


def test_regions_list_their_area(knowledge: Knowledge) -> None:
    assert {"Dortmund", "Hamm", "Lünen"} <= set(knowledge.regions["dortmund"].serves.places)
    assert {"Luckenwalde", "Zossen"} <= set(knowledge.regions["luckenwalde"].serves.places)
    assert len(knowledge.places) >= 80


def test_postcodes_must_have_three_or_five_digits() -> None:
    assert RegionArea(postcodes=["441", "44532"]).postcodes == ["441", "44532"]
    with pytest.raises(ValidationError):
        RegionArea(postcodes=["4413"])


def test_places_file_is_optional_and_checked(tmp_path: Path) -> None:
    shutil.copy(KNOWLEDGE / "regions.yaml", tmp_path / "regions.yaml")
    assert _knowledge(tmp_path).places == {}
    (tmp_path / "places.yaml").write_text(
        "version: 1\n"
        'sources: [{title: "test source"}]\n'
        f"reviewed: {dt.date(2026, 1, 1)}\n"
        "places:\n"
        '  - {name: "Bochum", state: "Nordrhein-Westfalen", forms: []}\n'
        '  - {name: "Atlantis", state: "Atlantis", forms: []}\n',
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match=r"places.yaml:6: .*Bundesland"):
        _knowledge(tmp_path)
