"""Side-by-side evaluation of Lotse's understanding and a TF-IDF baseline on the development set."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.content.loader import Knowledge, _load_examples, _load_models
from bot.content.models import Country, Occupation

__all__ = ["load_understanding_knowledge"]

log = logging.getLogger(__name__)


def load_understanding_knowledge(folder: Path) -> Knowledge:
    """Load only what understanding needs, so evaluation runs while other content is in flux."""
    locations: dict[tuple[str, str], tuple[str, int]] = {}
    return Knowledge(
        occupations=_load_models(
            folder / "occupations.yaml", "occupations", Occupation, "id", locations
        ),
        countries=_load_models(folder / "countries.yaml", "countries", Country, "code", locations),
        topics={},
        funding={},
        bodies={},
        regions={},
        examples=_load_examples(folder / "examples"),
        locations=locations,
    )
