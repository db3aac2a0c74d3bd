"""What adapters send into the engine and what it gives back: channel-agnostic values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class CommandName(StrEnum):
    APPOINTMENT = "appointment"
    HELP = "help"
    MENU = "menu"
    LANGUAGE = "language"
    BACK = "back"
    RESTART = "restart"
    HUMAN = "human"
    DELETE = "delete"
    MYDATA = "mydata"


@dataclass(frozen=True)
class Start:
    """A new conversation, maybe from a deep link (``tr-dortmund-flyer``) or a language hint."""

    payload: str | None = None
    language: str | None = None
    # The first message is already a question: skip the welcome and answer it right away.
    silent: bool = False


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Choice:
    option_id: str


@dataclass(frozen=True)
class Command:
    name: CommandName


@dataclass(frozen=True)
class Resume:
    """Show the current question again (after a reconnect or a language switch)."""


@dataclass(frozen=True)
class BookingFailed:
    """The chosen appointment was taken a moment ago; offer the others."""


Event = Start | Text | Choice | Command | Resume | BookingFailed


@dataclass(frozen=True)
class Line:
    """One message to show: a message id or knowledge reference, with its parameters."""

    ref: str
    params: Mapping[str, object] = field(default_factory=dict)
    # (title, https url) from the database (a course's own page), never from user input.
    links: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ReplyOption:
    id: str
    label: str  # message id or knowledge reference
    params: Mapping[str, object] = field(default_factory=dict)
    selected: bool = False  # ticked at a question with several answers


@dataclass(frozen=True)
class HandoverRequested:
    """The person asked for a counsellor; ``facts`` holds the case, never contact data."""

    facts: Mapping[str, Any]


@dataclass(frozen=True)
class DataDeletionRequested:
    """The person confirmed that everything stored about them must be deleted."""


@dataclass(frozen=True)
class ConsentGiven:
    version: str


@dataclass(frozen=True)
class OptionsWanted:
    """The current question needs options only the service knows (``free_slots``)."""

    source: str


@dataclass(frozen=True)
class CoursesWanted:
    """Courses from the catalogue fit here; the service replaces the ``none known`` line."""

    occupation: str
    region: str | None
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class KompassCompleted:
    """The Kom-Pass is complete: the service makes the PDF and keeps it (after consent)."""


@dataclass(frozen=True)
class BookingRequested:
    slot_id: int


@dataclass(frozen=True)
class AppointmentCancelled:
    """The person cancelled their appointment (to rebook or for good)."""


@dataclass(frozen=True)
class CallbackRequested:
    """The person prefers a call-back to a fixed appointment."""


Effect = (
    HandoverRequested
    | DataDeletionRequested
    | ConsentGiven
    | OptionsWanted
    | CoursesWanted
    | BookingRequested
    | AppointmentCancelled
    | CallbackRequested
    | KompassCompleted
)


@dataclass
class Reply:
    lines: list[Line] = field(default_factory=list)
    options: list[ReplyOption] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    answer: str | None = None  # the answer entry shown first, if any


@dataclass
class ConversationState:
    """Everything needed to resume a conversation exactly where it was; stored as JSON."""

    language: str | None = None
    region: str | None = None
    source: str | None = None
    node: str | None = None  # the question waiting for an answer
    slots: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)  # questions answered, for "back"
    offered: list[str] = field(default_factory=list)  # option ids shown with the question
    misses: int = 0
    outcome: str | None = None  # the last result node reached
    resume: str | None = None  # where to go on after choosing a language mid-way
    # Offered slot id -> {"starts": ISO start, "mode", "place", "with": counsellor's first name}.
    slot_offers: dict[str, dict[str, str]] = field(default_factory=dict)
    turns: int = 0  # events handled; binds buttons to the turn they were shown in
    offer: str | None = None  # after an answer: the tree (or "handover") to offer next
    # A lead exists, so a counsellor may write (``bot.thread``); a restart keeps it.
    lead: bool = False
    # The person's own typed questions as [text, topic], the latest last (bounded; see
    # ``bot.thread.words``): here only until consent, then copied to the lead.
    asked: list[list[str | None]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ConversationState:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)
