"""Deep links that carry language, region and source: ``https://t.me/<bot>?start=tr-dortmund-flyer``."""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit, urlunsplit

# Telegram allows A-Z, a-z, 0-9, _ and - in a start parameter, at most 64 characters.
PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{3,31})$")


def check_payload(payload: str) -> str:
    if not PAYLOAD.match(payload):
        raise ValueError(
            f"payload {payload!r}: use 1-64 letters, digits, '-' or '_' (e.g. tr-dortmund-flyer)"
        )
    return payload


def deep_link(username: str, payload: str) -> str:
    """A Telegram link that opens the bot and sends ``/start <payload>``."""
    match = _USERNAME.match(username)
    if match is None:
        raise ValueError(f"{username!r} is not a Telegram bot username")
    return f"https://t.me/{match.group(1)}?start={check_payload(payload)}"


def web_link(base_url: str, payload: str) -> str:
    """A web chat link; the page reads the language from the payload."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{base_url!r} is not an http(s) address")
    query = urlencode({"start": check_payload(payload)})
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))
