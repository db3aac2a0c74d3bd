"""Generalisation fixes: durations that are no experience, Turkish "ne", company words,
Latin-script Russian "c" for ц, two slots anchoring a message in Lotse's field."""

from __future__ import annotations

import pytest

from bot.understanding import Understander


@pytest.mark.parametrize(
    "text",
    [
        "ich will nicht noch 3 Jahre in die Schule",
        "eine 3-jährige Ausbildung schaffe ich nicht",
        "3 yıllık ausbildung yapamam",
        "обучение частями а не 3 года сразу",
        "2 года учиться не могу",
    ],
)
def test_training_durations_and_denied_durations_are_no_experience(
    real: Understander, text: str
) -> None:
    assert real.extract_years(text) is None


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("5 jahre ohne ausbildung gearbeitet", 5),
        ("seit 6 jahren als lehrer", 6),
        ("ohne nochmal 3 jahre lehre, ich arbeite seit 7 jahren", 7),
    ],
)
def test_experience_next_to_training_words_is_kept(
    real: Understander, text: str, years: float
) -> None:
    assert real.extract_years(text) == years


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("kasap olarak calisiyorum ausbildung yok ne yapabilirim", "employed"),
        ("ich arbeite als koch, habe keine ausbildung", "employed"),
        ("я не работаю", "unemployed"),
        ("ich arbeite seit mai nicht mehr", "unemployed"),
    ],
)
def test_employment_negation(real: Understander, text: str, status: str) -> None:
    assert real.extract_employment(text) == status


@pytest.mark.parametrize(
    "text",
    [
        "bin inhaber einer reinigungsfirma",
        "у нас строительная фирма",
        "bir temizlik firmam var",
    ],
)
def test_company_trade_is_no_occupation(real: Understander, text: str) -> None:
    assert real.extract_occupation(text) is None


@pytest.mark.parametrize(
    ("text", "occupation"),
    [
        ("teilqualifizierung dlya prodavca", "verkaeufer"),
        ("ich fahre seit jahren LKW", "berufskraftfahrer"),
        ("arbeite seit 2012 als Reinigungskraft", "gebaeudereiniger"),
    ],
)
def test_occupation_variants(real: Understander, text: str, occupation: str) -> None:
    assert real.extract_occupation(text) == occupation


def test_two_slots_keep_a_message_in_scope(real: Understander) -> None:
    text = "ich komme aus dem iran, 10 jahre als tischler gearbeitet, gilt das hier?"
    assert real.analyse(text).intent is not None


def test_colloquial_greeting(real: Understander) -> None:
    assert real.analyse("zdrasti").intent == "greeting"
