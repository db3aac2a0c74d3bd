"""``analyse`` end to end: intent, confidence, candidates and slots in all three languages."""

from __future__ import annotations

import pytest

from bot.understanding import Analysis, Understander


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        (
            "Ich arbeite seit 6 Jahren als Koch ohne Abschluss",
            "external_exam",
            {"years": 6.0, "occupation": "koch", "employment": "employed"},
        ),
        (
            "6 yıldır aşçı olarak çalışıyorum, diplomam yok",
            "external_exam",
            {"years": 6.0, "occupation": "koch", "employment": "employed"},
        ),
        (
            "работаю поваром 6 лет без диплома",
            "external_exam",
            {"years": 6.0, "occupation": "koch", "employment": "employed"},
        ),
        ("Anerkennung meines Diploms aus der Türkei", "recognition", {"country": "TR"}),
        ("Türkiye'deki diplomamın denkliği", "recognition", {"country": "TR"}),
        ("priznanie diploma iz ukrainy", "recognition", {"country": "UA"}),
        ("Ich bekomme Bürgergeld, wer zahlt den Kurs?", "funding", {"employment": "jobcenter"}),
        ("Hallo", "greeting", {}),
        ("merhaba", "greeting", {}),
        ("Здравствуйте!", "greeting", {}),
        ("Hallo, ich brauche die Anerkennung meines Abschlusses", "recognition", {}),
    ],
)
def test_analyse(real: Understander, text: str, intent: str, slots: dict[str, object]) -> None:
    analysis = real.analyse(text)
    assert isinstance(analysis, Analysis)
    assert analysis.intent == intent
    assert analysis.slots == slots
    assert 0.0 <= analysis.confidence <= 1.0
    assert analysis.candidates[0][0] == intent


@pytest.mark.parametrize(
    "text",
    [
        "Wie wird das Wetter morgen?",
        "Hallo, wie wird das Wetter morgen?",
        "mein Asylverfahren dauert so lange",
        "schreib mir ein Gedicht",
        "was kostet ein kilo tomaten",
        "yarın hava nasıl",
        "bana bir şiir yaz",
        "какая погода завтра",
        "расскажи анекдот",
        "",
        "???",
    ],
)
def test_out_of_scope_is_none(real: Understander, text: str) -> None:
    analysis = real.analyse(text)
    assert analysis.intent is None
    assert len(analysis.candidates) <= 3
    assert all(intent != "null" for intent, _ in analysis.candidates)


def test_candidates_are_offered_when_unsure(real: Understander) -> None:
    analysis = real.analyse("kurs")
    assert 1 <= len(analysis.candidates) <= 3
    probabilities = [p for _, p in analysis.candidates]
    assert probabilities == sorted(probabilities, reverse=True)


def test_without_examples_nothing_is_guessed(small: Understander) -> None:
    analysis = small.analyse("wie wird das wetter")
    assert analysis.language == "de"
    assert analysis.intent in (None, "recognition", "greeting")
