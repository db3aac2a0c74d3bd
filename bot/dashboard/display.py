"""Leads as counsellors read them: German labels, Berlin times, nothing of the raw state."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.bundle import Content
from bot.dashboard.web import berlin
from bot.store.models import Lead, LeadEvent

LANGUAGE_NAMES = {"de": "Deutsch", "tr": "Türkisch", "ru": "Russisch"}
STATUS_NAMES = {
    "new": "Neu",
    "claimed": "Übernommen",
    "scheduled": "Termin vereinbart",
    "done": "Erledigt",
    "no_show": "Nicht erschienen",
    "cancelled": "Abgesagt",
}
CHANNEL_NAMES = {"web": "Web-Chat", "telegram": "Telegram", "console": "Terminal"}
EMPLOYMENT_NAMES = {
    "employed": "beschäftigt",
    "unemployed": "arbeitslos gemeldet (Agentur für Arbeit)",
    "jobcenter": "Bürgergeld (Jobcenter)",
}
CONTACT_VIA_NAMES = {"chat": "über den Chat", "phone": "Telefon", "email": "E-Mail"}
AVAILABILITY_NAMES = {
    "mornings": "vormittags",
    "afternoons": "nachmittags",
    "evenings": "abends",
    "anytime": "jederzeit",
}
# Notes the system writes in English, shown to staff in German.
SYSTEM_NOTES = {
    "created": "Anfrage gestellt",
    "call-back requested": "Rückruf gewünscht",
    "appointment cancelled": "Termin abgesagt",
}
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
MAX_QUESTION = 140
_PLACEHOLDER = re.compile(r"\{[^}]*\}")


@dataclass(frozen=True)
class LeadSummary:
    """One lead at a glance: a queue row, and the head of the detail page."""

    id: int
    created: str
    language: str
    channel: str
    topic: str
    occupation: str
    years: str
    workload: str
    country: str
    employment: str
    exam: str
    callback: bool
    interpreter: bool
    status: str
    status_label: str
    counsellor: str
    appointment: str


@dataclass(frozen=True)
class Question:
    text: str
    answer: str


@dataclass(frozen=True)
class EventView:
    at: str
    who: str
    change: str
    note: str
    is_note: bool  # written by a counsellor


def _number(value: Any) -> str:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    text = f"{number.normalize():f}"
    return text.replace(".", ",")


def _slots(lead: Lead) -> dict[str, Any]:
    slots = lead.facts.get("slots") if isinstance(lead.facts, dict) else None
    return slots if isinstance(slots, dict) else {}


def topic_name(content: Content, outcome: str | None) -> str:
    if not outcome:
        return ""
    topics = content.knowledge.topics
    if outcome.startswith("topic:"):
        topic = topics.get(outcome.removeprefix("topic:"))
        return topic.title.de if topic else outcome
    dialog = outcome.split(".", 1)[0]
    for topic in topics.values():
        if topic.dialog == dialog:
            return topic.title.de
    return outcome


def slot_value(content: Content, name: str, value: Any) -> str:
    """A slot's value as a German label."""
    if value is None or value == "":
        return ""
    knowledge = content.knowledge
    if name == "occupation":
        occupation = knowledge.occupations.get(str(value))
        return occupation.name.de if occupation else str(value)
    if name == "country":
        country = knowledge.countries.get(str(value))
        return country.name.de if country else str(value)
    if name == "employment":
        return EMPLOYMENT_NAMES.get(str(value), str(value))
    if name == "years":
        return f"{_number(value)} Jahre"
    if name == "workload":
        share = _number(value)
        return "Vollzeit" if share == "1" else f"Teilzeit ({share} Stelle)"
    if name == "availability":
        return AVAILABILITY_NAMES.get(str(value), str(value))
    if name == "contact_via":
        return CONTACT_VIA_NAMES.get(str(value), str(value))
    return ""  # anything else is not for the dashboard


def exam_result(lead: Lead) -> str:
    exam = lead.facts.get("exam") if isinstance(lead.facts, dict) else None
    if not isinstance(exam, dict):
        return ""
    needed, worked, missing = (_number(exam.get(k, "")) for k in ("needed", "worked", "missing"))
    if missing in ("0", ""):
        return f"Zulassung möglich: {worked} von {needed} nötigen Jahren"
    return f"Es fehlen {missing} Jahre ({worked} von {needed} nötigen Jahren)"


def summarise(
    content: Content, lead: Lead, *, counsellor: str | None, appointment: dt.datetime | None
) -> LeadSummary:
    slots = _slots(lead)
    return LeadSummary(
        id=lead.id,
        created=berlin(lead.created_at),
        language=LANGUAGE_NAMES.get(lead.language, lead.language),
        channel=CHANNEL_NAMES.get(lead.channel, lead.channel),
        topic=topic_name(content, lead.topic),
        occupation=slot_value(content, "occupation", slots.get("occupation")),
        years=slot_value(content, "years", slots.get("years")),
        workload=slot_value(content, "workload", slots.get("workload")),
        country=slot_value(content, "country", slots.get("country")),
        employment=slot_value(content, "employment", slots.get("employment")),
        exam=exam_result(lead),
        callback=lead.callback_requested,
        interpreter=lead.interpreter_needed,
        status=lead.status,
        status_label=STATUS_NAMES.get(lead.status, lead.status),
        counsellor=counsellor or "",
        appointment=berlin(appointment) if appointment else "",
    )


_HANDOVER = "handover."


def question_text(content: Content, key: str) -> str | None:
    """The German wording of the question a dialog node asked, without placeholders."""
    node = content.dialogs.nodes.get(key)
    if node is None or node.ask is None:
        return None
    text = content.catalogs.translator("de").text(node.ask)
    text = " ".join(_PLACEHOLDER.sub("…", text).split())
    end = text.find("?")
    text = text[: end + 1] if end >= 0 else text
    return text if len(text) <= MAX_QUESTION else text[: MAX_QUESTION - 1].rstrip() + "…"


def questions(content: Content, lead: Lead) -> list[Question]:
    """The questions about the case the person answered, in order, with the answer where it is
    a case fact. Left out: the handover's own questions (consent, name, how and when to reach
    them: the contact section shows their answers) and prompts that record nothing ("Would you
    like to talk to a counsellor?"), which read as unanswered questions."""
    keys = lead.facts.get("questions") if isinstance(lead.facts, dict) else None
    slots = _slots(lead)
    shown: list[Question] = []
    for key in dict.fromkeys(keys if isinstance(keys, list) else []):
        text = question_text(content, str(key))
        if text is None:
            continue
        node = content.dialogs.nodes[str(key)]
        if node.slot is None or str(key).startswith(_HANDOVER):
            continue
        answer = slot_value(content, node.slot, slots.get(node.slot)) if node.slot else ""
        shown.append(Question(text, answer))
    return shown


def actor_name(actor: str, names: dict[int, str]) -> str:
    if actor.startswith("counsellor:"):
        cid = actor.removeprefix("counsellor:")
        return names.get(int(cid), f"Beratung #{cid}") if cid.isdigit() else actor
    return {"person": "Ratsuchende Person", "system": "System"}.get(actor, actor)


def history(events: list[LeadEvent], names: dict[int, str]) -> list[EventView]:
    views = []
    for event in events:
        change = ""
        if event.to_status:
            before = STATUS_NAMES.get(event.from_status or "", event.from_status or "")
            change = f"{before} → {STATUS_NAMES.get(event.to_status, event.to_status)}"
        by_counsellor = event.actor.startswith("counsellor:")
        note = event.note or ""
        if not by_counsellor:
            note = SYSTEM_NOTES.get(note, note)
        views.append(
            EventView(
                at=berlin(event.at),
                who=actor_name(event.actor, names),
                change=change,
                note=note,
                is_note=by_counsellor and bool(event.note) and not event.to_status,
            )
        )
    return views
