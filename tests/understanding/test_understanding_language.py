"""Language detection for short, mixed and transliterated messages."""

from __future__ import annotations

import pytest

from bot.understanding import Understander


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("bin seit 2016 verkäuferin ohne abschluss was kann ich machen", "de"),
        ("hallo", "de"),
        ("ja", "de"),
        ("Ja, bitte", "de"),
        ("Anerkennung", "de"),
        ("Jobcenter", "de"),
        ("wer zahlt die prüfung", "de"),
        ("diploma denkligi nasil yapilir", "tr"),
        ("Diploma denkliği nasıl yapılır?", "tr"),
        ("Bürgergeld alıyorum", "tr"),
        ("burgergeld aliyorum kurs yapabilir miyim", "tr"),
        ("merhaba", "tr"),
        ("IHK sınavına başvuru", "tr"),
        ("priznanie diploma iz ukrainy", "ru"),
        ("Я получаю Bürgergeld", "ru"),
        ("privet", "ru"),
        ("skolko let nado rabotat", "ru"),
        ("Как подтвердить диплом?", "ru"),
    ],
)
def test_detect_language(real: Understander, text: str, language: str) -> None:
    detected, confidence = real.detect_language(text)
    assert detected == language
    assert 0.0 <= confidence <= 1.0


def test_hint_wins_when_detection_is_unsure(real: Understander) -> None:
    assert real.analyse("5", language_hint="tr").language == "tr"
    assert real.analyse("👍", language_hint="ru").language == "ru"
    assert real.analyse("Как подтвердить диплом?", language_hint="de").language == "ru"
