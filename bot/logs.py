"""Logging that keeps personal data and secrets out of every log line, at every level."""

from __future__ import annotations

import logging
import re

# Third-party loggers that write payloads or URLs with the bot token at low levels.
_QUIET = {"aiosqlite": logging.INFO, "httpx": logging.WARNING, "httpcore": logging.WARNING,
          "telegram": logging.INFO, "hpack": logging.WARNING}  # fmt: skip
_PATTERNS = (
    (re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b"), "<bot-token>"),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "<e-mail>"),
    (re.compile(r"\+?\d[\d ()/-]{7,}\d"), "<number>"),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """A last line of defence: even a careless log call cannot write an address or a token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter())
    for name, minimum in _QUIET.items():
        logging.getLogger(name).setLevel(max(minimum, level))
