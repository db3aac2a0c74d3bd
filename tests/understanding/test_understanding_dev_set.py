"""Accuracy floors on the development set: a regression in understanding fails the suite."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rapidfuzz import fuzz, process

from bot.content.models import INTENT_IDS
from bot.understanding import Understander, normalize
from bot.understanding.evaluate import (
    DevMessage,
    Report,
    evaluate_baseline,
    evaluate_lotse,
    load_dev_set,
    load_understanding_knowledge,
)

ROOT = Path(__file__).resolve().parents[2]

INTENTS = {i for i in INTENT_IDS if i != "null"}


@pytest.fixture(scope="module")
def dev() -> list[DevMessage]:
    return load_dev_set()[1]


@pytest.fixture(scope="module")
def report(dev: list[DevMessage]) -> Report:
    today = load_dev_set()[0]
    knowledge = load_understanding_knowledge(ROOT / "knowledge")
    return evaluate_lotse(Understander(knowledge, today=lambda: today), dev)


def test_dev_set_is_large_and_balanced(dev: list[DevMessage]) -> None:
    assert len(dev) >= 330
    per_cell = Counter((m.language, m.intent) for m in dev)
    for language in ("de", "tr", "ru"):
        for intent in (*INTENTS, None):
            assert per_cell[(language, intent)] >= 10, (language, intent)


def test_intent_accuracy_floor(report: Report) -> None:
    assert report.intent_accuracy() >= 0.95


@pytest.mark.parametrize("language", ["de", "tr", "ru"])
def test_intent_accuracy_per_language(report: Report, language: str) -> None:
    assert report.intent_accuracy(lambda m: m.language == language) >= 0.93


def test_out_of_scope_floor(report: Report) -> None:
    assert report.out_of_scope() >= 0.90
    assert report.false_rejections() <= 0.05


def test_language_accuracy_floor(report: Report) -> None:
    assert report.language_accuracy() >= 0.99


def test_slot_accuracy_floor(report: Report) -> None:
    accuracy = report.slot_accuracy()
    assert accuracy is not None
    assert accuracy >= 0.95
    for name, (precision, recall) in report.slot_scores().items():
        assert precision >= 0.9, name
        assert recall >= 0.9, name


def test_ahead_of_the_baseline(report: Report, dev: list[DevMessage]) -> None:
    pytest.importorskip("sklearn")
    knowledge = load_understanding_knowledge(ROOT / "knowledge")
    baseline = evaluate_baseline(knowledge.examples, dev)
    assert report.intent_accuracy() >= baseline.intent_accuracy()
    assert report.out_of_scope() >= baseline.out_of_scope()


def test_dev_messages_are_not_copied_into_examples(dev: list[DevMessage]) -> None:
    knowledge = load_understanding_knowledge(ROOT / "knowledge")
    phrases = [normalize(p) for by in knowledge.examples.values() for ps in by.values() for p in ps]
    for message in dev:
        text = normalize(message.text)
        if len(text.split()) <= 2:  # "moin", "guten tag": there are only so many greetings
            continue
        found = process.extractOne(text, phrases, scorer=fuzz.ratio)
        assert found is None or found[1] < 95, (message.text, found)
