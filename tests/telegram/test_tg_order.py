"""Order by construction: a chat's updates are answered in ``update_id`` order, even when they
reach the server concurrently and a lower one commits later than a higher one."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from typing import Any

import pytest

from tests.telegram.conftest import FAST

TRIALS = 15
BURST = 20


UNLIMITED = dataclasses.replace(
    FAST, limits=dataclasses.replace(FAST.limits, chat_per_second=10_000, chat_burst=100)
)


@pytest.mark.slow
async def test_concurrent_updates_of_one_chat_are_answered_in_order(
    launch: Any, record_property: Any
) -> None:
    """20 updates of one chat posted at once, 15 times: answered in update_id order every time."""
    async with launch(tuning=UNLIMITED) as tg:
        in_order = await _race(tg)
    summary = f"order: {in_order} of {TRIALS} races of {BURST} updates answered in update_id order"
    record_property("telegram_figures", summary)
    assert in_order == TRIALS


async def _race(tg: Any) -> int:
    channel = tg.channel
    answered: list[int] = []
    answer = channel._answer

    async def recording(session: Any, row: Any) -> Any:
        answered.append(row.update_id)
        return await answer(session, row)

    channel._answer = recording
    shuffle = random.Random(20)
    in_order = 0
    for trial in range(TRIALS):
        chat = 70_000 + trial
        updates = [tg.message(chat, "/help") for _ in range(BURST)]
        # Telegram's ids are one sequence for the whole bot: a chat's own ids have gaps.
        update_id = 100_000 * (trial + 1)
        for update in updates:
            update_id += 1 + shuffle.randrange(3)
            update["update_id"] = update_id
        answered.clear()
        responses = await asyncio.gather(*(tg.post(u) for u in updates))
        assert all(r.status_code == 200 for r in responses)
        await channel.idle()
        assert sorted(answered) == sorted(u["update_id"] for u in updates)
        in_order += answered == sorted(answered)
        assert len(tg.api.texts(chat)) >= BURST
    return in_order
