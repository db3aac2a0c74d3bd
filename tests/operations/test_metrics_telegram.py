"""Telegram in /metrics: queue depths read from the database, counters moved by updates."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx

from bot.service import Lotse
from bot.web.app import create_app
from tests.operations.conftest import METRICS_TOKEN, scrape, value
from tests.telegram.conftest import FAST, SECRET, FakeBotApi, running, telegram_settings


async def test_the_inbox_depth_counts_stored_updates_until_they_are_answered(
    database_url: str, lotse: Lotse, bot_api: FakeBotApi
) -> None:
    bot_api.fail("getMe", times=1000, status=502)  # Telegram unreachable at start: nothing goes out
    settings = telegram_settings(database_url, bot_api, LOTSE_METRICS_TOKEN=METRICS_TOKEN)
    app = create_app(settings, lotse)
    app.state.telegram_tuning = FAST
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://lotse.test") as http:
            for update_id, chat in [(1, 5), (2, 5), (3, 6)]:
                update = {
                    "update_id": update_id,
                    "message": {"message_id": update_id, "date": 0, "text": "/start",
                                "chat": {"id": chat, "type": "private"}},
                }  # fmt: skip
                headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                response = await http.post("/telegram/webhook", json=update, headers=headers)
                assert response.status_code == 200
            waiting = await scrape(http)
            assert value(waiting, "lotse_telegram_inbox_depth") == 3
            assert value(waiting, "lotse_telegram_outbox_depth") == 0
            bot_api.faults.clear()
            await asyncio.wait_for(app.state.telegram.idle(), 10)
            drained = await scrape(http)
            assert value(drained, "lotse_telegram_inbox_depth") == 0
            assert value(drained, "lotse_telegram_outbox_depth") == 0


async def test_the_outbox_depth_counts_a_reply_in_flight(
    database_url: str, lotse: Lotse, bot_api: FakeBotApi
) -> None:
    bot_api.latency = 1.0  # Telegram holds the sendMessage call this long
    async with running(database_url, lotse, bot_api, LOTSE_METRICS_TOKEN=METRICS_TOKEN) as tg:
        assert (await tg.post(tg.message(9401, "/start"))).status_code == 200
        await tg.api.wait_for("sendMessage")
        in_flight = await scrape(tg.http)
        assert value(in_flight, "lotse_telegram_outbox_depth") == 1
        assert value(in_flight, "lotse_telegram_inbox_depth") == 1
        await tg.channel.idle()
        assert value(await scrape(tg.http), "lotse_telegram_outbox_depth") == 0


async def test_updates_replies_and_bot_api_errors_move_the_counters(
    database_url: str, lotse: Lotse, bot_api: FakeBotApi
) -> None:
    quick = dataclasses.replace(FAST, read_timeout=0.5)  # a hanging call gives up soon
    async with running(
        database_url, lotse, bot_api, tuning=quick, LOTSE_METRICS_TOKEN=METRICS_TOKEN
    ) as tg:
        before = await scrape(tg.http)
        start = tg.message(9501, "/start")
        await tg.send(start)
        assert (await tg.post(start)).status_code == 200  # delivered again: not counted again
        await tg.channel.idle()
        tg.api.fail("sendMessage", status=502)  # a server error, then sent
        await tg.send(tg.message(9501, "/help"))
        tg.api.fail("sendMessage", status=429, retry_after=0.2)  # a flood wait, then sent
        await tg.send(tg.message(9501, "/menu"))
        tg.api.fail("sendMessage", status=400)  # refused: dropped
        await tg.send(tg.message(9501, "/help"))
        tg.api.fail("sendMessage", hang=True)  # no answer: maybe made, not repeated
        await tg.send(tg.message(9501, "/menu"))
        after = await scrape(tg.http)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("lotse_updates_received_total", channel="telegram") == 5
    assert delta("lotse_telegram_redelivered_total") == 1
    assert delta("lotse_answers_sent_total", channel="telegram") == 5
    assert delta("lotse_reply_latency_seconds_count", channel="telegram") == 5
    assert delta("lotse_reply_latency_seconds_sum", channel="telegram") >= 0.2  # the flood wait
    assert delta("lotse_telegram_api_errors_total", kind="server_error") == 1
    assert delta("lotse_telegram_api_errors_total", kind="refused") == 1
    assert delta("lotse_telegram_api_errors_total", kind="unknown_outcome") == 1
    assert delta("lotse_telegram_api_errors_total", kind="unreachable") == 0
    assert delta("lotse_telegram_rate_limited_total") == 1
    assert delta("lotse_telegram_calls_total", method="sendMessage", result="failed") == 1
    assert delta("lotse_telegram_calls_total", method="sendMessage", result="unknown") == 1
    assert delta("lotse_telegram_calls_total", method="sendMessage", result="sent") >= 3
    assert delta("lotse_updates_received_total", channel="web") == 0
