"""References from dialogs into the knowledge: ``kind:id`` strings, checked and rendered here."""

from __future__ import annotations

from bot.content import Knowledge
from bot.content.models import LANGUAGES
from bot.content.names import short_gender_form

# Expanded at run time into one ``funding:<id>`` line per programme that fits the case.
FUNDING_MATCHING = "funding:*"
# Expanded by the service into up to three courses of the catalogue that fit the case.
COURSES_MATCHING = "courses:*"

_KINDS = (
    "topic",
    "title",
    "occupation",
    "country",
    "funding",
    "body",
    "lang",
    "answer",
    "question",
    "courses",
    "task",
)


def is_reference(label: str) -> bool:
    return label.split(":", 1)[0] in _KINDS and ":" in label


def reference_exists(ref: str, knowledge: Knowledge) -> bool:
    kind, _, ident = ref.partition(":")
    match kind:
        case "topic" | "title":
            return ident in knowledge.topics
        case "occupation":
            return ident in knowledge.occupations
        case "country":
            return ident in knowledge.countries
        case "funding":
            return ref == FUNDING_MATCHING or ident in knowledge.funding
        case "body":
            return ident in knowledge.bodies
        case "lang":
            return ident in LANGUAGES
        case "answer" | "question":
            return ident in knowledge.answers
        case "courses":
            return ref == COURSES_MATCHING
        case "task":
            occupation, _, task = ident.partition(".")
            tasks = knowledge.tasks.get(occupation)
            return tasks is not None and tasks.task(task) is not None
    return False


def reference_text(
    ref: str, knowledge: Knowledge, language: str, language_names: dict[str, str]
) -> str:
    """The text of a knowledge reference in one language."""
    kind, _, ident = ref.partition(":")
    match kind:
        case "topic":
            return knowledge.topics[ident].answer.get(language).strip()
        case "title":
            return knowledge.topics[ident].title.get(language)
        case "occupation":
            name = knowledge.occupations[ident].name.get(language)
            return short_gender_form(name) if language == "de" else name
        case "country":
            return knowledge.countries[ident].name.get(language)
        case "funding":
            programme = knowledge.funding[ident]
            return f"• {programme.name.get(language)}: {programme.summary.get(language).strip()}"
        case "body":
            return knowledge.bodies[ident].name.get(language)
        case "lang":
            return language_names[ident]
        case "answer":
            return knowledge.answers[ident].answer.get(language).strip()
        case "question":
            return knowledge.answers[ident].title.get(language)
        case "task":
            occupation, _, task = ident.partition(".")
            found = knowledge.tasks[occupation].task(task)
            if found is not None:
                return found.text.get(language)
    raise KeyError(ref)
