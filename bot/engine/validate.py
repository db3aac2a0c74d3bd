"""Semantic checks on dialogs: structure at load time, content references against catalogs."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from bot.content import Knowledge
from bot.engine.errors import (
    DialogError,
    DialogSchemaError,
    LoopWithoutQuestionError,
    MissingElseError,
    MissingFallbackError,
    UnknownActionError,
    UnknownConditionError,
    UnknownKnowledgeError,
    UnknownMessageError,
    UnknownSlotError,
    UnreachableNodeError,
)
from bot.engine.facts import CONDITIONS, SETTABLE
from bot.engine.model import RUNTIME_ENTRIES, DialogSet, Location, Node, NodeKind
from bot.engine.refs import is_reference, reference_exists

ACTIONS: frozenset[str] = frozenset(
    {"delete_data", "cancel_appointment", "request_callback", "collect", "copy", "kompass_done",
     "book", "forget_choice"}
)  # fmt: skip
OPTION_SOURCES: frozenset[str] = frozenset({"free_slots", "occupation_tasks"})


def structure_errors(dialogs: DialogSet) -> Iterator[DialogError]:
    """Every structural problem, in file order."""
    for key in RUNTIME_ENTRIES:
        if key not in dialogs.nodes:
            yield DialogError(dialogs.dialogs["main"].location, f"required node '{key}' is missing")
    for node in dialogs.nodes.values():
        yield from _node_errors(node)
    yield from _silent_loops(dialogs)
    reachable = _reachable(dialogs)
    for key, node in dialogs.nodes.items():
        if key not in reachable:
            yield UnreachableNodeError(node.location, key)


def validate_structure(dialogs: DialogSet) -> None:
    """Raise the first structural problem."""
    for error in structure_errors(dialogs):
        raise error


def _node_errors(node: Node) -> Iterator[DialogError]:
    if node.kind == NodeKind.QUESTION and not node.fallback:
        yield MissingFallbackError(node.location, node.key)
    if node.kind == NodeKind.BRANCH and not node.otherwise:
        yield MissingElseError(node.location, node.key)
    for case in node.cases:
        if case.when not in CONDITIONS:
            yield UnknownConditionError(case.location or node.location, node.key, case.when)
    if node.kind == NodeKind.ACTION and node.action not in ACTIONS:
        yield UnknownActionError(node.location, node.key, str(node.action))
    if node.slot is not None and (node.slot not in SETTABLE or node.slot == "language"):
        yield UnknownSlotError(node.location, node.key, node.slot)
    for option in node.options:
        for name in option.set:
            if name not in SETTABLE:
                yield UnknownSlotError(option.location or node.location, node.key, name)
        if option.when is not None and option.when not in CONDITIONS:
            yield UnknownConditionError(option.location or node.location, node.key, option.when)
    if node.options_from is not None and node.options_from not in OPTION_SOURCES:
        yield DialogSchemaError(
            node.location, f"{node.key}: unknown options_from '{node.options_from}'"
        )
    if node.kind == NodeKind.QUESTION and not node.next and any(not o.next for o in node.options):
        yield DialogError(node.location, f"{node.key}: an option has no 'next' and the node none")
    if node.action in ("collect", "copy") and not node.collect:
        yield DialogError(node.location, f"{node.key}: '{node.action}' needs 'collect'")
    if node.action == "collect" and node.slot is None:
        yield DialogError(node.location, f"{node.key}: 'collect' needs the list 'slot'")
    for name in node.collect:
        for part in name.split("="):
            if part not in SETTABLE:
                yield UnknownSlotError(node.location, node.key, part)
    if node.multi and (node.kind != NodeKind.QUESTION or node.slot is None):
        yield DialogError(node.location, f"{node.key}: 'multi' needs a question with a 'slot'")
    if node.kind in (NodeKind.MESSAGE, NodeKind.HANDOVER, NodeKind.ACTION) and not node.next:
        yield DialogError(node.location, f"{node.key}: needs 'next'")


def _reachable(dialogs: DialogSet) -> set[str]:
    # Every dialog's start is reachable: the menu and free-text jumps enter dialogs there.
    todo = [dialogs.entry, *(d.start_key for d in dialogs.dialogs.values())]
    todo += [key for key in RUNTIME_ENTRIES if key in dialogs.nodes]
    seen: set[str] = set()
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        todo += [target for target, _ in dialogs.nodes[key].targets()]
    return seen


def _silent_loops(dialogs: DialogSet) -> Iterator[DialogError]:
    """A cycle of nodes that never ask would spin forever at run time."""
    for key, node in dialogs.nodes.items():
        if node.kind == NodeKind.QUESTION:
            continue
        stack, seen = [t for t, _ in node.targets()], set()
        while stack:
            current = stack.pop()
            if current == key:
                yield LoopWithoutQuestionError(node.location, key)
                break
            if current in seen or dialogs.nodes[current].kind == NodeKind.QUESTION:
                continue
            seen.add(current)
            stack += [t for t, _ in dialogs.nodes[current].targets()]


def message_refs(node: Node) -> Iterator[tuple[str, Location]]:
    """Every message id or knowledge reference a node shows."""
    for text in (*node.say, node.ask, node.fallback):
        if text:
            yield text, node.location
    for option in node.options:
        yield option.label, option.location or node.location


def content_errors(
    dialogs: DialogSet,
    knowledge: Knowledge,
    has_message: Callable[[str, str], bool],
    languages: tuple[str, ...],
) -> Iterator[DialogError]:
    """Message ids missing from a catalog, knowledge references that do not exist."""
    for node in dialogs.nodes.values():
        for text, where in message_refs(node):
            if is_reference(text):
                if not reference_exists(text, knowledge):
                    yield UnknownKnowledgeError(where, node.key, text)
                continue
            for language in languages:
                if not has_message(language, text):
                    yield UnknownMessageError(where, node.key, text, language)
        for option in node.options:
            ref = option.set.get("occupation")
            if ref is not None and str(ref) not in knowledge.occupations:
                yield UnknownKnowledgeError(
                    option.location or node.location, node.key, f"occupation:{ref}"
                )
            code = option.set.get("country")
            if code is not None and str(code) not in knowledge.countries:
                yield UnknownKnowledgeError(
                    option.location or node.location, node.key, f"country:{code}"
                )
