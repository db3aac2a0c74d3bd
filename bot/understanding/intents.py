"""Intent ranking against the curated example phrases: naive Bayes on word stems plus rapidfuzz."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.understanding.normalize import normalize, tokens

__all__ = ["NULL", "IntentRanker", "Ranking"]

NULL = "null"
_STEM = 5
# Calibration constants, fitted by ``python -m bot.understanding.evaluate --calibrate`` on
# cross-validated example phrases (never on the development set).
TEMPERATURE = 1.0
NB_WEIGHT = 1.0
FUZZ_WEIGHT = 6.0
ALPHA = 0.2


def features(words: Sequence[str]) -> list[str]:
    """Stem features of folded tokens: prefixes survive suffixes, end typos and inflection."""
    result: list[str] = []
    for word in words:
        if word.isdigit():
            result.append("#num")
            continue
        result.append(word[:_STEM])
        if len(word) > _STEM + 2:
            result.append(word[: _STEM + 3] + "+")
    for left, right in pairwise(words):
        result.append(f"{left[:_STEM]}_{right[:_STEM]}")
    return result


@dataclass(frozen=True)
class Ranking:
    """Probabilities over all intents (including ``null``), best first, and token coverage."""

    scores: tuple[tuple[str, float], ...]
    coverage: float


class IntentRanker:
    """Rank intents for a message; built once from example phrases (intent -> language -> list)."""

    def __init__(self, examples: Mapping[str, Mapping[str, Sequence[str]]]) -> None:
        self.intents: tuple[str, ...] = tuple(sorted(examples))
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        phrases: list[str] = []
        owners: list[int] = []
        vocabulary: set[str] = set()
        for index, intent in enumerate(self.intents):
            for phrase_list in examples[intent].values():
                for phrase in phrase_list:
                    words = tokens(phrase)
                    vocabulary.update(w for w in words if not w.isdigit())
                    counts[intent].update(features(words))
                    phrases.append(" ".join(words))
                    owners.append(index)
        self._known = frozenset(f for c in counts.values() for f in c)
        self._logp: dict[str, dict[str, float]] = {}
        self._unseen: dict[str, float] = {}
        size = len(self._known) + 1
        for intent in self.intents:
            total = sum(counts[intent].values()) + ALPHA * size
            self._logp[intent] = {
                f: math.log((c + ALPHA) / total) for f, c in counts[intent].items()
            }
            self._unseen[intent] = math.log(ALPHA / total)
        self._phrases = phrases
        self._owners = owners
        self._vocabulary = sorted(vocabulary)
        self._vocabulary_set = frozenset(vocabulary)
        self._correct = lru_cache(maxsize=16384)(self._correct_uncached)

    def _correct_uncached(self, word: str) -> str | None:
        """Map an unknown word to the closest known one (typos); None when nothing is close."""
        if word in self._vocabulary_set or word.isdigit():
            return word
        if len(word) < 4:
            return None
        cutoff = 0.75 if len(word) < 8 else 0.7
        found = process.extractOne(
            word, self._vocabulary, scorer=Levenshtein.normalized_similarity, score_cutoff=cutoff
        )
        return None if found is None else str(found[0])

    def rank(self, text: str) -> Ranking:
        """Return calibrated probabilities for every intent, best first."""
        raw = [w for w in normalize(text).split()]
        words = [c for c in (self._correct(w) for w in raw) if c is not None]
        coverage = len(words) / len(raw) if raw else 0.0
        feats = [f for f in features(words) if f in self._known]
        if not feats:
            uniform = 1.0 / len(self.intents)
            return Ranking(tuple((i, uniform) for i in self.intents), 0.0)
        nb = {i: sum(self._logp[i].get(f, self._unseen[i]) for f in feats) for i in self.intents}
        top = max(nb.values())
        nb_norm = {i: (v - top) / math.sqrt(len(feats)) for i, v in nb.items()}
        query = " ".join(words)
        best = dict.fromkeys(self.intents, 0.0)
        for _, score, index in process.extract(
            query, self._phrases, scorer=fuzz.token_sort_ratio, limit=40
        ):
            intent = self.intents[self._owners[index]]
            best[intent] = max(best[intent], score / 100.0)
        logits = {
            i: (NB_WEIGHT * nb_norm[i] + FUZZ_WEIGHT * best[i]) / TEMPERATURE for i in self.intents
        }
        peak = max(logits.values())
        exp = {i: math.exp(v - peak) for i, v in logits.items()}
        total = sum(exp.values())
        ordered = sorted(((i, exp[i] / total) for i in self.intents), key=lambda p: -p[1])
        return Ranking(tuple(ordered), coverage)
