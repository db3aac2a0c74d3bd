"""The example phrases in knowledge/examples: enough per intent and language, no double claims."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.content.models import INTENT_IDS
from bot.understanding import normalize

ROOT = Path(__file__).resolve().parents[2]

INTENTS = tuple(i for i in INTENT_IDS if i != "null")


def _examples(language: str) -> dict[str, list[str]]:
    data = yaml.safe_load((ROOT / "knowledge" / "examples" / f"{language}.yaml").read_text())
    assert data["version"] == 1
    intents: dict[str, list[str]] = data["intents"]
    return intents


@pytest.mark.parametrize("language", ["de", "tr", "ru"])
def test_at_least_40_phrases_per_intent(language: str) -> None:
    intents = _examples(language)
    assert set(intents) == {*INTENTS, "null"}
    for intent in INTENTS:
        assert len(intents[intent]) >= 40, intent


def test_no_phrase_is_claimed_by_two_intents() -> None:
    owner: dict[str, str] = {}
    for language in ("de", "tr", "ru"):
        for intent, phrases in _examples(language).items():
            for phrase in phrases:
                key = normalize(phrase)
                assert owner.setdefault(key, intent) == intent, (phrase, owner[key], intent)
