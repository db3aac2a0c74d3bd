"""Logging that keeps personal data and secrets out of every log line, at every level.

Messages are redacted (tokens, e-mail addresses, numbers). Exception texts are never written:
a driver's or a validator's message may quote the input (a name, a "Key (email)=(…)" detail),
so a traceback keeps its frames (file, line, function, source line) and the exception types,
and withholds every exception's message.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from typing import IO

# Third-party loggers that write payloads or URLs with the bot token at low levels.
_QUIET = {"aiosqlite": logging.INFO, "httpx": logging.WARNING, "httpcore": logging.WARNING,
          "telegram": logging.INFO, "hpack": logging.WARNING}  # fmt: skip
_PATTERNS = (
    (re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b"), "<bot-token>"),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "<e-mail>"),
    (re.compile(r"\+?\d[\d ()/-]{7,}\d"), "<number>"),
)
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
WITHHELD = "<message withheld>"
_REDACTED = "lotse_redacted"  # set on a record once a RedactingFilter has cleaned it


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _type_name(error: BaseException) -> str:
    kind = type(error)
    module = "" if kind.__module__ == "builtins" else f"{kind.__module__}."
    return f"{module}{kind.__qualname__}"


def _describe(error: BaseException) -> str:
    """The exception's type, the driver error behind a database error and its SQLSTATE code."""
    parts = [_type_name(error)]
    orig = getattr(error, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's error
    if isinstance(orig, BaseException):
        parts.append(f"from {_type_name(orig)}")
        inner = getattr(orig, "__cause__", None)  # the asyncpg error behind the DB-API adapter
        if isinstance(inner, BaseException):
            parts.append(f"from {_type_name(inner)}")
    for source in (error, orig, getattr(orig, "__cause__", None)):
        code = getattr(source, "sqlstate", None) or getattr(source, "pgcode", None)
        if isinstance(code, str) and code.isalnum() and len(code) == 5:
            parts.append(f"(SQLSTATE {code})")
            break
    return f"{' '.join(parts)}: {WITHHELD}"


def format_exception(error: BaseException) -> str:
    """A traceback of ``error`` and its causes without any exception message."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = error
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, "direct cause"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, "context"
        else:
            current = None
    lines: list[str] = []
    for position, (item, _) in enumerate(reversed(chain)):
        if position:
            # The link that led from the later exception to this one's predecessor.
            later_link = chain[len(chain) - position][1]
            lines.append(
                "\nThe above exception was the direct cause of the following exception:\n\n"
                if later_link == "direct cause"
                else "\nDuring handling of the above exception, another exception occurred:\n\n"
            )
        if item.__traceback__ is not None:
            lines.append("Traceback (most recent call last):\n")
            lines += traceback.StackSummary.extract(traceback.walk_tb(item.__traceback__)).format()
        lines.append(_describe(item) + "\n")
        for inner in getattr(item, "exceptions", ()) or ():  # an exception group's members
            if isinstance(inner, BaseException):
                body = format_exception(inner).replace("\n", "\n  | ")
                lines.append(f"  | {body}\n")
    return "".join(lines).rstrip("\n")


class RedactingFilter(logging.Filter):
    """A last line of defence: even a careless log call cannot write an address or a token,
    and no exception message (which may quote the input) reaches a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _REDACTED, False):
            return True  # another handler's filter did it (its exc_text is ours, not foreign)
        setattr(record, _REDACTED, True)
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = format_exception(record.exc_info[1])
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = WITHHELD  # formatted elsewhere: nothing to tell what it holds
        return True


def handler(stream: IO[str] | None = None) -> logging.Handler:
    """The one log handler of Lotse: standard error (or ``stream``), redacted."""
    result = logging.StreamHandler(stream or sys.stderr)
    result.setFormatter(logging.Formatter(FORMAT))
    result.addFilter(RedactingFilter())
    return result


def configure_logging(level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(handler())
    root.setLevel(level)
    for existing in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in existing.filters):
            existing.addFilter(RedactingFilter())
    for name, minimum in _QUIET.items():
        logging.getLogger(name).setLevel(max(minimum, level))
