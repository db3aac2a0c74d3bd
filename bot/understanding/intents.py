"""Intent ranking: logistic regression over word stems and character n-grams of the examples."""

from __future__ import annotations

import logging
import math
import random
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from rapidfuzz import fuzz, process

from bot.understanding.normalize import normalize
from bot.understanding.spelling import Speller

__all__ = ["NULL", "IntentRanker", "Ranking", "features"]

log = logging.getLogger(__name__)

NULL = "null"
_STEM = 5
_LONG_STEM = 8
_GRAMS = (3, 4)
# Training and calibration constants; TEMPERATURE is fitted by
# ``python -m bot.understanding.evaluate --calibrate`` on cross-validated example phrases.
EPOCHS = 6
LEARNING_RATE = 0.3
TEMPERATURE = 0.75
# A message that nearly repeats an example phrase gets this bonus (in logit units).
NEAR_MATCH_BONUS = 2.0
NEAR_MATCH_CUTOFF = 88.0


def features(words: Sequence[str]) -> list[str]:
    """Stems survive suffixes and inflection, character n-grams survive typos and compounds."""
    result: list[str] = []
    for word in words:
        if word.isdigit():
            result.append("#")
            continue
        result.append("S" + word[:_STEM])
        if len(word) >= _LONG_STEM:
            result.append("L" + word[:_LONG_STEM])
        padded = f"<{word}>"
        for size in _GRAMS:
            result.extend(padded[i : i + size] for i in range(max(1, len(padded) - size + 1)))
    result.extend(f"{left[:_STEM]}_{right[:_STEM]}" for left, right in pairwise(words))
    return sorted(set(result))


@dataclass(frozen=True)
class Ranking:
    """Probabilities over all intents (including ``null``), best first, and word coverage."""

    scores: tuple[tuple[str, float], ...]
    coverage: float


class IntentRanker:
    """Rank intents for a message; trained once from example phrases."""

    def __init__(
        self,
        examples: Mapping[str, Mapping[str, Sequence[str]]],
        *,
        markers: Callable[[str], Sequence[str]] | None = None,
        seed: int = 0,
    ) -> None:
        self.intents: tuple[str, ...] = tuple(sorted(examples))
        index = {intent: n for n, intent in enumerate(self.intents)}
        samples: list[tuple[list[str], int]] = []
        phrases: list[str] = []
        owners: list[int] = []
        vocabulary: set[str] = set()
        for intent in self.intents:
            for phrase_list in examples[intent].values():
                for phrase in phrase_list:
                    words = normalize(phrase).split()
                    vocabulary.update(w for w in words if not w.isdigit())
                    extra = list(markers(phrase)) if markers is not None else []
                    samples.append((sorted({*features(words), *extra}), index[intent]))
                    phrases.append(" ".join(words))
                    owners.append(index[intent])
        # Flat arrays, not lists of float objects: a third of the memory in every worker.
        trained = _train(samples, len(self.intents), seed)
        self._weights = {feature: array("d", row) for feature, row in trained.items()}
        self._phrases = phrases
        self._owners = owners
        self._speller = Speller(vocabulary)
        self._markers = markers
        log.debug("intent ranker trained on %s phrases", len(samples))

    def logits(self, text: str) -> tuple[list[float], float]:
        """Raw scores per intent (in ``self.intents`` order) and the share of known words."""
        words = [self._speller.correct(w) for w in normalize(text).split()]
        if not words:
            return [0.0] * len(self.intents), 0.0
        known = sum(self._speller.knows_stem(w) or w.isdigit() for w in words) / len(words)
        feats = features(words)
        if self._markers is not None:
            feats.extend(self._markers(text))
        rows = [self._weights[f] for f in feats if f in self._weights]
        if not rows:
            return [0.0] * len(self.intents), known
        scores = [sum(column) for column in zip(*rows, strict=True)]
        near = process.extractOne(
            " ".join(words), self._phrases, scorer=fuzz.ratio, score_cutoff=NEAR_MATCH_CUTOFF
        )
        if near is not None:
            scores[self._owners[near[2]]] += NEAR_MATCH_BONUS
        return scores, known

    def near_match(self, text: str) -> str | None:
        """The intent of an example phrase the text nearly repeats, if any."""
        found = process.extractOne(
            normalize(text), self._phrases, scorer=fuzz.ratio, score_cutoff=NEAR_MATCH_CUTOFF
        )
        return None if found is None else self.intents[self._owners[found[2]]]

    def rank(self, text: str) -> Ranking:
        """Return calibrated probabilities for every intent, best first."""
        scores, coverage = self.logits(text)
        probabilities = softmax([s / TEMPERATURE for s in scores])
        ordered = sorted(zip(self.intents, probabilities, strict=True), key=lambda p: -p[1])
        return Ranking(tuple(ordered), coverage)


def softmax(values: Sequence[float]) -> list[float]:
    """Numerically stable softmax."""
    peak = max(values)
    exps = [math.exp(v - peak) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


def _train(samples: list[tuple[list[str], int]], classes: int, seed: int) -> dict[str, list[float]]:
    """Multinomial logistic regression by SGD; pure Python so the bot needs no numeric stack."""
    weights: dict[str, list[float]] = {}
    for feats, _ in samples:
        for feature in feats:
            weights.setdefault(feature, [0.0] * classes)
    order = list(samples)
    rng = random.Random(seed)
    for epoch in range(EPOCHS):
        rng.shuffle(order)
        rate = LEARNING_RATE / (1 + 0.3 * epoch)
        for feats, label in order:
            rows = [weights[f] for f in feats]
            probabilities = softmax([sum(column) for column in zip(*rows, strict=True)])
            step = rate / math.sqrt(len(feats))
            for cls, probability in enumerate(probabilities):
                gradient = probability - (1.0 if cls == label else 0.0)
                if abs(gradient) < 1e-3:
                    continue
                delta = step * gradient
                for row in rows:
                    row[cls] -= delta
    return weights
