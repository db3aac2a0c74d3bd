"""Per-instance memo caches that survive pickling (the content cache stores trained objects)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, ClassVar


class Memoized:
    """Pickles without its per-instance ``lru_cache`` wrappers and rebuilds them empty.

    A subclass builds ``self.attribute = lru_cache(maxsize=n)(self.method)`` in ``__init__``
    and lists it as ``_memos = {"attribute": ("method", n)}``.
    """

    _memos: ClassVar[dict[str, tuple[str, int]]] = {}

    def _build_memos(self) -> None:
        for attribute, (method, size) in self._memos.items():
            setattr(self, attribute, lru_cache(maxsize=size)(getattr(self, method)))

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in self._memos}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._build_memos()
