"""The Telegram channel end to end: webhook -> inbox -> engine -> outbox -> fake Bot API server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.service import Lotse
from bot.store.models import TelegramOutgoing, TelegramUpdate


def option(call: Any, option_id: str) -> str:
    """The callback data of the button for ``option_id`` (after the version and the tag)."""
    return next(b["callback_data"] for b in call.buttons if b["callback_data"][9:] == option_id)


async def count(lotse: Lotse, model: Any) -> int:
    async with lotse.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


RESULT_WORDS = {"de": "IHK zu Dortmund", "tr": "IHK zu Dortmund", "ru": "IHK zu Dortmund"}
ASK_YEARS = {"de": "Wie viele Jahre", "tr": "kaç yıldır", "ru": "Сколько лет"}


@pytest.mark.parametrize("language", ["de", "tr", "ru"])
async def test_a_whole_conversation_through_the_webhook(tg: Any, language: str) -> None:
    chat = 5000 + ["de", "tr", "ru"].index(language)
    await tg.send(tg.message(chat, f"/start {language}-dortmund-flyer", language=None))
    welcome = tg.last(chat)
    assert welcome.params["parse_mode"] == "HTML"
    assert "exam" in [b["callback_data"][9:] for b in welcome.buttons]

    await tg.send(tg.press_data(chat, option(welcome, "exam"), welcome))
    # The pressed message loses its keyboard and shows the answer under the question.
    edit = tg.api.of("editMessageText", chat)[-1]
    assert "»" in edit.params["text"]
    assert "reply_markup" not in edit.params
    assert tg.api.of("answerCallbackQuery")

    occupations = tg.last(chat)
    await tg.send(tg.press_data(chat, option(occupations, "koch"), occupations))
    assert ASK_YEARS[language] in tg.last(chat).params["text"]
    await tg.send(tg.message(chat, "5"))
    workload = tg.last(chat)
    await tg.send(tg.press_data(chat, option(workload, "full"), workload))
    result = tg.last(chat)
    assert RESULT_WORDS[language] in result.params["text"]
    assert {b["callback_data"][9:] for b in result.buttons} >= {"human", "menu"}

    state = await tg.channel.lotse.current_state(channel="telegram", user_key=str(chat))
    assert state is not None
    assert (state.language, state.region, state.source) == (language, "dortmund", "flyer")
    # Every update was answered once, and nothing is left in the outbox.
    assert await count(tg.channel.lotse, TelegramOutgoing) == 0


async def test_the_telegram_language_is_used_for_a_new_chat(tg: Any) -> None:
    await tg.send(tg.message(6001, "/start", language="ru"))
    assert "Lotse" in tg.last(6001).params["text"]
    assert "Здравствуйте" in tg.last(6001).params["text"]


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_stored(tg: Any) -> None:
    update = tg.message(6002, "/start")
    assert (await tg.post(update, secret="wrong")).status_code == 403
    assert (await tg.post(update, secret=None)).status_code == 403
    assert (await tg.post(update, secret=tg.channel.webhook_secret[:-1])).status_code == 403
    await tg.channel.idle()
    assert await count(tg.channel.lotse, TelegramUpdate) == 0
    assert tg.api.of("sendMessage") == []


async def test_malformed_bodies_are_refused(tg: Any) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": tg.channel.webhook_secret}
    for body in (b"not json", b"[]", b'{"update_id": "7"}', b'{"message": {}}'):
        response = await tg.http.post("/telegram/webhook", content=body, headers=headers)
        assert response.status_code == 400
    assert await count(tg.channel.lotse, TelegramUpdate) == 0


async def test_a_duplicate_delivery_gets_one_reply(tg: Any) -> None:
    update = tg.message(6003, "/start", language="tr")
    assert (await tg.post(update)).status_code == 200
    assert (await tg.post(update)).status_code == 200
    await tg.channel.idle()
    assert (await tg.post(update)).status_code == 200  # again, after it was answered
    await tg.channel.idle()
    assert len(tg.api.of("sendMessage", 6003)) == 1


async def test_concurrent_duplicates_and_updates_of_one_chat_keep_their_order(tg: Any) -> None:
    chat = 6004
    await tg.send(tg.message(chat, "/start", language="de"))
    # Five different messages, each delivered twice, all at once, in shuffled order.
    updates = [tg.message(chat, text) for text in ("/help", "/menu", "/language", "/menu", "/help")]
    deliveries = [*reversed(updates), *updates]
    responses = await asyncio.gather(*(tg.post(u) for u in deliveries))
    assert {r.status_code for r in responses} == {200}
    await tg.channel.idle()
    replies = tg.api.texts(chat)[1:]
    assert len(replies) == 5
    translator = tg.channel.lotse.content.catalogs.translator("de")
    help_text = translator.text("main.help")
    assert help_text in replies[0]
    assert help_text not in replies[1]
    assert help_text in replies[4]
    language_question = tg.api.of("sendMessage", chat)[3]
    assert {b["callback_data"][9:] for b in language_question.buttons} >= {"de", "tr", "ru"}


async def test_many_chats_at_once_each_get_their_answer(tg: Any) -> None:
    chats = range(7000, 7020)
    await asyncio.gather(*(tg.post(tg.message(c, "/start", language="tr")) for c in chats))
    await tg.channel.idle()
    for chat in chats:
        assert len(tg.api.of("sendMessage", chat)) == 1


async def test_a_forged_button_from_another_chat_is_refused_politely(tg: Any) -> None:
    await tg.send(tg.message(6005, "/start", language="de"))
    await tg.send(tg.message(6006, "/start", language="de"))
    theirs = tg.last(6005)
    # Chat 6006 replays the button data of chat 6005: the tag does not match.
    await tg.send(tg.press_data(6006, option(theirs, "exam"), theirs))
    reply = tg.last(6006)
    stale = tg.channel.lotse.content.catalogs.translator("de").text("main.stale_option")
    assert stale in reply.params["text"]
    assert "exam" in [b["callback_data"][9:] for b in reply.buttons]  # the current question again
    state = await tg.channel.lotse.current_state(channel="telegram", user_key="6006")
    assert state is not None
    assert state.node == "main.menu"


async def test_invented_button_data_is_refused(tg: Any) -> None:
    await tg.send(tg.message(6007, "/start", language="tr"))
    for data in ("1AAAAAAAAexam", "garbage", "1" + "x" * 63):
        await tg.send(tg.press_data(6007, data))
    stale = tg.channel.lotse.content.catalogs.translator("tr").text("main.stale_option")
    assert all(stale in text for text in tg.api.texts(6007)[1:])
    assert len(tg.api.of("answerCallbackQuery")) == 3


async def test_an_outdated_button_gets_the_current_question(tg: Any) -> None:
    chat = 6008
    await tg.send(tg.message(chat, "/start", language="ru"))
    menu = tg.last(chat)
    await tg.send(tg.press_data(chat, option(menu, "exam"), menu))
    occupations = tg.last(chat)
    # The old menu button again: valid data for this chat, but not for the current question.
    await tg.send(tg.press_data(chat, option(menu, "funding"), menu))
    reply = tg.last(chat)
    stale = tg.channel.lotse.content.catalogs.translator("ru").text("main.stale_option")
    assert stale in reply.params["text"]
    assert [b["callback_data"] for b in reply.buttons] == [
        b["callback_data"] for b in occupations.buttons
    ]
    # Navigation buttons are bound to the chat only: an old "menu" button still works.
    await tg.send(tg.press_data(chat, option(occupations, "koch"), occupations))
    await tg.send(tg.press_data(chat, option(occupations, "nav:menu"), occupations))
    state = await tg.channel.lotse.current_state(channel="telegram", user_key=str(chat))
    assert state is not None
    assert state.node == "main.menu"


async def test_callback_data_stays_within_64_bytes(tg: Any) -> None:
    await tg.send(tg.message(6009, "/start", language="ru"))
    for call in tg.api.of("sendMessage"):
        for button in call.buttons:
            assert len(button["callback_data"].encode()) <= 64


async def test_commands_and_the_bot_description_are_set_per_language(tg: Any) -> None:
    await tg.api.wait_for("setMyShortDescription", 4)
    commands = {c.params["language_code"]: c.params["commands"] for c in tg.api.of("setMyCommands")}
    assert set(commands) == {"", "de", "tr", "ru"}
    names = [c["command"] for c in commands["tr"]]
    assert names == [
        "start",
        "menu",
        "language",
        "human",
        "appointment",
        "mydata",
        "delete",
        "help",
    ]
    assert commands["tr"][2]["description"] == "Dili değiştir"
    descriptions = {c.params["language_code"] for c in tg.api.of("setMyDescription")}
    assert descriptions == {"", "de", "tr", "ru"}
    for call in tg.api.of("setMyShortDescription"):
        assert len(call.params["short_description"]) <= 120
    webhook = tg.api.of("setWebhook")[0].params
    assert webhook["secret_token"] == tg.channel.webhook_secret
    assert webhook["allowed_updates"] == ["message", "callback_query", "my_chat_member"]
    assert webhook["drop_pending_updates"] is False


async def test_mydata_and_delete(tg: Any) -> None:
    chat = 6010
    await tg.send(tg.message(chat, "/start", language="de"))
    await tg.send(tg.message(chat, "/mydata"))
    assert "/delete" in tg.last(chat).params["text"]
    await tg.send(tg.message(chat, "/delete"))
    assert tg.last(chat).buttons  # the engine asks to confirm


async def test_html_is_escaped(tg: Any) -> None:
    chat = 6011
    await tg.send(tg.message(chat, "/start", language="de"))
    await tg.send(tg.message(chat, "<b>Koch</b> & <script>"))
    for text in tg.api.texts(chat):
        assert "<b>" not in text
        assert "<script>" not in text
