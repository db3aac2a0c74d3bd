"""Accuracy floors on the holdout set: real-style messages written before the examples or the
development set were read (phone typing, translit Russian, ASCII Turkish, near-domain out-of-scope).

The floors sit a little under the measured figures, so a regression in generalisation fails the
suite. Never tune examples on these messages; the last test keeps them out of the examples.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rapidfuzz import fuzz, process

from bot.content.models import INTENT_IDS
from bot.understanding import Understander, normalize
from bot.understanding.evaluate import (
    HOLDOUT_SET,
    DevMessage,
    Report,
    evaluate_lotse,
    load_dev_set,
    load_understanding_knowledge,
    main,
)

ROOT = Path(__file__).resolve().parents[2]

INTENTS = {i for i in INTENT_IDS if i != "null"}


@pytest.fixture(scope="module")
def holdout() -> list[DevMessage]:
    return load_dev_set(HOLDOUT_SET)[1]


@pytest.fixture(scope="module")
def report(holdout: list[DevMessage]) -> Report:
    today = load_dev_set(HOLDOUT_SET)[0]
    knowledge = load_understanding_knowledge(ROOT / "knowledge")
    return evaluate_lotse(Understander(knowledge, today=lambda: today), holdout)


def test_holdout_is_large_and_balanced(holdout: list[DevMessage]) -> None:
    assert len(holdout) >= 240
    per_cell = Counter((m.language, m.intent) for m in holdout)
    for language in ("de", "tr", "ru"):
        for intent in (*INTENTS, None):
            assert per_cell[(language, intent)] >= 8, (language, intent)


def test_intent_accuracy_floor(report: Report) -> None:
    assert report.intent_accuracy() >= 0.95


@pytest.mark.parametrize("language", ["de", "tr", "ru"])
def test_intent_accuracy_per_language(report: Report, language: str) -> None:
    assert report.intent_accuracy(lambda m: m.language == language) >= 0.92


def test_out_of_scope_floor(report: Report) -> None:
    assert report.out_of_scope() >= 0.93
    assert report.false_rejections() <= 0.03


def test_language_accuracy_floor(report: Report) -> None:
    assert report.language_accuracy() >= 0.99


def test_slot_accuracy_floor(report: Report) -> None:
    accuracy = report.slot_accuracy()
    assert accuracy is not None
    assert accuracy >= 0.97
    for name, (precision, recall) in report.slot_scores().items():
        assert precision >= 0.93, name
        assert recall >= 0.93, name


def test_holdout_messages_are_not_copied_into_examples(holdout: list[DevMessage]) -> None:
    """No example phrase may be 90 % similar to a holdout message. Greetings and one- or
    two-word messages ("hallo", "Kosten?", "randevu") are exempt: there are only so many."""
    knowledge = load_understanding_knowledge(ROOT / "knowledge")
    phrases = [normalize(p) for by in knowledge.examples.values() for ps in by.values() for p in ps]
    for message in holdout:
        text = normalize(message.text)
        if message.intent == "greeting" or len(text.split()) <= 2:
            continue
        found = process.extractOne(text, phrases, scorer=fuzz.ratio)
        assert found is None or found[1] < 90, (message.text, found)


def test_evaluate_command_accepts_the_holdout_set(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn")
    assert main(["--set", str(HOLDOUT_SET)]) == 0
    assert "understanding_holdout.yaml: " in capsys.readouterr().out
