"""Rendered engine messages as Bot API calls: HTML with escaping, clean splits, inline keyboards."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.channels.telegram import _codec
from bot.engine.render import RenderedLink, RenderedMessage, RenderedOption

MAX_TEXT = 4096
# Where a long text may be cut, best first: paragraph, line, sentence, word.
_BREAKS = ("\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " ")
_SHORT_LABEL = 18
_TINY_LABEL = 10
_MAX_LABEL = 120


@dataclass(frozen=True)
class Outgoing:
    """One Bot API call to make, stored in the outbox before it is made."""

    method: str
    params: dict[str, Any] = field(default_factory=dict)


def escape(text: str) -> str:
    """Text for ``parse_mode=HTML``: only ``<``, ``>`` and ``&`` need escaping."""
    return html.escape(text, quote=False)


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` units, at the most natural break available."""
    pieces: list[str] = []
    rest = text.strip()
    while units(rest) > limit:
        window = _prefix(rest, limit)
        cut = 0
        for mark in _BREAKS:
            position = window.rfind(mark)
            if position > len(window) // 3:
                cut = position + len(mark.rstrip())
                break
        if cut == 0:
            cut = len(window)  # one very long word: cut it hard, never inside a character
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _prefix(text: str, limit: int) -> str:
    """The longest prefix of ``text`` within ``limit`` UTF-16 units."""
    count = 0
    for index, char in enumerate(text):
        count += 2 if ord(char) > 0xFFFF else 1
        if count > limit:
            return text[:index]
    return text


def _link(link: RenderedLink) -> tuple[str, int]:
    """A source link as Telegram HTML (the address comes from the knowledge base)."""
    shown = f"🔗 {link.title}"
    return f'🔗 <a href="{html.escape(link.url, quote=True)}">{escape(link.title)}</a>', units(
        shown
    )


def _pack(blocks: Sequence[tuple[str, int]], limit: int = MAX_TEXT) -> list[str]:
    """Join blocks into as few messages as fit, in order."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for block, length in blocks:
        if current and size + 2 + length > limit:
            pieces.append("\n\n".join(current))
            current, size = [], 0
        current.append(block)
        size += length + (2 if size else 0)
    if current:
        pieces.append("\n\n".join(current))
    return pieces


def keyboard(
    options: Sequence[RenderedOption], *, secret: str, chat_id: int, node: str | None
) -> dict[str, Any]:
    """An inline keyboard: answers first (short ones side by side), navigation in the last row."""
    answers = [o for o in options if not o.id.startswith("nav:")]
    navigation = [o for o in options if o.id.startswith("nav:")]
    rows: list[list[dict[str, str]]] = []
    row: list[dict[str, str]] = []
    for option in answers:
        button = _button(option, secret=secret, chat_id=chat_id, node=node)
        width = min(_per_row(b["text"]) for b in [*row, button])
        if row and len(row) < width:
            row.append(button)
        else:
            if row:
                rows.append(row)
            row = [button]
    if row:
        rows.append(row)
    if navigation:
        rows.append([_button(o, secret=secret, chat_id=chat_id, node=node) for o in navigation])
    return {"inline_keyboard": rows}


def _per_row(label: str) -> int:
    """How many buttons with such a label fit side by side on a phone."""
    return 3 if len(label) <= _TINY_LABEL else 2 if len(label) <= _SHORT_LABEL else 1


def _button(
    option: RenderedOption, *, secret: str, chat_id: int, node: str | None
) -> dict[str, str]:
    data = _codec.encode(secret=secret, chat_id=chat_id, node=node, option_id=option.id)
    label = (
        option.label if len(option.label) <= _MAX_LABEL else option.label[: _MAX_LABEL - 1] + "…"
    )
    return {"text": label or "…", "callback_data": data}


def offered_document(messages: Sequence[RenderedMessage], url: str) -> int | None:
    """The message that offers a download at ``url`` (the web chat's Kom-Pass link), if any."""
    return next(
        (i for i, m in enumerate(messages) if any(link.url == url for link in m.links)), None
    )


def send_with_document(
    chat_id: int,
    messages: Sequence[RenderedMessage],
    at: int,
    document: Outgoing | None,
    *,
    notices: Sequence[str] = (),
    secret: str,
    node: str | None,
) -> list[Outgoing]:
    """One turn whose message ``at`` offered a download: that link is left out (it serves the
    web chat only) and the file itself follows the message; the rest comes after it."""
    offering = messages[at]
    kept = tuple(link for link in offering.links if link.url.startswith("https://"))
    offering = RenderedMessage(offering.text, offering.options, kept)
    calls = send_messages(
        chat_id, [*messages[:at], offering], notices=notices, secret=secret, node=node
    )
    if document is not None:
        calls.append(document)
    if rest := messages[at + 1 :]:
        calls += send_messages(chat_id, rest, secret=secret, node=node)
    return calls


def send_messages(
    chat_id: int,
    messages: Iterable[RenderedMessage],
    *,
    notices: Sequence[str] = (),
    secret: str,
    node: str | None,
) -> list[Outgoing]:
    """One turn as few Telegram messages as possible; the keyboard goes with the last one.

    The engine answers with one message per line; in Telegram they read better joined, and fewer
    messages stay further from the one-message-per-second limit of a chat.
    """
    # Blocks of (HTML, visible length): text is cut where it reads well, then escaped; a
    # message's source links follow it as one block.
    messages = list(messages)
    blocks: list[tuple[str, int]] = []
    options: tuple[RenderedOption, ...] = ()
    texts = [*notices, *(m.text for m in messages)]
    links: list[tuple[RenderedLink, ...]] = [()] * len(notices) + [m.links for m in messages]
    for text, message_links in zip(texts, links, strict=True):
        blocks += [(escape(piece), units(piece)) for piece in split_text(text.strip())]
        if message_links:
            shown = [_link(link) for link in message_links]
            length = sum(n for _, n in shown) + len(shown) - 1  # with the line breaks
            blocks.append(("\n".join(markup for markup, _ in shown), length))
    for message in messages:
        if message.options:
            options = message.options
    pieces = _pack(blocks) or ["…"]
    calls = [
        Outgoing(
            "sendMessage",
            {
                "chat_id": chat_id,
                "text": piece,
                "parse_mode": "HTML",
                "link_preview_options": {"is_disabled": True},
            },
        )
        for piece in pieces
    ]
    if options:
        calls[-1].params["reply_markup"] = keyboard(
            options, secret=secret, chat_id=chat_id, node=node
        )
    return calls
