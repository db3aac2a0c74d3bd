"""Typed decision trees: dialogs made of small named nodes, each knowing its file and line.

Node kinds (exactly one of ``say``-only, ``ask``, ``branch``, ``handover``, ``action``):
- message: ``say`` lines, then ``next``;
- question: ``ask`` with ``options`` and/or ``input`` filling ``slot``, a ``fallback`` message;
- branch: ``branch`` cases with named conditions, then ``else``;
- handover: records a handover request for a counsellor, says ``say``, then ``next``;
- action: a named side effect (``delete_data``, ``collect``, ``copy``), then ``next``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# Nodes the runtime enters by itself (commands, results); they count as reachable.
MENU = "main.menu"
MY_DATA = "main.my_data"
LANGUAGE = "main.language"
WELCOME = "main.welcome"
HANDOVER = "main.handover"
DELETE = "main.delete_confirm"
AFTER_RESULT = "main.after_result"
AFTER_ANSWER = "main.after_answer"
RUNTIME_ENTRIES = (MENU, LANGUAGE, WELCOME, HANDOVER, DELETE, AFTER_RESULT, AFTER_ANSWER, MY_DATA)
# Questions that wait for no fact: a side question there is simply the next question.
TOP_LEVEL = frozenset({MENU, LANGUAGE, WELCOME, AFTER_RESULT, AFTER_ANSWER, "main.after_handover"})


class NodeKind(StrEnum):
    MESSAGE = "message"
    QUESTION = "question"
    BRANCH = "branch"
    HANDOVER = "handover"
    ACTION = "action"


class InputKind(StrEnum):
    """What a typed answer to a question is parsed as."""

    YEARS = "years"
    WORKLOAD = "workload"  # hours per week, or words such as "Vollzeit", "halbtags"
    OCCUPATION = "occupation"
    COUNTRY = "country"
    EMPLOYMENT = "employment"
    NAME = "name"
    PHONE = "phone"
    EMAIL = "email"
    TEXT = "text"  # any short text, kept as typed (a task not in the list, a certificate)
    PERIOD = "period"  # from-to: "2015-2019", "03/2016 bis 05/2018", "seit 2020"


@dataclass(frozen=True)
class Location:
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Option:
    id: str
    label: str  # a message id, or a knowledge reference such as "occupation:koch"
    next: str | None
    set: dict[str, str | float] = field(default_factory=dict)
    location: Location | None = None
    when: str | None = None  # shown only when this condition holds


@dataclass(frozen=True)
class Case:
    when: str  # a condition name registered in bot.engine.conditions
    next: str
    location: Location | None = None


@dataclass(frozen=True)
class Node:
    dialog: str
    id: str
    kind: NodeKind
    location: Location
    say: tuple[str, ...] = ()
    ask: str | None = None
    options: tuple[Option, ...] = ()
    input: InputKind | None = None
    slot: str | None = None
    fallback: str | None = None
    next: str | None = None
    cases: tuple[Case, ...] = ()
    otherwise: str | None = None
    action: str | None = None
    result: bool = False  # a result node: offers a counsellor and is remembered as the outcome
    options_from: str | None = None  # options added at run time (free appointments, tasks)
    # Several answers: each option with ``set`` toggles its value in the list ``slot``, the
    # question stays until an option with ``next`` (or typed text with ``input: text``).
    multi: bool = False
    # ``action: collect``: these slots move as one entry into the list ``slot`` (a loop of
    # "add another"); ``action: copy``: ``target=source`` pairs fill what is already known.
    collect: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.dialog}.{self.id}"

    def targets(self) -> list[tuple[str, Location]]:
        """Every node reference this node makes, with where it is made."""
        refs: list[tuple[str, Location]] = []
        if self.next:
            refs.append((self.next, self.location))
        if self.otherwise:
            refs.append((self.otherwise, self.location))
        refs += [(c.next, c.location or self.location) for c in self.cases]
        refs += [(o.next, o.location or self.location) for o in self.options if o.next]
        return refs


@dataclass(frozen=True)
class Dialog:
    id: str
    start: str
    nodes: dict[str, Node]
    location: Location

    @property
    def start_key(self) -> str:
        return f"{self.id}.{self.start}"


@dataclass(frozen=True)
class DialogSet:
    """All dialogs, resolved: node references are fully qualified ``dialog.node`` keys."""

    dialogs: dict[str, Dialog]
    nodes: dict[str, Node]
    entry: str  # the key of the first node of a new conversation

    def node(self, key: str) -> Node:
        return self.nodes[key]
