"""Typo correction against a known vocabulary, shared by the intent ranker and the answer index."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import ClassVar

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.memo import Memoized

__all__ = ["Speller"]

_STEM = 5


class Speller(Memoized):
    """Maps an unknown word to the closest known one; keeps it when nothing is close."""

    _memos: ClassVar[dict[str, tuple[str, int]]] = {"correct": ("_correct", 16384)}

    def __init__(self, vocabulary: Iterable[str]) -> None:
        words = {w for w in vocabulary if not w.isdigit()}
        self.words = sorted(words)
        self._known = frozenset(words)
        self._stems = frozenset(w[:_STEM] for w in words)
        self.correct = lru_cache(maxsize=16384)(self._correct)

    def knows_stem(self, word: str) -> bool:
        return word[:_STEM] in self._stems

    def _correct(self, word: str) -> str:
        if word in self._known or word.isdigit() or len(word) < 4 or self.knows_stem(word):
            return word
        cutoff = 0.75 if len(word) < 8 else 0.7
        found = process.extractOne(
            word, self.words, scorer=Levenshtein.normalized_similarity, score_cutoff=cutoff
        )
        return word if found is None else str(found[0])
