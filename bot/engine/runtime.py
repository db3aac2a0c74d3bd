"""The dialog runtime: ``handle(state, event)`` decides the next node and builds the reply.

Pure: no I/O, no clock, no randomness. Persistence and side effects (handover requests,
erasure) happen around it, from the ``effects`` of the reply.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from copy import deepcopy
from dataclasses import replace
from typing import Any, Protocol

from bot.answers import AnswerMatch, AnswerSelector, Decision
from bot.content import Knowledge
from bot.content.models import LANGUAGES, AnswerNext, ChamberType, Occupation
from bot.engine.events import (
    AppointmentCancelled,
    BookingFailed,
    BookingRequested,
    CallbackRequested,
    Choice,
    Command,
    CommandName,
    ConsentGiven,
    ConversationState,
    CoursesWanted,
    DataDeletionRequested,
    Event,
    HandoverRequested,
    KompassCompleted,
    Line,
    OptionsWanted,
    Reply,
    ReplyOption,
    Resume,
    Start,
    Text,
)
from bot.engine.facts import CONDITIONS, SLOTS, Facts, Ref
from bot.engine.model import (
    AFTER_ANSWER,
    AFTER_RESULT,
    DELETE,
    HANDOVER,
    LANGUAGE,
    MENU,
    MY_DATA,
    RUNTIME_ENTRIES,
    TOP_LEVEL,
    WELCOME,
    DialogSet,
    InputKind,
    Node,
    NodeKind,
)
from bot.engine.refs import COURSES_MATCHING, FUNDING_MATCHING, is_reference, reference_text
from bot.handover.contact import parse_email, parse_name, parse_phone
from bot.handover.meeting import APPOINTMENT_SLOTS, Meeting, appointment_slots
from bot.i18n import language_name, msg
from bot.understanding.dates import parse_period
from bot.understanding.normalize import normalize
from bot.understanding.questions import is_question

log = logging.getLogger(__name__)


_NAV_LABELS = {
    CommandName.BACK: msg("nav.back"),
    CommandName.MENU: msg("nav.menu"),
    CommandName.HUMAN: msg("nav.human"),
    CommandName.LANGUAGE: msg("nav.language"),
    CommandName.RESTART: msg("nav.restart"),
    CommandName.HELP: msg("nav.help"),
    CommandName.DELETE: msg("nav.delete"),
    CommandName.MYDATA: msg("nav.mydata"),
}
_SLASH = re.compile(r"^/(\w+)")
_SLASH_COMMANDS = {name.value: name for name in CommandName} | {
    "start": CommandName.RESTART,
}
_MAX_STEPS = 100
# The person's appointment: "Mein Termin", the slot question, and the reminder's buttons
# (``nav:`` options work at any question, also on an older message).
_APPOINTMENT = "handover.appointment"
_BOOKING = "handover.booking"
_APPOINTMENT_NAV = {
    "appointment_move": "handover.move",
    "appointment_cancel": "handover.cancel_confirm",
}
# "Wann ist mein Termin?", "randevumu iptal", "перенести запись" (normalised, Cyrillic in Latin).
_MY_APPOINTMENT = re.compile(
    r"\bmein(e[nm]?)?\s+(beratungs)?termin|\btermin\s+(absagen|verschieben|andern|stornieren)"
    r"|\brandevu(m|mu|mun|ma|mda|mdan)\b|\brandevu\w*\s+(iptal|ertele|degistir)"
    r"|\bmo(ya|yu|ey)\s+(zapis|vstrech|konsultats)|\bmoy\s+(priem|termin)"
    r"|\b(otmenit|perenesti)\s+(zapis|vstrech|priem|konsultats)"
    r"|\bkogda\s+(u menya\s+)?(zapis|vstrecha|konsultatsiya|priem)"
)
_MISSES_BEFORE_HUMAN = 2
# Below this score a candidate intent is noise, not a guess worth offering.
_GUESS_FLOOR = 0.25
_FULL_WEEK_HOURS = 40
_CARE_ANSWERS = frozenset({"exam_care_professions"})
_PART_TIME_ANSWERS = frozenset({"exam_part_time"})
_CONTACT_INPUTS = frozenset({InputKind.NAME, InputKind.PHONE, InputKind.EMAIL})
_WORKLOAD_FACTS = frozenset({"workload", "hours", "part_time"})
# Where a person types a name, phone or e-mail, digits and words are no place names.
_PERSONAL_INPUTS = (
    InputKind.NAME, InputKind.PHONE, InputKind.EMAIL, InputKind.TEXT, InputKind.PERIOD
)  # fmt: skip
_MAX_TEXT = 200  # a typed task or certificate; longer text is cut
_LATEST_YEAR = 2099  # the engine has no clock: a period's plausibility is the reader's
_RESUME = "resume"  # after "did you mean" inside a tree: back to the pending question
_BRIEF_WORDS = 2
_BRIEF_CONFIDENCE = 0.9
_OWN_CASE_CONFIDENCE = 0.8  # job and years stated: only a clear question comes before the result
# Courses of the catalogue that lead to the exam; answers about finding a course show them too.
EXAM_COURSE_KINDS = ("exam_preparation", "partial_qualification")
COURSE_ANSWERS: dict[str, tuple[str, ...]] = {
    "exam_preparation": EXAM_COURSE_KINDS,
    "exam_find_course": EXAM_COURSE_KINDS,
    "tq_find": ("partial_qualification",),
}
# Shown when the catalogue knows no course; the service replaces it with the courses it finds.
COURSES_NONE = msg("courses.none_known")
OFFICIAL_COURSE_SEARCH = (
    "Bundesagentur für Arbeit: Weiterbildungssuche",
    "https://web.arbeitsagentur.de/weiterbildungssuche/",
)


class Understanding(Protocol):
    """What the runtime needs from free-text understanding (``bot.understanding.Understander``)."""

    def match_option(self, text: str, choices: Mapping[str, Sequence[str]]) -> str | None: ...
    def extract_years(self, text: str) -> float | None: ...
    def extract_periods(self, text: str) -> Sequence[Any]: ...
    def find_place(self, text: str) -> Any: ...
    def foreign_language(self, text: str) -> str | None: ...
    def extract_workload(self, text: str) -> Any: ...
    def extract_occupation(self, text: str) -> str | None: ...
    def extract_country(self, text: str) -> str | None: ...
    def extract_employment(self, text: str) -> str | None: ...
    def analyse(self, text: str, *, language_hint: str | None = None) -> Any: ...


class Labels(Protocol):
    def __call__(self, language: str, message_id: str) -> str: ...


class Engine:
    """Runs the decision trees over one conversation state at a time."""

    def __init__(
        self,
        dialogs: DialogSet,
        knowledge: Knowledge,
        understanding: Understanding,
        labels: Labels,
        *,
        default_region: str | None = None,
        retention_days: int = 180,
        answers: AnswerSelector | None = None,
    ) -> None:
        missing = [key for key in RUNTIME_ENTRIES if key not in dialogs.nodes]
        if missing:
            raise ValueError(f"dialogs lack required nodes: {', '.join(missing)}")
        self.dialogs = dialogs
        self.knowledge = knowledge
        self.understanding = understanding
        self.answers = answers
        self.default_region = default_region
        self.retention_days = retention_days
        self._labels = labels
        self._names = {lang: language_name(lang) for lang in LANGUAGES}
        self._nav_words = {
            name.value: self._label_variants(label) for name, label in _NAV_LABELS.items()
        }
        self._nav_exact = {
            normalize(variant): CommandName(name)
            for name, variants in self._nav_words.items()
            for variant in variants
            if normalize(variant)
        }

    # -- public -----------------------------------------------------------------------------

    def handle(self, state: ConversationState, event: Event) -> tuple[ConversationState, Reply]:
        """Apply one event; the given state is not modified."""
        state = deepcopy(state)
        reply = Reply()
        match event:
            case Start():
                state = self._start(event)
                if event.silent:
                    self._goto(state, MENU, Reply())
                else:
                    self._goto(state, WELCOME if state.language else self.dialogs.entry, reply)
            case Command(name=name):
                self._command(state, name, reply)
            case Choice(option_id=option_id):
                self._choice(state, option_id, reply)
            case Text(text=text):
                self._text(state, text, reply)
            case Resume():
                self._goto(state, state.node or self.dialogs.entry, reply)
            case BookingFailed():
                # Given the state before the choice: an appointment there is still booked.
                state.slots.pop("slot_choice", None)
                reply.lines.append(Line(msg("handover.slot_taken")))
                self._goto(state, self._node_or_menu(_BOOKING), reply)
        state.turns += 1
        return state, reply

    def facts(self, state: ConversationState) -> Facts:
        # Outside the configured regions no regional body is known: general advice only.
        region = None if state.slots.get("place_outside") else state.region or self.default_region
        return Facts(
            self.knowledge,
            state.slots,
            region,
            self.retention_days,
            offer=state.offer,
            slot_offers=state.slot_offers,
            asked=tuple(str(text) for text, _topic in state.asked if text),
        )

    def is_command(self, text: str) -> bool:
        """Typed text the engine takes as a command: "/start", "Meine Daten", "Mein Termin"."""
        text = text.strip()
        if _SLASH.match(text):
            return True
        if self._exact_command(text) is not None:
            return True
        return bool(_MY_APPOINTMENT.search(normalize(text)))

    def own_words(self, state: ConversationState, text: str) -> bool:
        """Typed text that is the person's own question: no command, and not typed where a
        name, phone number, e-mail or other personal answer is asked for."""
        node = self.dialogs.nodes.get(state.node or "")
        personal = node is not None and node.input in _PERSONAL_INPUTS
        return bool(text.strip()) and not personal and not self.is_command(text)

    def option_labels(self, state: ConversationState) -> list[ReplyOption]:
        """The options of the current question, as they were shown."""
        if state.node is None:
            return []
        return self._options_for(state, self.dialogs.node(state.node))

    # -- events -----------------------------------------------------------------------------

    def _start(self, event: Start) -> ConversationState:
        state = ConversationState()
        tokens: list[str] = []
        # An occupation id may hold "_" ("tr-atlas-kaufmann_einzelhandel"): it is one "-" part.
        for part in re.split(r"[-\s]+", event.payload or ""):
            if part.lower() in self.knowledge.occupations and "occupation" not in state.slots:
                state.slots["occupation"] = part.lower()
            else:
                tokens += [t for t in part.split("_") if t]
        for token in tokens:
            lowered = token.lower()
            if lowered in LANGUAGES and state.language is None:
                state.language = lowered
            elif lowered in self.knowledge.regions and state.region is None:
                state.region = lowered
            elif state.source is None and re.fullmatch(r"[a-z0-9]{1,32}", lowered):
                state.source = lowered
        if state.language is None and event.language in LANGUAGES:
            state.language = event.language
        return state

    def _command(self, state: ConversationState, name: CommandName, reply: Reply) -> None:
        match name:
            case CommandName.HELP:
                reply.lines.append(Line(msg("main.help")))
                self._goto(state, state.node or MENU, reply)
            case CommandName.MENU:
                self._goto(state, MENU, reply)
            case CommandName.LANGUAGE:
                state.resume = state.node if state.node != LANGUAGE else None
                self._goto(state, LANGUAGE, reply)
            case CommandName.BACK:
                self._back(state, reply)
            case CommandName.RESTART:
                fresh = ConversationState(
                    language=state.language,
                    region=state.region,
                    source=state.source,
                    lead=state.lead,
                )
                state.__dict__.update(fresh.__dict__)
                self._goto(state, WELCOME if state.language else LANGUAGE, reply)
            case CommandName.HUMAN:
                self._goto(state, HANDOVER, reply)
            case CommandName.DELETE:
                state.resume = state.node
                self._goto(state, DELETE, reply)
            case CommandName.MYDATA:
                self._goto(state, MY_DATA, reply)
            case CommandName.APPOINTMENT:
                self._goto(state, self._node_or_menu(_APPOINTMENT), reply)

    def _node_or_menu(self, key: str) -> str:
        return key if key in self.dialogs.nodes else MENU

    def _back(self, state: ConversationState, reply: Reply) -> None:
        if not state.history:
            self._goto(state, state.node or MENU, reply)
            return
        previous = self.dialogs.node(state.history.pop())
        if previous.slot:
            state.slots.pop(previous.slot, None)
        self._ask(state, previous, reply)

    def _choice(self, state: ConversationState, option_id: str, reply: Reply) -> None:
        if option_id.startswith("nav:"):
            name = option_id.removeprefix("nav:")
            if name in CommandName.__members__.values():
                self._command(state, CommandName(name), reply)
                return
            if name in _APPOINTMENT_NAV:
                self._goto(state, self._node_or_menu(_APPOINTMENT_NAV[name]), reply)
                return
        node = self.dialogs.nodes.get(state.node or "")
        if node is None or option_id not in state.offered:
            # An old or forged button: say so and show where the person really is.
            reply.lines.append(Line(msg("main.stale_option")))
            self._goto(state, state.node or MENU, reply)
            return
        if option_id.startswith("topic:"):
            self._jump_to_intent(state, option_id.removeprefix("topic:"), {}, reply)
            return
        if option_id.startswith("answer:"):
            self._show_answer(state, option_id.removeprefix("answer:"), {}, reply)
            return
        if option_id == _RESUME:
            self._goto(state, node.key, reply)
            return
        if option_id.startswith("slot:") and node.options_from and node.slot:
            # Chosen, not yet booked: the tree may ask for a number or to confirm a move first.
            picked = {node.slot: option_id.removeprefix("slot:")}
            self._answer(state, node, picked, node.next, reply)
            return
        option = next((o for o in node.options if o.id == option_id), None)
        if node.multi and node.slot and (option is None or node.slot in option.set):
            # Several answers: a task or a set value is ticked or unticked; the question stays.
            value = option.set[node.slot] if option is not None else option_id.split(":", 1)[1]
            chosen = list(state.slots.get(node.slot) or [])
            chosen = [v for v in chosen if v != value] if value in chosen else [*chosen, value]
            state.slots[node.slot] = chosen
            self._stay(state, node, reply)
            return
        if option is None:
            reply.lines.append(Line(msg("main.stale_option")))
            self._goto(state, node.key, reply)
            return
        self._answer(state, node, dict(option.set), option.next or node.next, reply)

    def _text(self, state: ConversationState, text: str, reply: Reply) -> None:
        text = text.strip()
        if not text:
            self._goto(state, state.node or MENU, reply)
            return
        if (slash := _SLASH.match(text)) is not None:
            command = _SLASH_COMMANDS.get(slash.group(1).lower())
            if command is None:
                reply.lines.append(Line(msg("main.unknown_command")))
                self._goto(state, state.node or MENU, reply)
            else:
                self._command(state, command, reply)
            return
        node = self.dialogs.nodes.get(state.node or "")
        if node is None or node.input not in _PERSONAL_INPUTS:
            if _MY_APPOINTMENT.search(normalize(text)):
                # "Wann ist mein Termin?"; a button's own words ("Termin absagen") pick it.
                picked = self._picked_option(state, node, text)
                if picked is not None:
                    self._choice(state, picked, reply)
                else:
                    self._command(state, CommandName.APPOINTMENT, reply)
                return
            if self.understanding.foreign_language(text) is not None:
                # Say which languages Lotse speaks instead of guessing; the choice sets it.
                reply.lines.append(Line(msg("main.languages_spoken")))
                state.resume = state.node if state.node not in TOP_LEVEL else None
                self._goto(state, LANGUAGE, reply)
                return
            self._notice_place(state, text, reply)
        if is_question(text, state.language) and self._side_question(state, text, reply):
            return
        if (command := self._exact_command(text)) is not None:
            # "Meine Daten" is that command, not the closest option ("Meine Daten löschen").
            self._command(state, command, reply)
            return
        if node is not None and self._answer_text(state, node, text, reply):
            return
        command_match = self.understanding.match_option(text, self._nav_words)
        if command_match is not None:
            self._command(state, CommandName(command_match), reply)
            return
        # "12" at the phone question is a mistyped number, not a topic: its own help follows.
        typing_contact = node is not None and node.input in _CONTACT_INPUTS
        if not (typing_contact and not is_question(text, state.language)) and self._free_text(
            state, text, reply
        ):
            return
        state.misses += 1
        if not any(line.ref == msg("main.place_outside") for line in reply.lines):
            reply.lines.append(
                Line(node.fallback if node and node.fallback else msg("main.not_understood"))
            )
        self._goto(state, state.node or MENU, reply)

    # -- answering ----------------------------------------------------------------------------

    def _answer_text(self, state: ConversationState, node: Node, text: str, reply: Reply) -> bool:
        """Read typed text as an answer to the current question, if it is one.

        At a question that wants a number, a typed "2" is that number, not the second button.
        """
        if node.input in (InputKind.YEARS, InputKind.WORKLOAD) and self._typed_value(
            state, node, text, reply
        ):
            return True
        choices = {o.id: self._label_variants(o.label) for o in self._options_for(state, node)}
        chosen = self.understanding.match_option(text, choices)
        if chosen is not None:
            self._choice(state, chosen, reply)
            return True
        return self._typed_value(state, node, text, reply)

    def _picked_option(self, state: ConversationState, node: Node | None, text: str) -> str | None:
        """The current question's option the text names, if any."""
        if node is None:
            return None
        choices = {o.id: self._label_variants(o.label) for o in self._options_for(state, node)}
        return self.understanding.match_option(text, choices)

    def _exact_command(self, text: str) -> CommandName | None:
        return self._nav_exact.get(normalize(text))

    def _typed_value(self, state: ConversationState, node: Node, text: str, reply: Reply) -> bool:
        if node.input is None or node.slot is None:
            return False
        value = self._parse(node.input, text)
        if value is None and node.input == InputKind.WORKLOAD:
            if self._work_facts(text).get("part_time"):
                # "Teilzeit" without hours: the tree asks for the hours next.
                self._answer(state, node, {"part_time": True}, node.next, reply)
                return True
            return False
        if value is None:
            return False
        if node.multi:
            # Typed beside the list ("Staplerschein"): kept as its own text; the question stays.
            key = f"{node.slot}_text"
            state.slots[key] = "; ".join(filter(None, (state.slots.get(key), str(value))))
            self._stay(state, node, reply)
            return True
        values = {node.slot: value}
        if node.input in (InputKind.YEARS, InputKind.WORKLOAD):
            # "3 in der Türkei, 2 hier, halbtags": keep how it was counted and the workload.
            details = self._work_facts(text)
            values |= {k: v for k, v in details.items() if k != "years"}
            if node.input == InputKind.WORKLOAD:
                values[node.slot] = value
        self._answer(state, node, values, node.next, reply)
        return True

    def _parse(self, kind: InputKind, text: str) -> Any:
        u = self.understanding
        match kind:
            case InputKind.YEARS:
                years = u.extract_years(text)
                return years if years is not None and 0 <= years <= 60 else None
            case InputKind.WORKLOAD:
                workload = u.extract_workload(text)
                share = getattr(workload, "share", None)
                if share is None and text.strip().replace(",", ".").replace(".", "", 1).isdigit():
                    share = float(text.strip().replace(",", ".")) / _FULL_WEEK_HOURS
                return round(min(share, 1.0), 3) if share is not None and share > 0 else None
            case InputKind.OCCUPATION:
                return u.extract_occupation(text)
            case InputKind.COUNTRY:
                return u.extract_country(text)
            case InputKind.EMPLOYMENT:
                return u.extract_employment(text)
            case InputKind.NAME:
                return parse_name(text)
            case InputKind.PHONE:
                return parse_phone(text)
            case InputKind.EMAIL:
                return parse_email(text)
            case InputKind.TEXT:
                cleaned = " ".join(text.split())[:_MAX_TEXT]
                return cleaned if any(ch.isalnum() for ch in cleaned) else None
            case InputKind.PERIOD:
                return parse_period(text, this_year=_LATEST_YEAR)

    def _answer(
        self,
        state: ConversationState,
        node: Node,
        values: dict[str, Any],
        next_key: str | None,
        reply: Reply,
    ) -> None:
        language = values.pop("language", None)
        if language in LANGUAGES:
            state.language = str(language)
        if "consent" in values and values["consent"] != state.slots.get("consent"):
            reply.effects.append(ConsentGiven(str(values["consent"])))
        kompass = values.get("kompass_consent")
        if kompass is not None and kompass != state.slots.get("kompass_consent"):
            reply.effects.append(ConsentGiven(f"kompass.{kompass}"))
        state.slots.update(values)
        state.history.append(node.key)
        state.misses = 0
        if node.key == LANGUAGE and state.resume:
            next_key, state.resume = state.resume, None
        self._goto(state, next_key or MENU, reply)

    def _notice_place(self, state: ConversationState, text: str, reply: Reply) -> None:
        """A place outside the configured regions: say so once, never name another's bodies."""
        place = self.understanding.find_place(text)
        if place is None:
            return
        if place.region is not None:
            state.slots.pop("place_outside", None)
            if state.region is None:
                state.region = place.region
            return
        if state.slots.get("place_outside") != place.name:
            state.slots["place_outside"] = place.name
            names = ", ".join(r.name for r in self.knowledge.regions.values())
            reply.lines.append(
                Line(msg("main.place_outside"), {"place": place.name, "regions": names})
            )

    # -- question-level answers ------------------------------------------------------------------

    def _match_answer(self, text: str) -> AnswerMatch:
        if self.answers is None:
            return AnswerMatch.none()
        u = self.understanding
        occupation = self.knowledge.occupations.get(str(u.extract_occupation(text)))
        if occupation is not None and u.extract_years(text) is not None:
            # "8 Jahre Koch, …": the years are a fact, not a question about age; and a job
            # the chambers examine is no question about the care professions.
            # "… 6 лет на полную ставку": a full-time week is a fact, not a part-time question.
            workload = u.extract_workload(text)
            full_time = workload is not None and (workload.share or 0) >= 1
            match = self.answers.select(
                _without_occupation(_without_durations(text), occupation),
                exclude=_PART_TIME_ANSWERS if full_time else frozenset(),
            )
            if match.answer in _CARE_ANSWERS and occupation.chamber != ChamberType.STATE:
                return AnswerMatch.none()
            if match.confidence < _OWN_CASE_CONFIDENCE:
                # What is left ("ne yapmalıyım?") is vague; the result of their case answers it.
                return AnswerMatch.none()
            return match
        match = self.answers.select(text)
        if (
            match.decision == Decision.ANSWER
            and len(text.split()) <= _BRIEF_WORDS
            and match.confidence < _BRIEF_CONFIDENCE
        ):
            # "Kosten?" could be the exam, the recognition or a course: ask which.
            return AnswerMatch(Decision.UNSURE, None, match.confidence, match.candidates)
        return match

    def _side_question(self, state: ConversationState, text: str, reply: Reply) -> bool:
        """A question with a confident answer is answered wherever the person is."""
        match = self._match_answer(text)
        if match.decision != Decision.ANSWER or match.answer is None:
            return False
        facts = self._stated_facts(text)
        if "years" not in facts:
            # "Zählt Teilzeit?" asks about part-time; it says nothing about the person's own
            # week. "6 Jahre Vollzeit" does.
            facts = {k: v for k, v in facts.items() if k not in _WORKLOAD_FACTS}
        self._show_answer(state, match.answer, facts, reply)
        return True

    def _stated_facts(self, text: str) -> dict[str, Any]:
        """Every fact of a person's case that one message states."""
        u = self.understanding
        found = {
            "occupation": u.extract_occupation(text),
            "country": u.extract_country(text),
            "employment": u.extract_employment(text),
        }
        facts = {k: v for k, v in found.items() if v is not None}
        return facts | self._work_facts(text)

    def _work_facts(self, text: str) -> dict[str, Any]:
        """Years (added up over periods), how they were counted, and the workload if stated.

        Years without a word on the workload leave it open, so the tree asks instead of
        assuming full time; "Teilzeit" without hours asks for the hours.
        """
        u = self.understanding
        facts: dict[str, Any] = {}
        years = u.extract_years(text)
        if years is not None and 0 < years <= 60:
            facts["years"] = years
            periods = list(u.extract_periods(text))
            if len(periods) > 1:
                facts["periods"] = [[p.years, p.country] for p in periods]
        workload = u.extract_workload(text)
        if workload is not None:
            if workload.share is not None:
                facts["workload"] = round(min(float(workload.share), 1.0), 3)
            else:
                facts["part_time"] = True
            if workload.hours is not None:
                facts["hours"] = float(workload.hours)
        return facts

    def _show_answer(
        self, state: ConversationState, answer_id: str, facts: dict[str, Any], reply: Reply
    ) -> None:
        """The answer first; then the pending question again, or the next step it offers."""
        entry = self.knowledge.answers[answer_id]
        # The facts of this very message already count: a dental assistant hears of her chamber.
        stated = replace(self.facts(state), slots={**state.slots, **facts})
        reply.lines.append(Line(f"answer:{answer_id}", stated.office_params()))
        reply.answer = reply.answer or answer_id
        if answer_id in COURSE_ANSWERS:
            reply.lines += self._courses(stated, COURSE_ANSWERS[answer_id], reply)
        state.misses = 0
        pending = state.node if state.node and state.node not in TOP_LEVEL else None
        if pending is not None:
            # A side question: nothing changes, the pending question is asked again.
            self._goto(state, pending, reply)
            return
        state.slots.update(facts)
        offer = entry.offer
        if facts and offer != AnswerNext.HANDOVER and offer in self.dialogs.dialogs:
            # Facts and a question in one message: after the answer, their case goes on.
            self._goto(state, self.dialogs.dialogs[offer].start_key, reply)
            return
        if offer == AnswerNext.MY_DATA:
            self._goto(state, MY_DATA, reply)  # "what do you store?": here is what is stored
            return
        state.offer = offer
        # Without a tree to check the case in, the offer is a counsellor or another question.
        self._goto(state, AFTER_RESULT if offer == AnswerNext.HANDOVER else AFTER_ANSWER, reply)

    def _did_you_mean_answers(
        self, state: ConversationState, match: AnswerMatch, reply: Reply
    ) -> bool:
        guesses = [a for a, _ in match.candidates if a in self.knowledge.answers]
        if not guesses:
            return False
        state.misses += 1
        reply.lines.append(Line(msg("main.did_you_mean")))
        options = [ReplyOption(f"answer:{a}", f"question:{a}") for a in guesses]
        if state.node and state.node not in TOP_LEVEL:
            options.append(ReplyOption(_RESUME, msg("main.opt_continue")))  # back to the step
        options += [ReplyOption("nav:menu", "nav.menu"), ReplyOption("nav:human", "nav.human")]
        self._offer(state, options, reply)
        return True

    def _free_text(self, state: ConversationState, text: str, reply: Reply) -> bool:
        """Answer the question a message asks, or jump to the topic it names, keeping its slots."""
        analysis = self.understanding.analyse(text, language_hint=state.language)
        intent = getattr(analysis, "intent", None)
        slots = {k: v for k, v in dict(getattr(analysis, "slots", {}) or {}).items() if k in SLOTS}
        slots |= self._work_facts(text) if slots else {}  # the rest came with the analysis
        if intent == "counselling" and not is_question(text, state.language):
            self._goto(state, HANDOVER, reply)  # "ich möchte Beratung": a person, not a text
            return True
        if intent != "greeting":
            match = self._match_answer(text)
            # A bare statement of facts ("seit 5 Jahren Koch") goes into the tree instead.
            if match.decision == Decision.ANSWER and match.answer and not slots:
                self._show_answer(state, match.answer, {}, reply)
                return True
            at_top = state.node is None or state.node in TOP_LEVEL
            # "8 Jahre Lagerarbeiter, was muss ich tun?": their case answers it, not a guess.
            own_case = {"years", "occupation"} <= slots.keys()
            # Inside a tree, a word that is no answer gets the question's own help instead.
            if (
                match.decision == Decision.UNSURE
                and not own_case
                and (is_question(text, state.language) or (intent is None and at_top))
            ):
                return self._did_you_mean_answers(state, match, reply)
        if {"years", "occupation"} <= slots.keys() and (
            not is_question(text, state.language) or intent not in self.knowledge.topics
        ):
            intent = "external_exam"  # years of work in an occupation: check the exam route
        if intent is None or intent not in self.knowledge.topics:
            guesses = [
                i
                for i, score in getattr(analysis, "candidates", ())[:3]
                if i in self.knowledge.topics and score >= _GUESS_FLOOR
            ]
            if not guesses:
                return False
            state.misses += 1
            reply.lines.append(Line(msg("main.did_you_mean")))
            guessed = [ReplyOption(f"topic:{i}", f"title:{i}") for i in guesses]
            navigation = [
                ReplyOption("nav:menu", "nav.menu"),
                ReplyOption("nav:human", "nav.human"),
            ]
            self._offer(state, guessed + navigation, reply)
            return True
        self._jump_to_intent(state, intent, slots, reply)
        return True

    def _jump_to_intent(
        self, state: ConversationState, intent: str, slots: dict[str, Any], reply: Reply
    ) -> None:
        state.slots.update(slots)
        state.misses = 0
        topic = self.knowledge.topics[intent]
        if intent == "greeting":
            self._goto(state, WELCOME, reply)
        elif intent == "counselling":
            self._goto(state, HANDOVER, reply)
        elif topic.dialog and topic.dialog in self.dialogs.dialogs:
            self._goto(state, self.dialogs.dialogs[topic.dialog].start_key, reply)
        else:
            reply.lines.append(Line(f"topic:{intent}"))
            state.outcome = f"topic:{intent}"
            self._goto(state, AFTER_RESULT, reply)

    # -- walking the tree -----------------------------------------------------------------------

    def _goto(self, state: ConversationState, key: str, reply: Reply) -> None:
        """Walk from ``key`` through messages and branches until a question waits."""
        for _ in range(_MAX_STEPS):
            node = self.dialogs.node(key)
            params = self.facts(state).params()
            if node.result:
                state.outcome = node.key
            match node.kind:
                case NodeKind.QUESTION:
                    if (skip_to := self._already_answered(state, node)) is not None:
                        key = skip_to
                        continue
                    self._ask(state, node, reply)
                    return
                case NodeKind.BRANCH:
                    facts = self.facts(state)
                    key = next(
                        (c.next for c in node.cases if CONDITIONS[c.when](facts)),
                        node.otherwise or MENU,
                    )
                    continue
                case NodeKind.HANDOVER:
                    reply.effects.append(HandoverRequested(self._handover_facts(state)))
                case NodeKind.ACTION:
                    self._act(state, node, reply)
                    params = self.facts(state).params()
            reply.lines += self._say(state, node.say, params, reply)
            key = node.next or MENU
        raise RuntimeError(f"dialog walk did not reach a question from {key}")

    def _act(self, state: ConversationState, node: Node, reply: Reply) -> None:
        match node.action:
            case "delete_data":
                reply.effects.append(DataDeletionRequested())
                fresh = ConversationState(language=state.language, region=state.region)
                state.__dict__.update(fresh.__dict__)
            case "cancel_appointment":
                reply.effects.append(AppointmentCancelled())
                for name in APPOINTMENT_SLOTS:
                    state.slots.pop(name, None)
            case "book":
                # The chosen slot becomes the appointment; the service books it or says it is gone.
                chosen = self.facts(state).chosen_slot
                slot_id = str(state.slots.pop("slot_choice", ""))
                if chosen is not None and slot_id.isdigit():
                    reply.effects.append(BookingRequested(int(slot_id)))
                    meeting = Meeting(chosen["mode"], chosen.get("place"), chosen.get("with", ""))
                    state.slots.update(appointment_slots(chosen["starts"], meeting))
            case "forget_choice":
                state.slots.pop("slot_choice", None)
            case "request_callback":
                reply.effects.append(CallbackRequested())
            case "collect" if node.slot:
                # One round of an "add another" loop: its answers become one entry of the list.
                entry = {
                    name: state.slots.pop(name) for name in node.collect if name in state.slots
                }
                if entry:
                    state.slots[node.slot] = [*(state.slots.get(node.slot) or []), entry]
            case "copy":
                # What the person already said fills the same question here (never asked twice).
                for pair in node.collect:
                    target, _, source = pair.partition("=")
                    if target not in state.slots and state.slots.get(source) is not None:
                        state.slots[target] = state.slots[source]
            case "kompass_done":
                # The Kom-Pass goes with the lead, so the region's counsellors see it (consented).
                state.slots["kompass"] = state.turns
                reply.effects += [
                    HandoverRequested(self._handover_facts(state)),
                    KompassCompleted(),
                ]

    def _already_answered(self, state: ConversationState, node: Node) -> str | None:
        if node.slot is None or node.slot not in state.slots:
            return None
        value = state.slots[node.slot]
        for option in node.options:
            if option.set.get(node.slot) == value:
                return option.next or node.next
        return node.next if node.input is not None or node.options_from else None

    def _ask(self, state: ConversationState, node: Node, reply: Reply) -> None:
        state.node = node.key
        if node.ask:
            reply.lines.append(Line(node.ask, self.facts(state).params()))
        self._offer(state, self._options_for(state, node), reply)
        if node.options_from:
            reply.effects.append(OptionsWanted(node.options_from))

    def _stay(self, state: ConversationState, node: Node, reply: Reply) -> None:
        """A question with several answers after one of them: noted, the choice goes on."""
        state.misses = 0
        state.node = node.key
        reply.lines.append(Line(msg("main.multi_noted")))
        self._offer(state, self._options_for(state, node), reply)

    def _offer(self, state: ConversationState, options: list[ReplyOption], reply: Reply) -> None:
        reply.options = options
        state.offered = [o.id for o in options if not o.id.startswith("nav:")]

    def _options_for(self, state: ConversationState, node: Node) -> list[ReplyOption]:
        facts = self.facts(state)
        chosen = state.slots.get(node.slot or "") if node.multi else None
        picked = set(chosen) if isinstance(chosen, list) else set()
        options = [
            ReplyOption(o.id, o.label, selected=o.set.get(node.slot or "") in picked)
            for o in node.options
            if o.when is None or CONDITIONS[o.when](facts)
        ]
        if node.options_from == "occupation_tasks":
            occupation = str(state.slots.get("period_occupation"))
            tasks = self.knowledge.tasks.get(occupation)
            options[:0] = [
                ReplyOption(f"task:{t.id}", f"task:{occupation}.{t.id}", selected=t.id in picked)
                for t in (tasks.items if tasks else ())
            ]
        navigation = []
        if state.misses >= _MISSES_BEFORE_HUMAN and node.key not in (HANDOVER, AFTER_RESULT):
            navigation.append(ReplyOption("nav:human", "nav.human"))
        if state.history and node.key not in (MENU, LANGUAGE, AFTER_RESULT):
            navigation.append(ReplyOption("nav:back", "nav.back"))
        if node.key not in (MENU, LANGUAGE, AFTER_RESULT):
            navigation.append(ReplyOption("nav:menu", "nav.menu"))
        # A node that offers "menu" or "counsellor" itself needs no second button for it.
        labels = {o.label for o in options}
        return options + [o for o in navigation if o.label not in labels]

    def _say(
        self,
        state: ConversationState,
        refs: Sequence[str],
        params: Mapping[str, object],
        reply: Reply,
    ) -> list[Line]:
        lines: list[Line] = []
        for ref in refs:
            if ref == FUNDING_MATCHING:
                lines += [Line(f"funding:{p.id}") for p in self.facts(state).funding()]
            elif ref == COURSES_MATCHING:
                lines += self._courses(self.facts(state), EXAM_COURSE_KINDS, reply)
            else:
                lines.append(Line(ref, params))
        return lines

    def _courses(self, facts: Facts, kinds: tuple[str, ...], reply: Reply) -> list[Line]:
        """Courses for the person's occupation near them: asked of the service, which knows the
        catalogue; until it answers, "none known" with the official course search."""
        occupation = facts.occupation
        if occupation is None or not facts.has_chamber_exam:
            return []
        reply.effects.append(CoursesWanted(occupation.id, facts.region_id, kinds))
        return [Line(COURSES_NONE, {"occupation": Ref(f"occupation:{occupation.id}")},
                     links=(OFFICIAL_COURSE_SEARCH,))]  # fmt: skip

    def _handover_facts(self, state: ConversationState) -> dict[str, Any]:
        facts = self.facts(state)
        exam = facts.exam
        return {
            "language": state.language,
            "region": state.region or self.default_region,
            "source": state.source,
            "outcome": state.outcome,
            "slots": dict(state.slots),
            "questions": list(state.history),
            "exam": None
            if exam is None
            else {
                "needed": str(exam.needed),
                "worked": str(exam.worked),
                "missing": str(exam.missing),
            },
        }

    def _label_variants(self, label: str) -> list[str]:
        """A label in every language, so a typed answer matches whatever language it is in."""
        if is_reference(label):
            return [reference_text(label, self.knowledge, lang, self._names) for lang in LANGUAGES]
        return [self._labels(lang, label) for lang in LANGUAGES]


_DURATION = re.compile(
    r"\b\d+(?:[.,]\d+)?\s*(?:jahren?|jahre|jahr|j\.|yıldır|yildir|yıl|yil|senedir|sene|"
    r"лет|года|год|goda|god|let)\b",
    re.IGNORECASE,
)


def _without_occupation(text: str, occupation: Occupation) -> str:
    """The question without the job it names: "Zahnmedizinische Fachangestellte" is a fact too."""
    names = [*occupation.name.de.split("/"), *occupation.titles.all()]
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(re.escape(name), " ", text, flags=re.IGNORECASE)
    return text


def _without_durations(text: str) -> str:
    """The question without "8 Jahre", "6 yıldır", "5 лет": the years are a fact, not a topic."""
    return _DURATION.sub(" ", text)
