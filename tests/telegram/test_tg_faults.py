"""Limits and faults: 429, server errors, hanging requests, crash and restart, polling."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Any

import httpx
from sqlalchemy import select

from bot.channels.telegram import _inbox
from bot.channels.telegram._render import MAX_TEXT, Outgoing, units
from bot.store.models import TelegramOutgoing, TelegramUpdate


async def test_a_429_is_honoured_and_the_message_goes_out_once(tg: Any) -> None:
    tg.api.fail("sendMessage", status=429, retry_after=1)
    await tg.send(tg.message(9001, "/start", language="tr"))
    attempts = tg.api.of("sendMessage", 9001)
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.95
    assert attempts[0].params["text"] == attempts[1].params["text"]


async def test_real_failures_are_bounded(tg: Any) -> None:
    """Server errors count toward ``max_attempts`` (429s do not: see test_tg_storm)."""
    tg.api.fail("sendMessage", times=10, status=502)
    await tg.send(tg.message(9002, "/start"))
    limit = tg.channel.tuning.limits.max_attempts
    assert len(tg.api.of("sendMessage", 9002)) == limit
    # The next answer is not blocked by the one given up.
    tg.api.faults.clear()
    await tg.send(tg.message(9002, "/menu"))
    assert tg.api.of("sendMessage", 9002)[-1].status == 200


async def test_server_errors_are_retried_with_backoff(tg: Any) -> None:
    tg.api.fail("sendMessage", times=2, status=502)
    await tg.send(tg.message(9003, "/start", language="ru"))
    assert [c.status for c in tg.api.of("sendMessage", 9003)] == [502, 502, 200]


async def test_a_hanging_request_is_not_repeated(launch: Any) -> None:
    async with launch(tuning=dataclasses.replace(_fast(launch), read_timeout=0.5)) as tg:
        tg.api.fail("sendMessage", hang=True)
        await tg.send(tg.message(9004, "/start"))
        # The reply may have arrived: it is not sent again. The next answer goes out normally.
        await tg.send(tg.message(9004, "/menu"))
        assert len(tg.api.of("sendMessage", 9004)) == 2


def _fast(launch: Any) -> Any:
    from inspect import signature

    return signature(launch).parameters["tuning"].default


async def test_typing_is_shown_on_a_slow_answer(launch: Any) -> None:
    # Slow through retried server errors (backoff 0.05 + 0.1 + 0.2 s): during a 429's flood
    # wait no "typing…" is shown (test_tg_pacing).
    tuning = dataclasses.replace(_fast(launch), typing_after=0.1)
    async with launch(tuning=tuning) as tg:
        tg.api.fail("sendMessage", status=502, times=3)
        await tg.send(tg.message(9005, "/start"))
        actions = tg.api.of("sendChatAction", 9005)
        assert actions
        assert actions[0].params["action"] == "typing"
        assert actions[0].at < tg.api.of("sendMessage", 9005)[-1].at


async def test_long_texts_are_split_cleanly(tg: Any) -> None:
    paragraph = "Kochen & Backen sind <Handwerk>. " * 40
    text = "\n\n".join(f"{i}: {paragraph.strip()}" for i in range(12))
    assert units(text) > 3 * MAX_TEXT
    assert await tg.channel.push("9006", text)
    sent = tg.api.texts(9006)
    assert len(sent) == 4
    plain = [s.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">") for s in sent]
    assert all(units(p) <= MAX_TEXT for p in plain)
    assert all(p[0].isdigit() for p in plain)  # every piece starts at a paragraph
    assert " ".join(plain).split() == text.split()


async def test_per_chat_rate_is_limited(launch: Any) -> None:
    limits = dataclasses.replace(_fast(launch).limits, chat_per_second=10, chat_burst=2)
    async with launch(tuning=dataclasses.replace(_fast(launch), limits=limits)) as tg:
        started = time.monotonic()
        await asyncio.gather(*(tg.channel.push("9007", f"Nachricht {i}") for i in range(7)))
        elapsed = time.monotonic() - started
        times = [c.at for c in tg.api.of("sendMessage", 9007)]
        assert len(times) == 7
        assert elapsed >= 0.45  # 2 at once, then 5 more at 10 per second
        # Each message keeps its booked moment: the last is 0.5 s after the first at the
        # earliest, however late the second was (a loaded machine delays, never hurries).
        assert times[-1] - times[0] >= 0.45


async def test_stored_updates_are_processed_after_a_crash(launch: Any, lotse: Any) -> None:
    """Three updates were stored and acknowledged when the process died: all answered, in order."""
    chat = 9008
    async with lotse.sessions() as session, session.begin():
        for update_id, text in [(503, "/language"), (501, "/start"), (502, "/help")]:
            payload = {
                "update_id": update_id,
                "message": {
                    "message_id": update_id, "date": int(time.time()),
                    "chat": {"id": chat, "type": "private"},
                    "from": {"id": chat, "is_bot": False, "first_name": "A", "language_code": "tr"},
                    "text": text,
                    "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
                },
            }  # fmt: skip
            assert await _inbox.store(session=session, payload=payload)
    async with launch() as tg:
        await tg.channel.idle()
        texts = tg.api.texts(chat)
        assert len(texts) == 3
        help_text = lotse.content.catalogs.translator("tr").text("main.help")
        assert help_text not in texts[0]
        assert help_text in texts[1]
        assert {b["callback_data"][9:] for b in tg.last(chat).buttons} >= {"de", "tr", "ru"}
        async with lotse.sessions() as session:
            statuses = (await session.execute(select(TelegramUpdate.status))).scalars().all()
            payloads = (await session.execute(select(TelegramUpdate.payload))).scalars().all()
        assert set(statuses) == {"done"}
        assert payloads == [{}, {}, {}]  # personal text is not kept


async def test_answered_but_unsent_replies_are_sent_once_after_a_crash(
    launch: Any, lotse: Any
) -> None:
    """The engine had answered and one of two replies had gone out: only the other is sent."""
    chat = 9009
    await lotse.handle(channel="telegram", user_key=str(chat), events=[])
    before = await lotse.current_state(channel="telegram", user_key=str(chat))
    async with lotse.sessions() as session, session.begin():
        await _inbox.store(session=session, payload={"update_id": 600, "message": {}})
        await _inbox.mark_handled(
            session=session,
            update_id=600,
            calls=[
                Outgoing("sendMessage", {"chat_id": chat, "text": "eins"}),
                Outgoing("sendMessage", {"chat_id": chat, "text": "zwei"}),
            ],
        )
        first = (await session.execute(select(TelegramOutgoing.id).limit(1))).scalar_one()
        await _inbox.forget_call(session=session, call_id=first)
        # store() could not read the chat from the empty message: put it as the webhook would.
        row = await session.get(TelegramUpdate, 600)
        assert row is not None
        row.chat_id = chat
    async with launch() as tg:
        await tg.channel.idle()
        assert tg.api.texts(chat) == ["zwei"]
    # The engine did not see the update a second time.
    assert await lotse.current_state(channel="telegram", user_key=str(chat)) == before


async def test_the_web_app_runs_while_telegram_is_unreachable(
    telegram_app: Any, bot_api: Any
) -> None:
    bot_api.fail("getMe", times=1000, status=502)
    async with telegram_app.router.lifespan_context(telegram_app):
        transport = httpx.ASGITransport(app=telegram_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://lotse.test") as http:
            await bot_api.wait_for("getMe", 3)
            assert (await http.get("/healthz")).status_code == 200
            # Updates are still stored, and answered once Telegram is back.
            update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "/start",
                      "chat": {"id": 5, "type": "private"}}}  # fmt: skip
            headers = {
                "X-Telegram-Bot-Api-Secret-Token": telegram_app.state.telegram.webhook_secret
            }
            response = await http.post("/telegram/webhook", json=update, headers=headers)
            assert response.status_code == 200
            assert not telegram_app.state.telegram.ready.is_set()
            bot_api.faults.clear()
            await asyncio.wait_for(telegram_app.state.telegram.idle(), 5)
            assert len(bot_api.texts(5)) == 1


async def test_long_polling_stores_before_it_acknowledges(launch: Any, bot_api: Any) -> None:
    async with launch(webhook=False) as tg:
        assert tg.api.of("deleteWebhook")
        update = tg.message(9010, "/start", language="de")
        bot_api.push_update(update)
        await tg.api.wait_for("sendMessage")
        await tg.channel.idle()
        polls = await tg.api.wait_for("getUpdates", 2)
        assert polls[-1].params.get("offset") == update["update_id"] + 1
        assert len(tg.api.texts(9010)) == 1
        assert polls[0].params["allowed_updates"] == ["message", "callback_query", "my_chat_member"]
        # The webhook route is closed in polling mode.
        response = await tg.post(tg.message(9010, "/menu"))
        assert response.status_code == 404


async def test_no_token_no_telegram(client: httpx.AsyncClient) -> None:
    response = await client.post("/telegram/webhook", json={"update_id": 1})
    assert response.status_code == 404
