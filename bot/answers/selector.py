"""Pick the answer entry a message asks for, with a confidence and a margin to the runner-up."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.answers.index import PhraseIndex
from bot.content.loader import Knowledge
from bot.content.models import Answer

__all__ = ["NONE_LABEL", "AnswerMatch", "AnswerSelector", "Decision", "answer_selector"]

NONE_LABEL = "null"
# Fitted on the development set by ``python -m bot.answers.evaluate --fit`` (see README):
# similarity is the mean cosine of the two nearest example phrases; the probability is a
# softmax of similarities at TEMPERATURE, so it reads as the chance that the best is right.
TEMPERATURE = 0.05
CONFIDENT_SIMILARITY = 0.42
CONFIDENT_PROBABILITY = 0.55
UNSURE_SIMILARITY = 0.28
MAX_GUESSES = 3


class Decision(StrEnum):
    ANSWER = "answer"  # confident: show the entry
    UNSURE = "unsure"  # "did you mean …?" with the best titles
    NONE = "none"  # no entry fits: a tree, a topic or out of scope


@dataclass(frozen=True)
class AnswerMatch:
    decision: Decision
    answer: str | None
    confidence: float
    candidates: tuple[tuple[str, float], ...] = ()

    @classmethod
    def none(cls) -> AnswerMatch:
        return cls(Decision.NONE, None, 1.0)


class AnswerSelector:
    """Ranks the answer entries for a message; built once from their example phrases."""

    def __init__(self, answers: Mapping[str, Answer], *, out_of_scope: Iterable[str] = ()) -> None:
        phrases: list[tuple[str, str]] = []
        for answer_id, answer in answers.items():
            phrases += [(answer_id, p) for p in answer.examples.all()]
            phrases += [(answer_id, answer.title.get(lang)) for lang in ("de", "tr", "ru")]
        phrases += [(NONE_LABEL, p) for p in out_of_scope]
        self._index = PhraseIndex(phrases)
        self.size = len(answers)

    def rank(self, text: str) -> list[tuple[str, float, float]]:
        """(label, probability, similarity) for every label with any overlap, best first."""
        similarity = self._index.scores(text)
        if not similarity:
            return []
        peak = max(similarity.values())
        exps = {k: math.exp((v - peak) / TEMPERATURE) for k, v in similarity.items()}
        total = sum(exps.values())
        ranked = [(k, exps[k] / total, similarity[k]) for k in similarity]
        ranked.sort(key=lambda item: -item[2])
        return ranked

    def select(self, text: str) -> AnswerMatch:
        ranked = self.rank(text)
        if not ranked:
            return AnswerMatch.none()
        entries = [(k, p, s) for k, p, s in ranked if k != NONE_LABEL]
        best, probability, similarity = ranked[0]
        guesses = tuple(
            (k, round(p, 3)) for k, p, s in entries[:MAX_GUESSES] if s >= UNSURE_SIMILARITY
        )
        if best == NONE_LABEL or similarity < UNSURE_SIMILARITY:
            return AnswerMatch(Decision.NONE, None, round(probability, 3), guesses)
        if similarity >= CONFIDENT_SIMILARITY and probability >= CONFIDENT_PROBABILITY:
            return AnswerMatch(Decision.ANSWER, best, round(probability, 3), guesses)
        return AnswerMatch(Decision.UNSURE, None, round(1.0 - probability, 3), guesses)


def answer_selector(knowledge: Knowledge) -> AnswerSelector:
    """The selector over all answer entries; out-of-scope examples form the "none" label."""
    out_of_scope = [
        p for phrases in knowledge.examples.get(NONE_LABEL, {}).values() for p in phrases
    ]
    return AnswerSelector(knowledge.answers, out_of_scope=out_of_scope)
