"""Mermaid flowcharts straight from the dialog definitions, so counsellors can review the flows."""

from __future__ import annotations

from bot.engine.model import DialogSet, Node, NodeKind

_SHAPES = {
    NodeKind.QUESTION: ("{{", "}}"),
    NodeKind.BRANCH: ("{", "}"),
    NodeKind.MESSAGE: ("[", "]"),
    NodeKind.HANDOVER: ("[[", "]]"),
    NodeKind.ACTION: ("[/", "/]"),
}


def _name(key: str) -> str:
    return key.replace(".", "__")


def _label(node: Node) -> str:
    text = node.ask or (node.say[0] if node.say else node.id)
    return f'"{node.id}<br/><small>{text}</small>"'


def mermaid(dialogs: DialogSet, dialog_id: str | None = None) -> str:
    """A flowchart of one dialog (or all), edges labelled with options and conditions."""
    lines = ["flowchart TD"]
    for node in dialogs.nodes.values():
        if dialog_id and node.dialog != dialog_id:
            continue
        left, right = _SHAPES[node.kind]
        lines.append(f"  {_name(node.key)}{left}{_label(node)}{right}")
        for option in node.options:
            target = option.next or node.next
            if target:
                lines.append(f"  {_name(node.key)} -- {option.id} --> {_name(target)}")
        for case in node.cases:
            lines.append(f"  {_name(node.key)} -- {case.when} --> {_name(case.next)}")
        if node.otherwise:
            lines.append(f"  {_name(node.key)} -- else --> {_name(node.otherwise)}")
        if node.next and not node.options:
            lines.append(f"  {_name(node.key)} --> {_name(node.next)}")
    return "\n".join(lines) + "\n"
