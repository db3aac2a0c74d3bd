"""Babel extractor for the message ids in ``dialogs/*.yaml`` (say, ask, fallback, labels)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from bot.engine.loader import _parse_dialog
from bot.engine.refs import is_reference
from bot.engine.validate import message_refs

Extracted = tuple[int, str | None, str, list[str]]


def extract_dialog_yaml(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Mapping[str, Any]
) -> Iterator[Extracted]:
    """Yield every message id a dialog file names, with its line."""
    path = Path(getattr(fileobj, "name", "dialog.yaml"))
    dialog = _parse_dialog(path)
    for node in dialog.nodes.values():
        for text, where in message_refs(node):
            if not is_reference(text):
                yield where.line, None, text, [f"{dialog.id}.{node.id}"]
