"""Column types that keep characters no database should store out of every text and JSON value.

PostgreSQL refuses NUL in text (``CharacterNotInRepertoireError``), both databases' drivers fail
to encode a lone surrogate, and control characters have no place in a name or a note. Channels
clean what people type (``clean_text``); these types are the last line of defence, so nothing
that reaches the database can make a statement fail on one of the two databases only.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# C0 and C1 control characters except tab, line feed and carriage return; DEL; lone surrogates
# (a valid pair never reaches Python as two code points); the non-characters U+FFFE and U+FFFF.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """The text without control characters, lone surrogates and non-characters."""
    return _UNSAFE.sub("", text)


def clean_json(value: Any) -> Any:
    """A JSON value whose strings, keys included, are cleaned; other values pass unchanged."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_json(k) if isinstance(k, str) else k: clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(item) for item in value]
    return value


class SafeString(TypeDecorator[str]):
    """``String(n)``; values are cleaned on the way in."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return clean_text(value) if isinstance(value, str) else value


class SafeText(TypeDecorator[str]):
    """``Text``; values are cleaned on the way in."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return clean_text(value) if isinstance(value, str) else value


class SafeJSON(TypeDecorator[Any]):
    """``JSON``; every string in the value is cleaned on the way in."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return clean_json(value)
