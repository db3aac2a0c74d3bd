"""Telling a question from a statement of facts or a plain answer, in three languages."""

from __future__ import annotations

import pytest

from bot.understanding.questions import is_question


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Was kostet die Prüfung", "de"),
        ("kann ich die prüfung ohne ausbildung machen", "de"),
        ("bin seit 9 jahren fliesenleger, kann ich trotzdem den gesellenbrief machen", "de"),
        ("ich arbeite 20 std die woche, zählt teilzeit für die prüfung", "de"),
        ("gibt es einen zuschuss", "de"),
        ("Anerkennung dauert wie lange?", "de"),
        ("sınav ücreti ne kadar", "tr"),
        ("diplomam tanınır mı", "tr"),
        ("türkiyedeki yıllar sayılırmı", "tr"),
        ("hangi belgeler lazım", "tr"),
        ("сколько стоит экзамен", "ru"),
        ("нужно ли признание", "ru"),
        ("skolko dlitsya priznanie", "ru"),
        ("kak poluchit Bildungsgutschein", "ru"),
    ],
)
def test_questions(text: str, language: str) -> None:
    assert is_question(text, language)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("bin seit 5 jahren koch", "de"),
        ("seit 5 jahren hab ich als koch gearbeitet", "de"),
        ("hab ne ausbildung in der türkei gemacht", "de"),
        ("Koch", "de"),
        ("5 Jahre", "de"),
        ("Ayşe Yılmaz", "tr"),
        ("Türkiye'de 5 yıl aşçı olarak çalıştım", "tr"),
        ("Mısır'da çalıştım", "tr"),
        ("я 5 лет работаю поваром", "ru"),
        ("ya rabotayu voditelem 6 let", "ru"),
        ("", "de"),
    ],
)
def test_statements(text: str, language: str) -> None:
    assert not is_question(text, language)


def test_turkish_ne_is_no_question_word_in_german() -> None:
    assert not is_question("ich hab ne frage zu meinem job", "de")
    assert is_question("ne yapmam lazım", "tr")
