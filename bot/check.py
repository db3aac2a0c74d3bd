"""``lotse check``: the content linter. Every problem is one ``file:line: message`` line."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.content import Knowledge, load_knowledge
from bot.content.models import ANSWER_PLACEHOLDERS, INTENT_IDS, LANGUAGES, BodyKind, Region
from bot.engine.facts import CONDITIONS
from bot.engine.loader import load_dialogs
from bot.engine.validate import content_errors, structure_errors
from bot.i18n import DOMAIN
from bot.understanding import normalize
from bot.yamlio import ContentError

REVIEW_MAX_AGE = dt.timedelta(days=366)
MIN_EXAMPLES = 8
# Answers are read on a phone: about 60 words, with some room for longer Turkish and Russian.
MAX_ANSWER_WORDS = 75
MAX_FUNDING_WORDS = 45
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A Landwirtschaftskammer also holds the exams in home economics in several Länder.
_SERVES_ALSO: dict[BodyKind, tuple[BodyKind, ...]] = {BodyKind.HOUSEKEEPING: (BodyKind.LWK,)}


def run_checks(root: Path, *, today: dt.date | None = None) -> list[str]:
    """Check all content under ``root``; return the problems (empty when all is well)."""
    problems: list[str] = []
    catalogs = _read_catalogs(root / "locales", problems)
    knowledge: Knowledge | None = None
    try:
        knowledge = load_knowledge(root / "knowledge")
    except ContentError as exc:
        problems.append(str(exc))
    if knowledge is not None:
        problems += _knowledge_problems(knowledge, root, today or dt.date.today())
    try:
        dialogs = load_dialogs(root / "dialogs", validate=False)
    except ContentError as exc:
        problems.append(str(exc))
    else:
        problems += [str(e) for e in structure_errors(dialogs)]
        if knowledge is not None:

            def has_message(language: str, message_id: str) -> bool:
                message = catalogs.get(language, Catalog()).get(message_id)
                return message is not None and bool(message.string)

            problems += [str(e) for e in content_errors(dialogs, knowledge, has_message, LANGUAGES)]
    return problems


def _read_catalogs(folder: Path, problems: list[str]) -> dict[str, Catalog]:
    """Read the template and every catalog; report untranslated, fuzzy and mismatched entries."""
    template_path = folder / f"{DOMAIN}.pot"
    if not template_path.exists():
        problems.append(f"{template_path}:1: template missing (run 'make i18n')")
        return {}
    with template_path.open("rb") as stream:
        template = read_po(stream)
    catalogs: dict[str, Catalog] = {}
    for language in LANGUAGES:
        path = folder / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not path.exists():
            problems.append(f"{path}:1: catalog missing")
            continue
        with path.open("rb") as stream:
            catalogs[language] = read_po(stream)
    source = catalogs.get("de")
    for language, catalog in catalogs.items():
        path = folder / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        for message in template:
            if not message.id:
                continue
            entry = catalog.get(message.id)
            if entry is None:
                problems.append(f"{path}:1: message '{message.id}' missing (run 'make i18n')")
            elif not entry.string:
                problems.append(f"{path}:{entry.lineno}: message '{message.id}' is not translated")
            elif entry.fuzzy:
                problems.append(f"{path}:{entry.lineno}: message '{message.id}' is fuzzy")
            elif source is not None and (reference := source.get(message.id)) is not None:
                want = set(_PLACEHOLDER.findall(str(reference.string)))
                have = set(_PLACEHOLDER.findall(str(entry.string)))
                if want != have:
                    problems.append(
                        f"{path}:{entry.lineno}: message '{message.id}' has placeholders "
                        f"{sorted(have)}, German has {sorted(want)}"
                    )
    return catalogs


def _knowledge_problems(knowledge: Knowledge, root: Path, today: dt.date) -> Iterator[str]:
    topics_file = root / "knowledge" / "topics.yaml"
    for intent in INTENT_IDS:
        if intent not in knowledge.topics:
            yield f"{topics_file}:1: no topic for intent '{intent}'"
    reviewed: list[tuple[str, str, dt.date]] = [
        *(("occupations", k, v.reviewed) for k, v in knowledge.occupations.items()),
        *(("topics", k, v.reviewed) for k, v in knowledge.topics.items()),
        *(("programmes", k, v.reviewed) for k, v in knowledge.funding.items()),
        *(("bodies", k, v.reviewed) for k, v in knowledge.bodies.items()),
        *(("regions", k, v.reviewed) for k, v in knowledge.regions.items()),
        *(("answers", k, v.reviewed) for k, v in knowledge.answers.items()),
        *(("tasks", k, v.reviewed) for k, v in knowledge.tasks.items()),
    ]
    for kind, key, date in reviewed:
        if date > today:
            yield f"{knowledge.where(kind, key)}: '{key}' has a review date in the future"
        elif today - date > REVIEW_MAX_AGE:
            yield f"{knowledge.where(kind, key)}: '{key}' was last reviewed over a year ago"
    for region_id, region in knowledge.regions.items():
        yield from _region_problems(knowledge, region_id, region)
    for programme_id, programme in knowledge.funding.items():
        where = knowledge.where("programmes", programme_id)
        if programme.only_when is not None and programme.only_when not in CONDITIONS:
            yield f"{where}: unknown condition '{programme.only_when}' in only_when"
        for language in LANGUAGES:
            words = len(programme.summary.get(language).split())
            if words > MAX_FUNDING_WORDS:  # one bubble each in a list: short enough for a phone
                yield f"{where}: '{programme_id}' {language} summary has {words} words"
    yield from _example_problems(knowledge, root)
    yield from _answer_problems(knowledge)


def _region_problems(knowledge: Knowledge, region_id: str, region: Region) -> Iterator[str]:
    """Every kind of body is listed (null when unknown), and each names a body of that kind."""
    where = knowledge.where("regions", region_id)
    for kind in BodyKind:
        if kind not in region.bodies:
            yield f"{where}: no entry for '{kind}' (write null when the body is unknown)"
    for kind, body_id in region.bodies.items():
        body = knowledge.bodies.get(body_id or "")
        if body_id is not None and body is None:
            yield f"{where}: unknown body '{body_id}' for {kind}"
        elif body is not None and body.kind not in (kind, *_SERVES_ALSO.get(kind, ())):
            yield f"{where}: '{body_id}' is of kind '{body.kind}', not '{kind}'"


def _answer_problems(knowledge: Knowledge) -> Iterator[str]:
    """Answer entries: enough examples per language, none claimed twice, short, known params."""
    owner: dict[str, str] = {}
    for answer_id, answer in knowledge.answers.items():
        where = knowledge.where("answers", answer_id)
        for language in LANGUAGES:
            phrases = getattr(answer.examples, language)
            if len(phrases) < MIN_EXAMPLES:
                count = len(phrases)
                yield f"{where}: '{answer_id}' has {count} {language} examples, not {MIN_EXAMPLES}"
            for phrase in phrases:
                key = normalize(phrase)
                if owner.setdefault(key, answer_id) != answer_id:
                    yield f"{where}: example '{phrase}' also stands under '{owner[key]}'"
            text = answer.answer.get(language)
            if len(text.split()) > MAX_ANSWER_WORDS:
                yield f"{where}: '{answer_id}' {language} answer has {len(text.split())} words"
            unknown = set(_PLACEHOLDER.findall(text)) - set(ANSWER_PLACEHOLDERS)
            if unknown:
                yield f"{where}: '{answer_id}' {language} answer names unknown {sorted(unknown)}"
            if "{" in _PLACEHOLDER.sub("", text) or "}" in _PLACEHOLDER.sub("", text):
                yield f"{where}: '{answer_id}' {language} answer has a stray brace"


def _example_problems(knowledge: Knowledge, root: Path) -> Iterator[str]:
    """No example phrase may be claimed by two intents."""
    owner: dict[str, str] = {}
    for intent, by_language in knowledge.examples.items():
        if intent not in INTENT_IDS:
            yield f"{root / 'knowledge' / 'examples'}:1: unknown intent '{intent}'"
        for language, phrases in by_language.items():
            for phrase in phrases:
                key = normalize(phrase)
                if owner.get(key, intent) != intent:
                    yield (
                        f"{root / 'knowledge' / 'examples' / (language + '.yaml')}:1: "
                        f"phrase '{phrase}' is claimed by '{owner[key]}' and '{intent}'"
                    )
                owner.setdefault(key, intent)
