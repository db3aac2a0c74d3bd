"""Normalisation: Turkish i, ASCII folding, transliteration, spelling variants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.understanding import normalize


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("İSTANBUL", "istanbul"),
        ("Işık ISIK", "isik isik"),
        ("DİPLOMA denkliği", "diploma denkligi"),
        ("Türkiye'de", "turkiye de"),
        ("aşçı olarak", "asci olarak"),
        ("Köchin", "kochin"),
        ("Koechin", "kochin"),
        ("Straße", "strase"),
        ("Anerkennung", "anerkenung"),
        ("Признание диплома", "priznanie diploma"),
        ("priznanie diploma", "priznanie diploma"),
        ("работаю", "rabotayu"),
        ("rabotaju", "rabotayu"),
        ("Я получаю Bürgergeld!", "ya poluchayu burgergeld"),
        ("  Hallo,,   WELT ", "halo velt"),
        ("щука", "shuka"),
        ("khorosho", "horosho"),
    ],
)
def test_normalize(raw: str, folded: str) -> None:
    assert normalize(raw) == folded


def test_cyrillic_and_latin_russian_meet() -> None:
    assert normalize("Как получить признание диплома из Украины") == normalize(
        "kak poluchit priznanie diploma iz ukrainy"
    )


def test_ascii_turkish_meets_turkish() -> None:
    assert normalize("Diploma denkliği nasıl yapılır, işsizim") == normalize(
        "diploma denkligi nasil yapilir issizim"
    )


@given(st.text())
def test_normalize_is_idempotent_and_ascii(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert once.isascii()
