"""Pick the answer entry a message asks for, with a confidence and a margin to the runner-up."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import ClassVar

from bot.answers.index import PhraseIndex
from bot.content.loader import Knowledge
from bot.content.models import ABOUT_TOPIC, Answer
from bot.memo import Memoized

__all__ = ["NONE_LABEL", "AnswerMatch", "AnswerSelector", "Decision", "answer_selector"]

NONE_LABEL = "null"
# How much the intent ranker's belief in an entry's topic adds to its similarity: the ranker
# learnt from many more phrases per topic, the entries from a dozen each.
TOPIC_WEIGHT = 0.1
# Logistic model of "the best entry is the right one" over (1, best score, margin to the
# runner-up, topic probability, similarity); fitted on the development set with
# ``python -m bot.answers.evaluate --fit``.
CONFIDENCE_WEIGHTS = (-1.873, 1.857, 10.817, 1.648, 1.692)
CONFIDENT = 0.6
# When the intent ranker is this sure that a message is out of scope, no entry is shown.
OUT_OF_SCOPE = 0.5
UNSURE = 0.25
MAX_GUESSES = 3
# Entries about Lotse and the counselling sit where the ranker puts "counselling".
_ABOUT_INTENTS = ("counselling",)
NEAR_VERBATIM = 0.45

TopicPrior = Callable[[str], Mapping[str, float]]


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


class AnswerSelector(Memoized):
    """Ranks the answer entries for a message; built once from their example phrases."""

    _memos: ClassVar[dict[str, tuple[str, int]]] = {"_select": ("_select_uncached", 512)}

    def __init__(
        self,
        answers: Mapping[str, Answer],
        *,
        out_of_scope: Iterable[str] = (),
        topic_prior: TopicPrior | None = None,
    ) -> None:
        phrases: list[tuple[str, str]] = []
        for answer_id, answer in answers.items():
            phrases += [(answer_id, p) for p in answer.examples.all()]
            phrases += [(answer_id, answer.title.get(lang)) for lang in ("de", "tr", "ru")]
        phrases += [(NONE_LABEL, p) for p in out_of_scope]
        self._index = PhraseIndex(phrases)
        self._topics = {answer_id: answer.topic for answer_id, answer in answers.items()}
        self._prior = topic_prior
        self.size = len(answers)
        # One message is looked at more than once per turn (side question, then free text).
        self._select = lru_cache(maxsize=512)(self._select_uncached)

    def _topic_probability(self, probabilities: Mapping[str, float], label: str) -> float:
        topic = self._topics.get(label, NONE_LABEL)
        if topic == ABOUT_TOPIC:
            return sum(probabilities.get(i, 0.0) for i in _ABOUT_INTENTS)
        if topic == NONE_LABEL:
            return probabilities.get(NONE_LABEL, 0.0) + probabilities.get("greeting", 0.0)
        return probabilities.get(topic, 0.0)

    def rank(
        self, text: str, probabilities: Mapping[str, float] | None = None
    ) -> list[tuple[str, float, float]]:
        """(label, score, topic probability) for every label with any overlap, best first."""
        similarity = self._index.scores(text)
        if not similarity:
            return []
        if probabilities is None:
            probabilities = self._prior(text) if self._prior is not None else {}
        ranked = []
        for label, value in similarity.items():
            topic = self._topic_probability(probabilities, label)
            ranked.append((label, value + TOPIC_WEIGHT * topic, topic))
        ranked.sort(key=lambda item: -item[1])
        return ranked

    @staticmethod
    def features(ranked: list[tuple[str, float, float]]) -> tuple[float, ...]:
        """(1, best score, margin to the runner-up, topic probability, similarity)."""
        _, score, topic = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        return (1.0, score, score - runner_up, topic, score - TOPIC_WEIGHT * topic)

    def confidence(self, ranked: list[tuple[str, float, float]]) -> float:
        """Calibrated probability that the best label is the one asked for."""
        features = self.features(ranked)
        logit = sum(w * x for w, x in zip(CONFIDENCE_WEIGHTS, features, strict=True))
        return 1.0 / (1.0 + math.exp(-logit))

    def select(
        self, text: str, *, topic: str | None = None, exclude: frozenset[str] = frozenset()
    ) -> AnswerMatch:
        """The entry a message asks for, or "unsure" with guesses, or none.

        With ``topic``, only that topic's entries compete (and "none"): a message that states
        years in an occupation asks about the exam, however its other words sound. Entries in
        ``exclude`` do not compete: the facts of the message already rule them out.
        """
        return self._select(text, topic, exclude)

    def _select_uncached(
        self, text: str, topic: str | None, exclude: frozenset[str]
    ) -> AnswerMatch:
        probabilities = self._prior(text) if self._prior is not None else {}
        ranked = [r for r in self.rank(text, probabilities) if r[0] not in exclude]
        if topic is not None:
            ranked = [
                r for r in ranked if self._topics.get(r[0], NONE_LABEL) in (topic, NONE_LABEL)
            ]
            if not ranked:
                return AnswerMatch.none()
        if not ranked:
            return AnswerMatch.none()
        best = ranked[0][0]
        similarity = ranked[0][1] - TOPIC_WEIGHT * ranked[0][2]
        if probabilities.get(NONE_LABEL, 0.0) >= OUT_OF_SCOPE and similarity < NEAR_VERBATIM:
            # "Which match is on today": the ranker knows it is not ours. Questions about Lotse
            # itself look out of scope to the ranker too, so they must match an entry closely.
            return AnswerMatch.none()
        confidence = round(self.confidence(ranked), 3)
        entries = [label for label, _, _ in ranked if label != NONE_LABEL]
        guesses = tuple((label, 0.0) for label in entries[:MAX_GUESSES])
        if best == NONE_LABEL or confidence < UNSURE:
            return AnswerMatch(
                Decision.NONE, None, confidence, guesses if best != NONE_LABEL else ()
            )
        if confidence >= CONFIDENT:
            return AnswerMatch(Decision.ANSWER, best, confidence, guesses)
        return AnswerMatch(Decision.UNSURE, None, confidence, guesses)


def answer_selector(
    knowledge: Knowledge, *, topic_prior: TopicPrior | None = None
) -> AnswerSelector:
    """The selector over all answer entries; out-of-scope examples form the "none" label."""
    out_of_scope = [
        p for phrases in knowledge.examples.get(NONE_LABEL, {}).values() for p in phrases
    ]
    return AnswerSelector(knowledge.answers, out_of_scope=out_of_scope, topic_prior=topic_prior)
