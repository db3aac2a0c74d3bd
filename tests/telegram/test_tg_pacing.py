"""Telegram's limits at the fake Bot API: what counts, one message per answer, a chat's burst,
a group's budget; on PostgreSQL the budget and the flood wait shared by two processes.

Times are the fake server's arrival times; the rules are asserted with a small allowance for
the way there (``JITTER``), never a speed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from telegram import Bot

from bot.channels.telegram import TelegramChannel
from bot.channels.telegram._pacing import MemoryPacing, PostgresPacing, Rule
from bot.channels.telegram._render import Outgoing, escape, send_messages
from bot.channels.telegram._sender import ARRIVAL_MARGIN, Limits, Result, Sender
from bot.engine import RenderedMessage, RenderedOption
from bot.service import Lotse
from bot.store.db import create_engine
from bot.web.app import create_app
from tests.telegram.conftest import FAST, TOKEN, FakeBotApi, telegram_settings

JITTER = 0.1  # the fake server shares the test's event loop on a busy machine
GROUP = -100123


class LoopStalls:
    """The longest time the test's event loop did not run (a garbage collection of the whole
    suite's heap, say): the fake server notes a request late by that much, though the bot
    made it on time. A measurement during such a stall is repeated, never loosened."""

    def __init__(self) -> None:
        self.longest = 0.0

    async def __aenter__(self) -> LoopStalls:
        self._task = asyncio.create_task(self._watch())
        return self

    async def __aexit__(self, *_: object) -> None:
        self._task.cancel()

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.01)
            self.longest = max(self.longest, loop.time() - before - 0.01)


def tuning(**limits: Any) -> Any:
    return dataclasses.replace(FAST, limits=dataclasses.replace(FAST.limits, **limits))


def conforms(times: list[float], rule: Rule) -> bool:
    """Whether sends at ``times`` keep to ``rule``: any ``n`` consecutive sends span at least
    ``(n - burst)`` intervals (the GCRA condition), up to ``JITTER``."""
    times = sorted(times)
    return all(
        later - earlier >= (j - i - (rule.burst - 1)) * rule.interval - JITTER
        for (i, earlier), (j, later) in itertools.combinations(enumerate(times), 2)
    )


def most_in_any_window(times: list[float], seconds: float) -> int:
    return max(sum(1 for u in times if t <= u < t + seconds) for t in times)


async def test_chat_actions_and_callback_answers_do_not_use_the_message_budget(
    launch: Any,
) -> None:
    async with launch(tuning=tuning(overall_per_second=1)) as tg:
        sender = tg.channel.sender
        for _ in range(4):
            typing = Outgoing("sendChatAction", {"chat_id": 9201, "action": "typing"})
            assert (await sender.call(typing, retry=False)).result is Result.SENT
            answer = Outgoing("answerCallbackQuery", {"callback_query_id": "cb"})
            assert (await sender.call(answer)).result is Result.SENT
        for chat in (9201, 9202):
            await sender.call(Outgoing("sendMessage", {"chat_id": chat, "text": "Hallo"}))
        others = [
            c.at for c in tg.api.calls if c.method in ("sendChatAction", "answerCallbackQuery")
        ]
        first, second = (c.at for c in tg.api.of("sendMessage"))
        # Counted, the 8 calls before would take 8 s (1 message a second) before the first.
        assert first - min(others) < 4.0
        assert second - first >= 1.0 - JITTER  # messages do count


async def test_an_answer_of_many_bubbles_arrives_as_one_message_with_its_keyboard(
    tg: Any, lotse: Lotse
) -> None:
    said = "Ich bin Koch aus der Türkei"
    _, events = lotse.opening(said, language="de")
    outcome = await lotse.handle(channel="web", user_key="bubbles", events=events)
    assert len(outcome.messages) >= 3
    assert outcome.messages[-1].options
    await tg.send(tg.message(9210, said))
    (call,) = tg.api.of("sendMessage", 9210)
    assert call.buttons
    positions = [call.params["text"].find(escape(m.text.strip())) for m in outcome.messages]
    assert -1 not in positions
    assert positions == sorted(positions)


async def test_a_6000_character_answer_arrives_as_two_messages_at_once_keyboard_last(
    launch: Any,
) -> None:
    options = (RenderedOption("yes", "Ja"), RenderedOption("no", "Nein"))
    bubbles = [RenderedMessage(f"{i}: " + "Wort " * 399) for i in range(3)]
    bubbles.append(RenderedMessage("Noch Fragen?", options))
    async with launch(tuning=tuning(chat_per_second=1, chat_burst=3)) as tg:
        for call in send_messages(9220, bubbles, secret="s", node="n"):
            assert (await tg.channel.sender.call(call)).result is Result.SENT
        first, last = tg.api.of("sendMessage", 9220)
        assert not first.buttons
        assert [b["text"] for b in last.buttons] == ["Ja", "Nein"]
        assert sum(len(c.params["text"]) for c in (first, last)) > 6000
        # A quiet chat gets the whole answer at once (paced, the second would wait 1 s).
        assert last.at - first.at < 0.5


async def test_a_burst_of_ten_updates_in_one_chat_is_paced_after_its_allowance(
    launch: Any,
) -> None:
    rule = Rule(0.25, 3)
    async with launch(tuning=tuning(chat_per_second=4, chat_burst=3)) as tg:
        for chat in (9230, 9231):  # the second only when the loop stalled during the first
            await tg.send(tg.message(chat, "/start"))
            await asyncio.sleep(1.0)  # the chat's bucket fills up again
            before = len(tg.api.of("sendMessage", chat))
            async with LoopStalls() as stalls:
                burst = (tg.post(tg.message(chat, "/help")) for _ in range(10))
                responses = await asyncio.gather(*burst)
                assert {r.status_code for r in responses} == {200}
                await asyncio.wait_for(tg.channel.idle(), 30)
            times = [c.at for c in tg.api.of("sendMessage", chat)[before:]]
            assert len(times) == 10  # one message per answer
            assert times[-1] - times[0] >= 7 * 0.25 - JITTER  # paced after the burst
            if stalls.longest < JITTER:
                break
        assert conforms(times, rule)


async def test_a_group_chat_keeps_to_its_messages_per_minute(launch: Any) -> None:
    # The per-minute rule on a fake clock: test_tg_pacing_units. Here a faster budget, same rule.
    async with launch(tuning=tuning(group_per_minute=240)) as tg:
        for i in range(8):  # one after another, as the scheduler hands them over
            assert await tg.channel.push(str(GROUP), f"Anfrage {i}")
        times = [c.at for c in tg.api.of("sendMessage", GROUP)]
        assert len(times) == 8
        rule = Rule.within(240, 60.0, burst=3)
        assert conforms(times, rule)
        assert times[-1] - times[0] >= 5 * rule.interval - JITTER


async def test_the_channel_takes_its_limits_from_the_settings(
    database_url: str, lotse: Lotse, bot_api: FakeBotApi
) -> None:
    settings = telegram_settings(
        database_url,
        bot_api,
        TELEGRAM_RATE_PER_SECOND=7,
        TELEGRAM_CHAT_RATE_PER_SECOND=2,
        TELEGRAM_GROUP_PER_MINUTE=12,
    )
    app = create_app(settings, lotse)
    async with app.router.lifespan_context(app):
        channel: TelegramChannel = app.state.telegram
        await asyncio.wait_for(channel.ready.wait(), 10)
        limits = channel.sender.limits
        booked = (limits.overall_per_second, limits.group_per_minute)
        assert booked == pytest.approx((7 * ARRIVAL_MARGIN, 12 * ARRIVAL_MARGIN))
        assert limits.chat(9240) == Rule(0.5, 3)
        shared = database_url.startswith("postgresql")
        expected = PostgresPacing if shared else MemoryPacing
        assert isinstance(channel.sender.limiter.pacing, expected)


# -- PostgreSQL: two worker processes --------------------------------------------------------


@pytest.fixture
async def processes(database_url: str, bot_api: FakeBotApi) -> AsyncIterator[list[Sender]]:
    """Two senders as two worker processes would have them: own engine, bot and pacing."""
    if not database_url.startswith("postgresql"):
        pytest.skip("shared pacing lives in PostgreSQL; SQLite runs one process")
    limits = Limits(overall_per_second=5, chat_per_second=1000, chat_burst=100, backoff=0.05)
    engines = [create_engine(database_url) for _ in range(2)]
    bots = [Bot(TOKEN, base_url=bot_api.base_url) for _ in range(2)]
    try:
        for bot in bots:
            await bot.initialize()
        yield [
            Sender.shared(bot, limits, engine, secret="a-secret-shared-by-the-processes")
            for bot, engine in zip(bots, engines, strict=True)
        ]
    finally:
        for bot in bots:
            await bot.shutdown()
        for engine in engines:
            await engine.dispose()


async def test_two_processes_together_keep_to_the_bot_budget(
    processes: list[Sender], bot_api: FakeBotApi
) -> None:
    calls = [
        sender.call(Outgoing("sendMessage", {"chat_id": 9300 + 10 * n + i, "text": f"{i}"}))
        for n, sender in enumerate(processes)
        for i in range(8)
    ]
    results = await asyncio.gather(*calls)
    assert {d.result for d in results} == {Result.SENT}
    times = sorted(c.at for c in bot_api.of("sendMessage"))
    assert len(times) == 16
    # 5 a second between them: at most 5 in any second, 16 messages over 3 s.
    assert conforms(times, Rule.within(5, 1.0))
    assert most_in_any_window(times, 1.0 - JITTER) <= 5
    assert times[-1] - times[0] >= 3.0 - JITTER


async def test_a_429_seen_by_one_process_pauses_the_other(
    processes: list[Sender], bot_api: FakeBotApi
) -> None:
    first, second = processes
    bot_api.fail("sendMessage", status=429, retry_after=1)
    refused = asyncio.ensure_future(
        first.call(Outgoing("sendMessage", {"chat_id": 9401, "text": "eins"}))
    )
    for _ in range(500):  # the first process records Telegram's answer in a moment
        if await second.limiter.pacing.flood_wait() > 0:
            break
        await asyncio.sleep(0.01)
    made = await second.call(Outgoing("sendMessage", {"chat_id": 9402, "text": "zwei"}))
    assert made.result is Result.SENT
    assert (await refused).result is Result.SENT
    (no,) = [c for c in bot_api.of("sendMessage") if c.status == 429]
    (other,) = bot_api.of("sendMessage", 9402)
    assert other.at - no.at >= 1.0 - JITTER
    assert second.flood_waits == 0  # it did not have to learn it from Telegram


async def test_the_table_holds_no_chat_id_and_forgets_idle_chats(
    processes: list[Sender], database_url: str
) -> None:
    pacing = processes[0].limiter.pacing
    assert isinstance(pacing, PostgresPacing)
    chat = 987654321
    await pacing.book(Rule(0.01), (chat, Rule(0.01, 2)))
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            keys = list(
                (await connection.execute(text("SELECT key FROM telegram_pacing"))).scalars()
            )
            assert len(keys) == 2
            assert not any(str(chat) in key for key in keys)
            await asyncio.sleep(0.05)  # the chat's bucket is full again
            pacing._pruned -= 3600  # as if a minute had passed since the last clean-up
            await pacing.book(Rule(0.01), None)
            keys = list(
                (await connection.execute(text("SELECT key FROM telegram_pacing"))).scalars()
            )
            assert keys == ["overall"]
    finally:
        await engine.dispose()


async def test_without_the_database_a_process_paces_alone(
    processes: list[Sender], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outbox needs the database anyway; meanwhile messages still keep to the limits."""
    pacing = processes[0].limiter.pacing
    assert isinstance(pacing, PostgresPacing)
    broken = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none")
    monkeypatch.setattr(pacing, "_engine", broken)
    try:
        rule = Rule.within(5, 1.0)
        waits = [(await pacing.book(rule, None)).wait for _ in range(3)]
        assert waits == pytest.approx([0.0, 0.2, 0.4], abs=0.05)
    finally:
        await broken.dispose()


def test_a_sender_without_pacing_keeps_the_limits_in_memory() -> None:
    """``Sender(bot, limits)`` keeps working: the limits of this process alone."""
    assert isinstance(Sender(Bot(TOKEN), Limits()).limiter.pacing, MemoryPacing)
