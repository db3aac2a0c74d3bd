"""Fixtures: a small hand-built knowledge base, and the real one from ``knowledge/``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.content.loader import Knowledge
from bot.content.models import Country, Occupation, Source, Terms, Text
from bot.understanding import Understander
from bot.understanding.evaluate import load_understanding_knowledge

TODAY = dt.date(2025, 6, 15)
ROOT = Path(__file__).resolve().parents[2]


def _occupation(ident: str, names: tuple[str, str, str], **titles: list[str]) -> Occupation:
    return Occupation(
        id=ident,
        name=Text(de=names[0], tr=names[1], ru=names[2]),
        titles=Terms(**titles),
        duration_years=3,
        chamber="IHK",
        legal_basis="BBiG",
        regulated=False,
        sources=[Source(title="test fixture")],
        reviewed=dt.date(2025, 1, 1),
    )


def _country(code: str, names: tuple[str, str, str], **forms: list[str]) -> Country:
    return Country(
        code=code, name=Text(de=names[0], tr=names[1], ru=names[2]), forms=Terms(**forms), eu=False
    )


@pytest.fixture(scope="session")
def small_knowledge() -> Knowledge:
    occupations = [
        _occupation(
            "koch",
            ("Koch/Köchin", "Aşçı", "Повар"),
            de=["Koch", "Köchin", "Beikoch"],
            tr=["aşçı", "asci", "aşçılık"],
            ru=["повар", "povar"],
        ),
        _occupation(
            "maler_lackierer",
            ("Maler und Lackierer/Malerin und Lackiererin", "Boyacı", "Маляр"),
            de=["Maler", "Malerin", "Lackierer"],
            tr=["boyacı", "boyaci"],
            ru=["маляр", "malyar"],
        ),
        _occupation(
            "verkaeufer",
            ("Verkäufer/Verkäuferin", "Satış elemanı", "Продавец"),
            de=["Verkäufer", "Verkäuferin"],
            tr=["satış elemanı", "satis elemani", "tezgahtar"],
            ru=["продавец", "prodavets"],
        ),
        _occupation(
            "fachkraft_lagerlogistik",
            ("Fachkraft für Lagerlogistik", "Depo lojistiği uzmanı", "Специалист по логистике"),
            de=["Lagerlogistiker", "Lagerist"],
            tr=["depocu"],
            ru=["кладовщик"],
        ),
    ]
    countries = [
        _country("DE", ("Deutschland", "Almanya", "Германия"), de=["Deutschland", "deutsch"]),
        _country(
            "TR",
            ("Türkei", "Türkiye", "Турция"),
            de=["Türkei", "türkisch"],
            tr=["Türkiye", "Türk"],
            ru=["Турция", "турецкий", "turtsiya"],
        ),
        _country(
            "KZ",
            ("Kasachstan", "Kazakistan", "Казахстан"),
            de=["Kasachstan"],
            tr=["Kazakistan"],
            ru=["Казахстан", "kazakhstan"],
        ),
        _country(
            "UA",
            ("Ukraine", "Ukrayna", "Украина"),
            de=["Ukraine", "ukrainisch"],
            tr=["Ukrayna"],
            ru=["Украина", "ukraina", "украинский"],
        ),
        _country(
            "RU", ("Russland", "Rusya", "Россия"), de=["Russland"], tr=["Rusya"], ru=["Россия"]
        ),
    ]
    examples = {
        "recognition": {"de": ["Anerkennung meines Diploms"], "tr": ["diploma denkliği"]},
        "greeting": {"de": ["hallo"], "ru": ["привет"]},
    }
    return Knowledge(
        occupations={o.id: o for o in occupations},
        countries={c.code: c for c in countries},
        topics={},
        funding={},
        bodies={},
        regions={},
        examples=examples,
    )


@pytest.fixture(scope="session")
def small(small_knowledge: Knowledge) -> Understander:
    return Understander(small_knowledge, today=lambda: TODAY)


@pytest.fixture(scope="session")
def real() -> Understander:
    return Understander(load_understanding_knowledge(ROOT / "knowledge"), today=lambda: TODAY)
