"""The Bot API unreachable for a minute while updates keep arriving (webhook).

The fake Bot API shuts down as a server does (requests in flight are answered) and refuses
connections for 60 s; six chats keep pressing buttons every 3 s meanwhile. The sender retries
an unreachable Telegram with capped backoff (0.5 s doubling to 2 s here, 30 s in production, so
the test drains within seconds instead of half a minute); nothing is dropped before the reply
deadline (24 h). Once the server is back the backlog drains: every update answered once, each
chat in ``update_id`` order.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.service import Lotse
from bot.store.models import TelegramUpdate
from tests.conftest import DATABASES
from tests.operations.conftest import METRICS_TOKEN, Samples, Switchable, scrape, value
from tests.operations.traffic import Traffic, background
from tests.telegram.conftest import FAST, running

OUTAGE = 60.0
PATIENT = dataclasses.replace(
    FAST, limits=dataclasses.replace(FAST.limits, backoff=0.5, max_backoff=2.0)
)


# A minute of waiting: run on the production database only (PostgreSQL when configured); the
# sender and outbox it proves are the same code on SQLite, where the kill and storm tests run.
@pytest.mark.slow
@pytest.mark.parametrize("database_url", DATABASES[-1:], indirect=True)
async def test_a_minute_without_the_bot_api_loses_nothing_and_sends_nothing_twice(
    database_url: str, lotse: Lotse, switchable_api: Switchable, record_property: Any
) -> None:
    api = switchable_api.api
    async with running(
        database_url, lotse, api, tuning=PATIENT, LOTSE_METRICS_TOKEN=METRICS_TOKEN
    ) as tg:
        traffic = Traffic(tg, chats=list(range(8101, 8107)))
        stop = asyncio.Event()
        before = await scrape(tg.http)
        async with background([traffic.talk(chat, stop, pause=3.0) for chat in traffic.chats]):
            await asyncio.sleep(3)
            await switchable_api.down()
            down_at = time.monotonic()
            await asyncio.sleep(OUTAGE / 2)
            during = await scrape(tg.http)
            await asyncio.sleep(OUTAGE / 2)
            await switchable_api.up()
            up_at = time.monotonic()
            await asyncio.sleep(1)
            stop.set()
        missing = await traffic.wait_answered(within=120)  # a bound for a failing run only
        drained_at = time.monotonic()
        await asyncio.wait_for(tg.channel.idle(), 60)
        report = traffic.report()
        in_outage = sum(1 for p in traffic.posts if down_at <= p.at <= up_at)
        summary = (
            f"Bot API down for {OUTAGE:.0f} s, {in_outage} updates arrived meanwhile: "
            f"{report.line()}; backlog drained {drained_at - up_at:.1f} s after it came back"
        )
        print(summary)
        record_property("operations_figures", summary)

        assert in_outage >= len(traffic.chats) * 15  # updates kept coming, all acknowledged
        assert report.refused == 0
        assert value(during, "lotse_telegram_inbox_depth") >= in_outage / 2
        assert not [c for c in api.calls if down_at < c.at < up_at]  # it really was down
        assert missing == []
        assert report.lost == []
        assert report.twice == []
        assert report.out_of_order == []
        for chat in traffic.chats:  # /start and every press: one message each, once
            assert len(api.texts(chat)) == len(traffic.acked[chat])
        assert tg.channel.counts["dropped"] == 0
        async with lotse.sessions() as session:
            open_updates = await session.scalar(
                select(func.count()).where(TelegramUpdate.status != "done")
            )
        assert open_updates == 0
        after = await scrape(tg.http)
        assert value(after, "lotse_telegram_inbox_depth") == 0

        def delta(scraped: Samples, name: str, **labels: str) -> float:
            return value(scraped, name, **labels) - value(before, name, **labels)

        # What an operator saw: Telegram unreachable while the inbox grew, then every update
        # answered, some of them more than 30 s after they arrived.
        assert delta(during, "lotse_telegram_api_errors_total", kind="unreachable") > 0
        answered = delta(after, "lotse_answers_sent_total", channel="telegram")
        assert answered == report.updates
        assert delta(after, "lotse_reply_latency_seconds_count", channel="telegram") == answered
        late = answered - delta(
            after, "lotse_reply_latency_seconds_bucket", channel="telegram", le="30.0"
        )
        assert late >= len(traffic.chats) * 5
