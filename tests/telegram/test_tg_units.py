"""Small pieces of the Telegram channel: callback codec, text splitting, keyboards, links."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.channels.telegram import _codec, deep_link, web_link
from bot.channels.telegram._render import keyboard, send_messages, split_text, units
from bot.channels.telegram._sender import Limits, RateLimiter
from bot.engine import RenderedLink, RenderedMessage, RenderedOption

SECRET = "s3cret"


def test_callback_data_round_trip_and_binding() -> None:
    data = _codec.encode(secret=SECRET, chat_id=42, node="exam.years", option_id="full")
    pressed = _codec.decode(data)
    assert pressed is not None

    def resolve(chat_id: int, node: str) -> str | None:
        assert pressed is not None
        return _codec.resolve(pressed, secret=SECRET, chat_id=chat_id, node=node, candidates=[])

    assert resolve(42, "exam.years") == "full"
    assert resolve(43, "exam.years") is None  # another chat
    assert resolve(42, "main.menu") is None  # another question
    nav = _codec.decode(_codec.encode(secret=SECRET, chat_id=42, node="a", option_id="nav:menu"))
    assert nav is not None
    assert _codec.resolve(nav, secret=SECRET, chat_id=42, node="b", candidates=[]) == "nav:menu"


def test_long_option_ids_travel_as_a_digest() -> None:
    long_id = "slot:" + "9" * 80
    data = _codec.encode(secret=SECRET, chat_id=-1, node="n", option_id=long_id)
    assert len(data.encode()) <= 64
    pressed = _codec.decode(data)
    assert pressed is not None
    found = _codec.resolve(pressed, secret=SECRET, chat_id=-1, node="n", candidates=["x", long_id])
    assert found == long_id


@pytest.mark.parametrize("data", ["", "2abcdefghx", "1short", "1" + "a" * 70])
def test_foreign_data_is_not_decoded(data: str) -> None:
    assert _codec.decode(data) is None


def test_split_prefers_paragraphs_then_sentences_and_counts_utf16() -> None:
    assert split_text("kurz") == ["kurz"]
    emoji = "😀" * 3000  # 6000 UTF-16 units, no break at all
    pieces = split_text(emoji)
    assert [units(p) for p in pieces] == [4096, 6000 - 4096]
    sentences = "Das ist ein Satz. " * 400
    pieces = split_text(sentences)
    assert all(p.endswith(".") for p in pieces[:-1])
    assert all(units(p) <= 4096 for p in pieces)


def test_keyboard_puts_short_answers_side_by_side_and_navigation_last() -> None:
    options = [
        RenderedOption("de", "Deutsch"),
        RenderedOption("tr", "Türkçe"),
        RenderedOption("ru", "Русский"),
        RenderedOption("long", "Eine sehr lange Antwort, die eine eigene Zeile braucht"),
        RenderedOption("nav:back", "Zurück"),
        RenderedOption("nav:menu", "Menü"),
    ]
    rows = keyboard(options, secret=SECRET, chat_id=1, node="n")["inline_keyboard"]
    assert [[b["text"] for b in row] for row in rows] == [
        ["Deutsch", "Türkçe", "Русский"],
        ["Eine sehr lange Antwort, die eine eigene Zeile braucht"],
        ["Zurück", "Menü"],
    ]


async def test_rate_limiter_allows_a_burst_then_one_per_interval() -> None:
    limiter = RateLimiter(Limits(chat_per_second=20, chat_burst=3, overall_per_second=1000))
    started = time.monotonic()
    stamps = []
    for _ in range(7):
        await limiter.wait(1, message=True)
        stamps.append(time.monotonic() - started)
    assert stamps[2] < 0.03  # the burst
    assert stamps[6] >= 4 / 20 - 0.01  # then 20 per second
    # Another chat is not held up by the first one.
    other = time.monotonic()
    await limiter.wait(2, message=True)
    assert time.monotonic() - other < 0.03


async def test_overall_limit_spans_chats() -> None:
    limiter = RateLimiter(Limits(chat_per_second=100, chat_burst=5, overall_per_second=30))
    started = time.monotonic()
    await asyncio.gather(*(limiter.wait(chat, message=True) for chat in range(40)))
    assert time.monotonic() - started >= 10 / 30 - 0.02


def test_deep_links() -> None:
    assert deep_link("@LotseBot", "tr-dortmund-flyer") == (
        "https://t.me/LotseBot?start=tr-dortmund-flyer"
    )
    assert web_link("https://chat.example.org", "ru-luckenwalde-poster") == (
        "https://chat.example.org/?start=ru-luckenwalde-poster"
    )
    with pytest.raises(ValueError, match="payload"):
        deep_link("LotseBot", "tr dortmund")
    with pytest.raises(ValueError, match="username"):
        deep_link("x", "tr")


def test_source_links_follow_their_answer_as_html_links() -> None:
    answer = RenderedMessage(
        "Die Gebühr <hängt> von der Kammer ab.",
        links=(RenderedLink("BBiG §45 & mehr", "https://example.org/a?b=1&c=2"),),
    )
    question = RenderedMessage("In welchem Beruf?", (RenderedOption("koch", "Koch"),))
    calls = send_messages(42, [answer, question], secret="s", node="n")
    assert len(calls) == 1
    text = calls[0].params["text"]
    assert text.index("&lt;hängt&gt;") < text.index("<a href=") < text.index("In welchem Beruf?")
    assert '<a href="https://example.org/a?b=1&amp;c=2">BBiG §45 &amp; mehr</a>' in text
    assert calls[0].params["parse_mode"] == "HTML"
