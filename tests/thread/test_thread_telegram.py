"""A counsellor writes to a Telegram person: pushed through the channel's sender at once; the
person's replies go to the lead's thread, commands still to the bot."""

from __future__ import annotations

import html

import httpx

from bot.handover import scheduler
from bot.service import Lotse
from bot.thread import texts
from tests.telegram.conftest import Telegram
from tests.telegram.conftest import bot_api as bot_api  # the fake Bot API server (fixture)
from tests.telegram.conftest import tg as tg  # the app with the channel (fixture)
from tests.thread.conftest import (
    close,
    counsellor,
    rows,
    text,
    thread_notifications,
    to_lead,
    write,
)

CHAT = 7501


async def test_a_counsellor_reaches_a_telegram_person_and_hears_back(
    tg: Telegram, lotse: Lotse
) -> None:
    lead_id = await to_lead(lotse, str(CHAT), language="ru", channel="telegram")
    anna = await counsellor(lotse, tg.http, lead_id, "anna@example.org")
    before = len(tg.api.texts(CHAT))
    await write(tg.http, anna, lead_id, "Есть ли у вас диплом? 5 < 6 & да")
    sent = tg.api.texts(CHAT)[before:]
    assert sent == [
        html.escape(text(lotse, "ru", texts.OPENED, name="Anna"), quote=False),
        html.escape(
            text(lotse, "ru", texts.MESSAGE, name="Anna", text="Есть ли у вас диплом? 5 < 6 & да"),
            quote=False,
        ),
    ]
    assert all(n.sent_at is not None for n in await thread_notifications(lotse))  # not twice

    # The reply goes to the thread: no answer from the bot.
    await tg.send(tg.message(CHAT, "Да, есть диплом техникума", language="ru"))
    assert len(tg.api.texts(CHAT)) == before + 2
    replies = await rows(lotse, lead_id=lead_id, author="person", kind="message")
    assert [r.text for r in replies] == ["Да, есть диплом техникума"]

    # Commands reach the bot: /mydata, "Мои данные", the menu.
    await tg.send(tg.message(CHAT, "/mydata", language="ru"))
    assert len(tg.api.texts(CHAT)) > before + 2
    count = len(tg.api.texts(CHAT))
    await tg.send(tg.message(CHAT, "Мои данные", language="ru"))
    assert len(tg.api.texts(CHAT)) > count
    count = len(tg.api.texts(CHAT))
    await tg.send(tg.message(CHAT, "/menu", language="ru"))
    assert len(tg.api.texts(CHAT)) > count
    assert len(await rows(lotse, lead_id=lead_id, author="person", kind="message")) == 1

    # Ended: the bot says once that it is back, and answers again.
    await close(tg.http, anna, lead_id)
    count = len(tg.api.texts(CHAT))
    assert tg.api.texts(CHAT)[-1] == html.escape(text(lotse, "ru", texts.CLOSED), quote=False)
    await tg.send(tg.message(CHAT, "Сколько стоит экзамен?", language="ru"))
    answers = tg.api.texts(CHAT)[count:]
    assert answers
    assert html.escape(text(lotse, "ru", texts.CLOSED), quote=False) not in answers
    assert len(await rows(lotse, lead_id=lead_id, author="person", kind="message")) == 1


async def test_without_a_sender_in_this_process_the_scheduler_delivers(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    """Another process runs the Telegram channel: the rows wait, its next round sends them."""
    lead_id = await to_lead(lotse, "7502", language="tr", channel="telegram")
    anna = await counsellor(lotse, client, lead_id, "anna@example.org")
    await write(client, anna, lead_id, "Merhaba!")
    assert [n.sent_at for n in await thread_notifications(lotse)] == [None, None]
    got: list[tuple[str, str]] = []

    async def sender(user_key: str, message: str) -> bool:
        got.append((user_key, message))
        return True

    lotse.senders["telegram"] = sender
    assert await scheduler.run_once(lotse) == 2
    assert got == [
        ("7502", text(lotse, "tr", texts.OPENED, name="Anna")),
        ("7502", text(lotse, "tr", texts.MESSAGE, name="Anna", text="Merhaba!")),
    ]
    assert await scheduler.run_once(lotse) == 0  # once
