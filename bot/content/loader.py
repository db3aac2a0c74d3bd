"""Load and validate ``knowledge/`` into one immutable ``Knowledge`` object."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.content.models import (
    LANGUAGES,
    Answer,
    Body,
    Country,
    FundingProgramme,
    Occupation,
    OccupationTasks,
    Place,
    Region,
    Source,
    Topic,
)
from bot.yamlio import ContentError, line_of, load_yaml, strip_lines

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Knowledge:
    """All curated content, keyed by id. Built once at start-up."""

    occupations: dict[str, Occupation]
    countries: dict[str, Country]
    topics: dict[str, Topic]
    funding: dict[str, FundingProgramme]
    bodies: dict[str, Body]
    regions: dict[str, Region]
    # intent id -> language -> example phrases (for free-text understanding)
    examples: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # question-level answers, keyed by entry id
    answers: dict[str, Answer] = field(default_factory=dict)
    # German towns outside the configured regions, keyed by display name
    places: dict[str, Place] = field(default_factory=dict)
    # occupation id -> its main tasks (knowledge/tasks.yaml), for the Kompetenz-Kom-Pass
    tasks: dict[str, OccupationTasks] = field(default_factory=dict)
    # (kind, id) -> (file, line) of each entry, for linter messages
    locations: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)

    def where(self, kind: str, key: str) -> str:
        path, line = self.locations.get((kind, key), ("knowledge", 1))
        return f"{path}:{line}"


def _entries(path: Path, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    data = load_yaml(path)
    if not isinstance(data, dict) or data.get("version") != 1:
        raise ContentError(path, 1, "expected a mapping with 'version: 1'")
    items = data.get(key)
    if not isinstance(items, list):
        raise ContentError(path, line_of(data), f"expected a list under '{key}'")
    for item in items:
        if not isinstance(item, dict):
            raise ContentError(path, line_of(data), f"each entry of '{key}' must be a mapping")
        yield line_of(item), item


def _load_models(
    path: Path,
    key: str,
    model: type[M],
    id_field: str,
    locations: dict[tuple[str, str], tuple[str, int]],
) -> dict[str, M]:
    result: dict[str, M] = {}
    for line, item in _entries(path, key):
        try:
            obj = model.model_validate(strip_lines(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ContentError(path, line, f"{key}: {where}: {first['msg']}") from exc
        ident = str(getattr(obj, id_field))
        if ident in result:
            raise ContentError(path, line, f"duplicate id '{ident}' in {key}")
        result[ident] = obj
        locations[(key, ident)] = (str(path), line)
    return result


def _load_examples(folder: Path) -> dict[str, dict[str, list[str]]]:
    examples: dict[str, dict[str, list[str]]] = {}
    if not folder.is_dir():
        return examples
    for language in LANGUAGES:
        path = folder / f"{language}.yaml"
        if not path.exists():
            continue
        data = strip_lines(load_yaml(path))
        intents = data.get("intents") if isinstance(data, dict) else None
        if not isinstance(intents, dict):
            raise ContentError(path, 1, "expected 'intents:' mapping intent id -> list of phrases")
        for intent, phrases in intents.items():
            if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
                raise ContentError(path, 1, f"intent '{intent}': expected a list of strings")
            examples.setdefault(str(intent), {})[language] = list(phrases)
    return examples


def _load_answers(
    folder: Path, locations: dict[tuple[str, str], tuple[str, int]]
) -> dict[str, Answer]:
    """Every ``answers/*.yaml`` file; an id may occur once over all files."""
    answers: dict[str, Answer] = {}
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        for ident, answer in _load_models(path, "answers", Answer, "id", locations).items():
            if ident in answers:
                line = locations[("answers", ident)][1]
                raise ContentError(path, line, f"duplicate id '{ident}' in answers")
            answers[ident] = answer
    return answers


def _check_list_sources(path: Path) -> None:
    """A list file states once where all its entries come from and when that was checked."""
    data = load_yaml(path)
    if not isinstance(data, dict):
        return  # _entries reports the shape
    sources = data.get("sources")
    if not isinstance(sources, list) or not sources:
        raise ContentError(path, line_of(data), "expected a non-empty 'sources:' list")
    for source in sources:
        try:
            Source.model_validate(strip_lines(source))
        except ValidationError as exc:
            message = exc.errors()[0]["msg"]
            raise ContentError(path, line_of(source, line_of(data)), f"sources: {message}") from exc
    if not isinstance(data.get("reviewed"), dt.date):
        raise ContentError(path, line_of(data), "expected 'reviewed:' with a date")


def _load_places(path: Path, locations: dict[tuple[str, str], tuple[str, int]]) -> dict[str, Place]:
    """``places.yaml`` is optional: without it no town outside the regions is recognised."""
    if not path.exists():
        return {}
    _check_list_sources(path)
    return _load_models(path, "places", Place, "name", locations)


def _load_tasks(
    path: Path,
    occupations: dict[str, Occupation],
    locations: dict[tuple[str, str], tuple[str, int]],
) -> dict[str, OccupationTasks]:
    """``tasks.yaml`` is optional; each list names an occupation of ``occupations.yaml``."""
    if not path.exists():
        return {}
    tasks = _load_models(path, "tasks", OccupationTasks, "occupation", locations)
    for occupation in tasks:
        if occupation not in occupations:
            line = locations[("tasks", occupation)][1]
            raise ContentError(path, line, f"tasks: unknown occupation '{occupation}'")
    return tasks


def load_knowledge(folder: Path) -> Knowledge:
    """Read every knowledge file; raise ``ContentError`` with ``file:line`` on the first problem."""
    loc: dict[tuple[str, str], tuple[str, int]] = {}
    occupations = _load_models(folder / "occupations.yaml", "occupations", Occupation, "id", loc)
    return Knowledge(
        occupations=occupations,
        countries=_load_models(folder / "countries.yaml", "countries", Country, "code", loc),
        topics=_load_models(folder / "topics.yaml", "topics", Topic, "id", loc),
        funding=_load_models(folder / "funding.yaml", "programmes", FundingProgramme, "id", loc),
        bodies=_load_models(folder / "bodies.yaml", "bodies", Body, "id", loc),
        regions=_load_models(folder / "regions.yaml", "regions", Region, "id", loc),
        examples=_load_examples(folder / "examples"),
        answers=_load_answers(folder / "answers", loc),
        places=_load_places(folder / "places.yaml", loc),
        tasks=_load_tasks(folder / "tasks.yaml", occupations, loc),
        locations=loc,
    )
