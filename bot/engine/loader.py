"""Parse ``dialogs/*.yaml`` into a resolved, structurally validated ``DialogSet``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.engine.errors import DialogSchemaError, DuplicateIdError, UnresolvedNodeError
from bot.engine.model import Case, Dialog, DialogSet, InputKind, Location, Node, NodeKind, Option
from bot.engine.validate import validate_structure
from bot.yamlio import line_of, load_yaml

ENTRY_DIALOG = "main"
_NODE_KEYS = {
    "id", "say", "ask", "options", "input", "slot", "fallback", "next", "branch", "else",
    "handover", "action", "result", "options_from", "multi", "collect",
}  # fmt: skip
_OPTION_KEYS = {"id", "label", "next", "set", "when"}


def load_dialogs(folder: Path, *, validate: bool = True) -> DialogSet:
    """Load every dialog file, resolve references and (unless told not to) check the structure."""
    raw: dict[str, Dialog] = {}
    for path in sorted(folder.glob("*.yaml")):
        dialog = _parse_dialog(path)
        if dialog.id in raw:
            raise DuplicateIdError(dialog.location, "dialog", dialog.id)
        raw[dialog.id] = dialog
    if ENTRY_DIALOG not in raw:
        raise DialogSchemaError(Location(str(folder), 1), f"no '{ENTRY_DIALOG}' dialog found")
    dialogs = {d.id: _resolve(d, raw) for d in raw.values()}
    nodes = {n.key: n for d in dialogs.values() for n in d.nodes.values()}
    dialog_set = DialogSet(dialogs=dialogs, nodes=nodes, entry=dialogs[ENTRY_DIALOG].start_key)
    if validate:
        validate_structure(dialog_set)
    return dialog_set


def _parse_dialog(path: Path) -> Dialog:
    data = load_yaml(path)
    top = Location(str(path), line_of(data))
    if not isinstance(data, dict) or data.get("version") != 1:
        raise DialogSchemaError(top, "expected a mapping with 'version: 1'")
    dialog_id, start, items = data.get("dialog"), data.get("start"), data.get("nodes")
    if not isinstance(dialog_id, str) or not isinstance(start, str):
        raise DialogSchemaError(top, "'dialog' and 'start' must be names")
    if not isinstance(items, list) or not items:
        raise DialogSchemaError(top, "'nodes' must be a non-empty list")
    nodes: dict[str, Node] = {}
    for item in items:
        node = _parse_node(path, dialog_id, item)
        if node.id in nodes:
            raise DuplicateIdError(node.location, "node", f"{dialog_id}.{node.id}")
        nodes[node.id] = node
    if start not in nodes:
        raise UnresolvedNodeError(top, dialog_id, "start", start)
    return Dialog(id=dialog_id, start=start, nodes=nodes, location=top)


def _names(value: Any, where: Location, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise DialogSchemaError(where, f"'{field}' must be a name or a list of names")


def _optional_name(item: dict[str, Any], field: str, where: Location) -> str | None:
    value = item.get(field)
    if value is None or isinstance(value, str):
        return value
    raise DialogSchemaError(where, f"'{field}' must be a name")


def _parse_node(path: Path, dialog: str, item: Any) -> Node:
    where = Location(str(path), line_of(item))
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        raise DialogSchemaError(where, "each node must be a mapping with an 'id'")
    unknown = set(item) - _NODE_KEYS - {"__line__"}
    if unknown:
        raise DialogSchemaError(where, f"{dialog}.{item['id']}: unknown keys {sorted(unknown)}")
    kind = _kind_of(item, where)
    input_kind = item.get("input")
    if input_kind is not None and input_kind not in set(InputKind):
        raise DialogSchemaError(where, f"unknown input '{input_kind}'")
    return Node(
        dialog=dialog,
        id=item["id"],
        kind=kind,
        location=where,
        say=_names(item.get("say"), where, "say"),
        ask=_optional_name(item, "ask", where),
        options=tuple(_parse_option(path, o, where) for o in item.get("options") or ()),
        input=InputKind(input_kind) if input_kind else None,
        slot=_optional_name(item, "slot", where),
        fallback=_optional_name(item, "fallback", where),
        next=_optional_name(item, "next", where),
        cases=tuple(_parse_case(path, c, where) for c in item.get("branch") or ()),
        otherwise=_optional_name(item, "else", where),
        action=_optional_name(item, "action", where),
        result=bool(item.get("result", False)),
        options_from=_optional_name(item, "options_from", where),
        multi=bool(item.get("multi", False)),
        collect=_names(item.get("collect"), where, "collect"),
    )


def _kind_of(item: dict[str, Any], where: Location) -> NodeKind:
    kinds = [
        kind
        for kind, present in (
            (NodeKind.QUESTION, "ask" in item),
            (NodeKind.BRANCH, "branch" in item),
            (NodeKind.HANDOVER, bool(item.get("handover"))),
            (NodeKind.ACTION, "action" in item),
        )
        if present
    ]
    if len(kinds) > 1:
        raise DialogSchemaError(where, f"node mixes kinds: {', '.join(kinds)}")
    if kinds:
        return kinds[0]
    if "say" not in item:
        raise DialogSchemaError(where, "node needs 'say', 'ask', 'branch', 'handover' or 'action'")
    return NodeKind.MESSAGE


def _parse_option(path: Path, item: Any, parent: Location) -> Option:
    where = Location(str(path), line_of(item, parent.line))
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        raise DialogSchemaError(where, "each option must be a mapping with an 'id'")
    if set(item) - _OPTION_KEYS - {"__line__"}:
        raise DialogSchemaError(where, f"option '{item['id']}': unknown keys")
    label = item.get("label")
    if not isinstance(label, str):
        raise DialogSchemaError(where, f"option '{item['id']}' needs a 'label'")
    values = {k: v for k, v in (item.get("set") or {}).items() if k != "__line__"}
    if not all(isinstance(v, str | int | float) for v in values.values()):
        raise DialogSchemaError(where, f"option '{item['id']}': 'set' values must be scalars")
    when = item.get("when")
    if when is not None and not isinstance(when, str):
        raise DialogSchemaError(where, f"option '{item['id']}': 'when' must be a condition name")
    return Option(
        id=item["id"], label=label, next=item.get("next"), set=values, location=where, when=when
    )


def _parse_case(path: Path, item: Any, parent: Location) -> Case:
    where = Location(str(path), line_of(item, parent.line))
    if not isinstance(item, dict) or not {"when", "next"} <= set(item):
        raise DialogSchemaError(where, "each branch case needs 'when' and 'next'")
    return Case(when=str(item["when"]), next=str(item["next"]), location=where)


def _resolve(dialog: Dialog, dialogs: dict[str, Dialog]) -> Dialog:
    """Turn every reference into a ``dialog.node`` key: local node, ``dialog.node`` or a dialog."""

    def key(ref: str | None, node: Node, where: Location | None) -> str | None:
        if ref is None:
            return None
        if ref in dialog.nodes:
            return f"{dialog.id}.{ref}"
        if "." in ref:
            target_dialog, target_node = ref.split(".", 1)
            if target_dialog in dialogs and target_node in dialogs[target_dialog].nodes:
                return ref
        elif ref in dialogs:
            return dialogs[ref].start_key
        raise UnresolvedNodeError(where or node.location, dialog.id, node.id, ref)

    resolved: dict[str, Node] = {}
    for node in dialog.nodes.values():
        options = tuple(replace(o, next=key(o.next, node, o.location)) for o in node.options)
        cases = tuple(
            Case(c.when, key(c.next, node, c.location) or "", c.location) for c in node.cases
        )
        resolved[node.id] = replace(
            node,
            options=options,
            cases=cases,
            next=key(node.next, node, node.location),
            otherwise=key(node.otherwise, node, node.location),
        )
    return Dialog(id=dialog.id, start=dialog.start, nodes=resolved, location=dialog.location)
