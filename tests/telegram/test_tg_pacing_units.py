"""Pacing rules on a fake clock: what counts, a chat's burst, the bot's second, a group's minute,
flood waits; and how an answer is cut into Telegram messages."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import math
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from telegram import Bot, Chat, Message
from telegram.error import RetryAfter

from bot.channels.telegram._pacing import MemoryPacing, Rule
from bot.channels.telegram._render import MAX_TEXT, Outgoing, escape, send_messages, units
from bot.channels.telegram._sender import ARRIVAL_MARGIN, Limits, Result, Sender
from bot.config import Settings
from bot.engine import RenderedLink, RenderedMessage, RenderedOption

GROUP = -100123
OPTIONS = (RenderedOption("yes", "Ja"), RenderedOption("no", "Nein"))


class FakeTime:
    """A clock that moves only when someone sleeps (calls are made one after another)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


@dataclass
class FakeBot:
    """Records each Bot API call with the fake time; ``refuse`` answers the next ones with 429."""

    time: FakeTime
    calls: list[tuple[str, Any, float]] = field(default_factory=list)
    refuse: list[float] = field(default_factory=list)  # retry_after of the next message calls

    def _record(self, method: str, chat_id: Any) -> None:
        self.calls.append((method, chat_id, self.time.now))

    def _message(self, chat_id: int) -> Message:
        if self.refuse:
            raise RetryAfter(dt.timedelta(seconds=self.refuse.pop(0)))
        return Message(len(self.calls), dt.datetime.now(dt.UTC), Chat(chat_id, "private"))

    async def send_message(self, chat_id: int, **_: Any) -> Message:
        self._record("sendMessage", chat_id)
        return self._message(chat_id)

    async def edit_message_text(self, chat_id: int, **_: Any) -> Message:
        self._record("editMessageText", chat_id)
        return self._message(chat_id)

    async def send_chat_action(self, chat_id: int, **_: Any) -> None:
        self._record("sendChatAction", chat_id)

    async def answer_callback_query(self, **_: Any) -> None:
        self._record("answerCallbackQuery", None)

    def times(self, method: str = "sendMessage") -> list[float]:
        return [at - 1000.0 for m, _, at in self.calls if m == method]


def sender(limits: Limits) -> tuple[Sender, FakeBot]:
    time = FakeTime()
    bot = FakeBot(time)
    return Sender(cast(Bot, bot), limits, sleep=time.sleep, clock=time.clock), bot


def message(chat_id: int, text: str = "Hallo") -> Outgoing:
    return Outgoing("sendMessage", {"chat_id": chat_id, "text": text})


def most_in_any_window(times: list[float], seconds: float) -> int:
    """The most sends in any half-open window ``[t, t + seconds)``."""
    return max(sum(1 for u in times if t <= u < t + seconds - 1e-6) for t in times)


async def test_chat_actions_and_callback_answers_do_not_use_the_message_budget() -> None:
    send, bot = sender(Limits(overall_per_second=1))
    for _ in range(5):
        typing = Outgoing("sendChatAction", {"chat_id": 1, "action": "typing"})
        assert (await send.call(typing, retry=False)).result is Result.SENT
        answer = Outgoing("answerCallbackQuery", {"callback_query_id": "cb"})
        assert (await send.call(answer)).result is Result.SENT
    await send.call(message(1))
    edit = Outgoing("editMessageText", {"chat_id": 2, "message_id": 5, "text": "»"})
    await send.call(edit)
    await send.call(message(3))
    assert bot.times("sendChatAction") == [0.0] * 5
    assert bot.times("answerCallbackQuery") == [0.0] * 5
    # The first message goes at once; an edit is a message too: one a second overall.
    assert bot.times("sendMessage") == [0.0, 2.0]
    assert bot.times("editMessageText") == [1.0]


async def test_a_chat_gets_its_burst_at_once_then_about_one_message_a_second() -> None:
    send, bot = sender(Limits())
    for i in range(10):
        assert (await send.call(message(5, f"{i}"))).result is Result.SENT
    times = bot.times()
    # The burst, only spaced by the bot's own 30 a second; then one a second.
    assert times == pytest.approx([0, 1 / 30, 2 / 30, 1, 2, 3, 4, 5, 6, 7])
    assert most_in_any_window(times, 1.0) == 3
    assert most_in_any_window(times[3:], 1.0) == 1  # then one a second
    # Quiet for a while: the next answer's messages go out at once again.
    await send._sleep(10.0)
    before = len(times)
    for i in range(3):
        await send.call(message(5, f"again {i}"))
    again = bot.times()[before:]
    assert again[-1] - again[0] < 0.1


async def test_the_bot_sends_no_more_than_its_rate_in_any_second() -> None:
    send, bot = sender(Limits(overall_per_second=5))
    for chat in range(1, 24):
        await send.call(message(chat))
    times = bot.times()
    assert times[0] == 0.0
    assert most_in_any_window(times, 1.0) == 5
    assert most_in_any_window(times, 3.0) == 15


@pytest.mark.parametrize("per_minute", [20, 6])
async def test_a_group_chat_gets_no_more_than_its_messages_per_minute(per_minute: int) -> None:
    limits = Limits.from_settings(
        Settings(LOTSE_ENVIRONMENT="test", TELEGRAM_GROUP_PER_MINUTE=per_minute)
    )
    send, bot = sender(limits)
    for i in range(2 * per_minute + 5):
        await send.call(message(GROUP, f"Neue Anfrage {i}"))
    times = bot.times()
    assert times[2] < 0.1  # a few at once
    assert most_in_any_window(times, 60.0) == math.ceil(per_minute * ARRIVAL_MARGIN)
    # A private chat is not held up by the group.
    await send.call(message(7))
    assert bot.times()[-1] - times[-1] < 0.1


def test_settings_name_the_limits() -> None:
    settings = Settings(
        LOTSE_ENVIRONMENT="test", TELEGRAM_RATE_PER_SECOND=12, TELEGRAM_GROUP_PER_MINUTE=9
    )
    limits = Limits.from_settings(settings)
    # Booked with a margin for the way to Telegram, which counts arrivals.
    booked = (limits.overall_per_second, limits.group_per_minute)
    assert booked == pytest.approx((12 * ARRIVAL_MARGIN, 9 * ARRIVAL_MARGIN))
    assert 0.8 <= ARRIVAL_MARGIN < 1
    defaults = Limits.from_settings(Settings(LOTSE_ENVIRONMENT="test"))
    assert defaults.overall_per_second == pytest.approx(27)  # of Telegram's 30
    assert defaults.group_per_minute == pytest.approx(18)  # of 20
    assert defaults.chat(7) == Rule(1.0, 3)
    with pytest.raises(ValueError, match="TELEGRAM_RATE_PER_SECOND"):
        Settings(LOTSE_ENVIRONMENT="test", TELEGRAM_RATE_PER_SECOND=0)


@pytest.mark.parametrize(
    ("count", "seconds", "burst"), [(30, 1.0, 1), (20, 60.0, 3), (5, 1.0, 2), (1, 1.0, 3)]
)
def test_a_rule_within_a_budget_uses_all_of_it_and_no_more(
    count: int, seconds: float, burst: int
) -> None:
    """A sender that sends as fast as allowed gets exactly ``count`` into the busiest window."""
    time = FakeTime()
    pacing = MemoryPacing(time.clock)
    rule = Rule.within(count, seconds, burst=burst)
    times = []
    for _ in range(4 * count + 3):
        slot = pacing.book_now(rule, None)
        time.now += slot.wait
        times.append(time.now)
    assert most_in_any_window(times, seconds) == count


async def test_a_flood_wait_holds_messages_and_callback_answers_and_hides_typing() -> None:
    send, bot = sender(Limits())
    bot.refuse = [5.0]
    assert (await send.call(message(1))).result is Result.SENT
    assert bot.times() == [0.0, 5.0]  # refused, then once more after retry_after
    assert send.flood_waits == 1

    await send.limiter.flood(3.0)
    typing = Outgoing("sendChatAction", {"chat_id": 1, "action": "typing"})
    assert (await send.call(typing, retry=False)).result is Result.EXPIRED
    assert bot.times("sendChatAction") == []  # not shown during a flood wait
    answer = Outgoing("answerCallbackQuery", {"callback_query_id": "cb"})
    assert (await send.call(answer)).result is Result.SENT
    assert bot.times("answerCallbackQuery") == [8.0]
    await send.limiter.flood(2.0)
    await send.call(message(2))
    assert bot.times()[-1] == 10.0


async def test_a_message_that_misses_its_booked_moment_books_again() -> None:
    """A message held up after its booking (waiting for the probe after a flood wait) could
    otherwise go out together with the messages booked after it."""
    send, bot = sender(Limits(overall_per_second=1))
    send.limiter._flooded = True  # a flood wait has just ended: one call at a time
    async with send.limiter._probe:
        late = asyncio.ensure_future(send.call(message(1)))
        await asyncio.sleep(0)  # booked at 0, now waiting for the probe
        await send._sleep(3.0)
    await late
    await send.call(message(2))
    times = bot.times()
    assert times == [3.0, 4.0]  # booked again at 3, not sent at 3 on a moment of 0


def test_an_answer_of_several_bubbles_is_one_message_with_its_keyboard() -> None:
    bubbles = [
        RenderedMessage("Koch ist in Deutschland ein Ausbildungsberuf."),
        RenderedMessage("Zuständig ist die IHK.", links=(RenderedLink("IHK", "https://x.test"),)),
        RenderedMessage("Möchten Sie mit einer Beraterin sprechen?", OPTIONS),
    ]
    (call,) = send_messages(42, bubbles, secret="s", node="n")
    text = call.params["text"]
    assert text.split("\n\n") == [
        "Koch ist in Deutschland ein Ausbildungsberuf.",
        "Zuständig ist die IHK.",
        '🔗 <a href="https://x.test">IHK</a>',
        "Möchten Sie mit einer Beraterin sprechen?",
    ]
    assert [b["text"] for b in call.params["reply_markup"]["inline_keyboard"][0]] == ["Ja", "Nein"]


def test_a_long_answer_is_cut_between_bubbles_keyboard_on_the_last_message() -> None:
    bubbles = [RenderedMessage(f"{i}: " + "Wort " * 399) for i in range(3)]  # 3 x 2,000
    bubbles[-1] = RenderedMessage(bubbles[-1].text, OPTIONS)
    calls = send_messages(42, bubbles, secret="s", node="n")
    assert len(calls) == 2
    assert [c.params["text"].count("\n\n") for c in calls] == [1, 0]  # two bubbles, then one
    assert "reply_markup" not in calls[0].params
    assert "reply_markup" in calls[1].params
    assert all(units(c.params["text"]) <= MAX_TEXT for c in calls)


def test_one_long_bubble_is_cut_at_a_space_never_inside_an_entity() -> None:
    text = "Kosten & Gebühren <ca.> " * 250  # 6,000 characters, escaped to many more
    calls = send_messages(42, [RenderedMessage(text, OPTIONS)], secret="s", node="n")
    assert len(calls) == 2
    assert "reply_markup" in calls[1].params
    assert "reply_markup" not in calls[0].params
    pieces = [c.params["text"] for c in calls]
    for piece in pieces:
        plain = html.unescape(piece)
        assert escape(plain) == piece  # every entity whole
        assert units(plain) <= MAX_TEXT
    assert " ".join(html.unescape(p) for p in pieces).split() == text.split()


def test_source_links_count_their_line_breaks() -> None:
    """A message's links are one block: its length includes the breaks between them."""
    links = tuple(RenderedLink("L" * 10, f"https://x.test/{i}") for i in range(3))
    # 3 links of 13 units (emoji, space, title) and 2 breaks: 41 units in all.
    filler = "x" * (MAX_TEXT - 41 - 1)
    calls = send_messages(42, [RenderedMessage(filler, links=links)], secret="s", node=None)
    assert len(calls) == 2  # 4,096 + the paragraph break does not fit
    fits = "x" * (MAX_TEXT - 41 - 2)
    assert len(send_messages(42, [RenderedMessage(fits, links=links)], secret="", node=None)) == 1
