"""429 storms: a flood wait is not a failure. Time is compressed: Telegram's ``retry_after`` is
a tenth of a second here instead of seconds, the storm two seconds instead of twenty."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from typing import Any

import pytest

from tests.telegram.conftest import FAST

CHATS = range(9100, 9110)
STORM = 2.0
RETRY_AFTER = 0.1
# Faster per-chat pacing than Telegram's, so the waits measured are the flood waits.
QUICK = dataclasses.replace(
    FAST, limits=dataclasses.replace(FAST.limits, chat_per_second=1_000, chat_burst=100)
)


async def test_every_reply_arrives_once_after_a_long_429_storm_without_a_busy_loop(
    launch: Any, record_property: Any
) -> None:
    async with launch(tuning=QUICK, TELEGRAM_REPLY_DEADLINE=60) as tg:
        # What each chat is to get, learnt from one chat in calm weather.
        await tg.send(tg.message(9099, "/start"))
        await tg.send(tg.message(9099, "/help"))
        expected = tg.api.texts(9099)
        started = time.monotonic()
        tg.api.storm(STORM, retry_after=RETRY_AFTER)
        for text in ("/start", "/help"):
            responses = await asyncio.gather(*(tg.post(tg.message(c, text)) for c in CHATS))
            assert {r.status_code for r in responses} == {200}
        await asyncio.wait_for(tg.channel.idle(), 30)
        elapsed = time.monotonic() - started

        calls = [c for c in tg.api.of("sendMessage") if c.at >= started]
        refused = [c for c in calls if c.status == 429]
        for chat in CHATS:
            assert tg.api.texts(chat) == expected  # every reply once, in order
        assert elapsed >= STORM
        # No busy loop: after the first wave (every chat's first call) about one probe per
        # retry_after; a busy loop would make thousands of calls in two seconds.
        periods = STORM / RETRY_AFTER
        assert len(refused) <= len(CHATS) + 1.5 * periods + 5
        assert tg.channel.counts["dropped"] == 0
        summary = (
            f"429 storm of {STORM:.0f} s (retry_after {RETRY_AFTER} s), {len(CHATS)} chats: "
            f"{len(calls)} sendMessage calls ({len(refused)} answered 429, "
            f"{len(calls) - len(refused)} delivered, expected {len(expected) * len(CHATS)}), "
            f"all replies delivered once after {elapsed:.1f} s, 0 dropped"
        )
        print(summary)
        record_property("telegram_figures", summary)


async def test_a_reply_is_dropped_only_after_the_deadline_logged_and_counted(
    launch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    chat = 9120
    async with launch(tuning=QUICK, TELEGRAM_REPLY_DEADLINE=1) as tg:
        started = time.monotonic()
        tg.api.storm(2.0, retry_after=0.2)
        with caplog.at_level(logging.INFO, logger="bot.channels.telegram"):
            await tg.send(tg.message(chat, "/start"))
        waited = time.monotonic() - started
        assert 1.0 <= waited < 2.0  # kept until the deadline, not a moment longer
        assert tg.api.texts(chat) == []
        assert tg.channel.counts["dropped"] == 1
        assert tg.channel.counts["expired"] == 1
        drops = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
        assert len(drops) == 1
        assert str(chat) not in caplog.text  # chat ids are personal data
        # After the storm, the next answer goes out normally.
        await asyncio.sleep(max(0.0, started + 2.1 - time.monotonic()))
        await tg.send(tg.message(chat, "/help"))
        assert len(tg.api.texts(chat)) == 1


async def test_typing_does_not_count_as_the_probe_after_a_flood_wait(tg: Any) -> None:
    """A flood wait pauses the replies; a chat action is tried once and never repeated."""
    from bot.channels.telegram._render import Outgoing
    from bot.channels.telegram._sender import Result

    tg.api.storm(0.5, retry_after=0.3)
    typing = Outgoing("sendChatAction", {"chat_id": 9130, "action": "typing"})
    assert (await tg.channel.sender.call(typing, retry=False)).result is Result.SENT
    message = Outgoing("sendMessage", {"chat_id": 9130, "text": "Hallo"})
    assert (await tg.channel.sender.call(message)).result is Result.SENT
    assert [c.status for c in tg.api.of("sendMessage", 9130)][-1] == 200
    assert len(tg.api.of("sendMessage", 9130)) <= 3
