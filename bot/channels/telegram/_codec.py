"""``callback_data`` of inline buttons: at most 64 bytes, bound to the chat and the question.

A button carries a short HMAC tag over (chat, question, option). A button pressed in another chat
(forged data) or on an old question (outdated) fails the check; the engine then answers with a
polite notice and the current question. Navigation buttons (``nav:menu``) are bound to the chat
only, so they keep working on older messages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

MAX_BYTES = 64
_VERSION = "1"
_TAG_BYTES = 6  # 48 bits, 8 characters in base64url
_TAG_CHARS = 8
_DIGEST_MARK = "#"
ANY_QUESTION = "*"


@dataclass(frozen=True)
class Pressed:
    """A decoded button: the tag and either the option id or a digest of a long option id."""

    tag: str
    option_id: str | None
    digest: str | None


def scope_for(option_id: str, node: str | None) -> str:
    """Navigation options are valid at any question; all others only at the question shown."""
    return ANY_QUESTION if option_id.startswith("nav:") else (node or "")


def _tag(secret: str, chat_id: int, scope: str, option_id: str) -> str:
    message = f"{chat_id}\x1f{scope}\x1f{option_id}".encode()
    mac = hmac.new(secret.encode(), message, hashlib.sha256).digest()[:_TAG_BYTES]
    return base64.urlsafe_b64encode(mac).decode()


def _digest(option_id: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(option_id.encode()).digest()[:12]).decode()


def encode(*, secret: str, chat_id: int, node: str | None, option_id: str) -> str:
    """The callback data of one option button; long option ids are sent as a digest."""
    tag = _tag(secret, chat_id, scope_for(option_id, node), option_id)
    data = f"{_VERSION}{tag}{option_id}"
    if len(data.encode()) <= MAX_BYTES:
        return data
    return f"{_VERSION}{tag}{_DIGEST_MARK}{_digest(option_id)}"


def decode(data: str) -> Pressed | None:
    """Split callback data; ``None`` when it is not ours at all."""
    if len(data.encode()) > MAX_BYTES or not data.startswith(_VERSION):
        return None
    tag, rest = data[1 : 1 + _TAG_CHARS], data[1 + _TAG_CHARS :]
    if len(tag) != _TAG_CHARS or not rest:
        return None
    if rest.startswith(_DIGEST_MARK):
        return Pressed(tag=tag, option_id=None, digest=rest[1:])
    return Pressed(tag=tag, option_id=rest, digest=None)


def resolve(
    pressed: Pressed, *, secret: str, chat_id: int, node: str | None, candidates: list[str]
) -> str | None:
    """The option id if the tag is valid for this chat and question, else ``None``."""
    option_id = pressed.option_id
    if option_id is None:
        option_id = next((c for c in candidates if _digest(c) == pressed.digest), None)
        if option_id is None:
            return None
    expected = _tag(secret, chat_id, scope_for(option_id, node), option_id)
    return option_id if hmac.compare_digest(expected, pressed.tag) else None
