"""A TF-IDF retrieval index over example phrases: which entry's phrases a text is closest to.

Retrieval rather than a trained classifier: with more than a hundred entries a per-class
model costs seconds to train in pure Python, while the index builds in milliseconds and a
new entry works as soon as its phrases are written.
"""

from __future__ import annotations

import math
from array import array
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from bot.understanding.intents import features
from bot.understanding.normalize import normalize
from bot.understanding.spelling import Speller

__all__ = ["PhraseIndex"]

FIRST_WEIGHT = 0.7


class PhraseIndex:
    """Cosine similarity between a text and the phrases of each label, aggregated per label."""

    def __init__(self, phrases: Iterable[tuple[str, str]]) -> None:
        owners: list[str] = []
        vocabulary: set[str] = set()
        counts: dict[str, int] = defaultdict(int)
        raw: list[list[str]] = []
        for label, phrase in phrases:
            words = normalize(phrase).split()
            if not words:
                continue
            vocabulary.update(w for w in words if not w.isdigit())
            feats = features(words)
            raw.append(feats)
            owners.append(label)
            for feature in set(feats):
                counts[feature] += 1
        total = len(raw)
        self._idf = {f: math.log((1 + total) / (1 + n)) + 1.0 for f, n in counts.items()}
        grouped: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for doc, feats in enumerate(raw):
            for feature, weight in self._vector(feats).items():
                grouped[feature].append((doc, weight))
        # Every feature's postings side by side in two flat arrays (``_starts`` marks where
        # each begins): as lists of (doc, weight) tuples, and even as two small arrays per
        # feature, the index held tens of MB of Python objects in every worker process.
        self._row: dict[str, int] = {}
        self._starts = array("I", [0])
        self._docs = array("I")
        self._weights = array("d")
        for row, (feature, posting) in enumerate(grouped.items()):
            self._row[feature] = row
            self._docs.extend(doc for doc, _ in posting)
            self._weights.extend(weight for _, weight in posting)
            self._starts.append(len(self._docs))
        self._owners = owners
        self.labels: tuple[str, ...] = tuple(dict.fromkeys(owners))
        self._speller = Speller(vocabulary)

    def _vector(self, feats: Sequence[str]) -> dict[str, float]:
        weights = {f: self._idf[f] for f in set(feats) if f in self._idf}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {f: w / norm for f, w in weights.items()}

    def scores(self, text: str) -> dict[str, float]:
        """Per label: its nearest phrase, weighed with the second nearest (cosine, 0–1).

        The second phrase rewards a label whose phrases agree, so one lucky overlap with a
        single phrase counts less than a consistent match.
        """
        words = [self._speller.correct(w) for w in normalize(text).split()]
        if not words:
            return {}
        query = self._vector(features(words))
        similarity: dict[int, float] = defaultdict(float)
        for feature, weight in query.items():
            row = self._row.get(feature)
            if row is None:
                continue
            span = slice(self._starts[row], self._starts[row + 1])
            for doc, doc_weight in zip(self._docs[span], self._weights[span], strict=True):
                similarity[doc] += weight * doc_weight
        nearest: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for doc, value in similarity.items():
            top = nearest[self._owners[doc]]
            if value > top[0]:
                top[0], top[1] = value, top[0]
            elif value > top[1]:
                top[1] = value
        return {
            label: FIRST_WEIGHT * first + (1 - FIRST_WEIGHT) * second
            for label, (first, second) in nearest.items()
        }

    @staticmethod
    def from_mapping(phrases: Mapping[str, Iterable[str]]) -> PhraseIndex:
        return PhraseIndex((label, p) for label, items in phrases.items() for p in items)
