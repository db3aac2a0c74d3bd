"""Floors for answer selection on the labelled sets, and a lead over the TF-IDF peer."""

from __future__ import annotations

from typing import Any

import pytest

from bot.answers.evaluate import (
    DEV_SET,
    HOLDOUT_SET,
    Report,
    evaluate_lotse,
    evaluate_peer,
    load_questions,
    train_peer,
)
from bot.content.models import LANGUAGES
from bot.service import Content

# Floors sit a little under today's figures, so a regression fails and noise does not.
FLOORS = {
    DEV_SET.name: {"top1": 0.92, "wrong": 0.03, "language_top1": 0.89},
    HOLDOUT_SET.name: {"top1": 0.92, "wrong": 0.03, "language_top1": 0.90},
}


@pytest.fixture(scope="module")
def peer(content: Content) -> Any:
    return train_peer(content)


@pytest.fixture(scope="module", params=[DEV_SET, HOLDOUT_SET], ids=lambda p: p.stem)
def reports(
    request: pytest.FixtureRequest, content: Content, peer: Any
) -> tuple[str, Report, Report]:
    questions = load_questions(request.param)
    return request.param.name, evaluate_lotse(content, questions), evaluate_peer(peer, questions)


def test_sets_are_large_enough() -> None:
    for path, per_language in ((DEV_SET, 100), (HOLDOUT_SET, 50)):
        questions = load_questions(path)
        for language in LANGUAGES:
            assert sum(q.language == language for q in questions) >= per_language


def test_labels_name_existing_entries(content: Content) -> None:
    for path in (DEV_SET, HOLDOUT_SET):
        unknown = {q.answer for q in load_questions(path)} - {None, *content.knowledge.answers}
        assert not unknown, f"{path.name}: {unknown}"


def test_floors(reports: tuple[str, Report, Report]) -> None:
    name, lotse, _ = reports
    floors = FLOORS[name]
    assert lotse.top1() >= floors["top1"], lotse.top1()
    assert lotse.wrong_confident() <= floors["wrong"], lotse.wrong_confident()
    for language in LANGUAGES:
        assert lotse.top1(language) >= floors["language_top1"], (language, lotse.top1(language))


def test_ahead_of_the_peer(reports: tuple[str, Report, Report]) -> None:
    _, lotse, peer = reports
    assert lotse.top1() > peer.top1()
