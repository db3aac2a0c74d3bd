"""Reminders keep the confirmation's promise: a day ahead, two hours ahead for an appointment
booked within a day (if there is time), or none; in the person's language, with the mode and
"move" and "cancel" buttons that work in the web chat and on Telegram."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.channels.telegram import _codec
from bot.channels.telegram._notices import push_with_buttons
from bot.channels.telegram._sender import Delivery, Result
from bot.engine import Choice
from bot.engine.facts import reminder_at
from bot.handover import booking, notify
from bot.service import Content, Lotse
from bot.store.models import Lead, Notification
from tests.handover.helpers import (
    LANGUAGES,
    OFFICE,
    VIDEO,
    aware,
    option_ids,
    say,
    seed,
    slot,
    text,
    the_lead,
    to_booking,
    tr,
)

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("ahead", "due_before"),
    [
        (dt.timedelta(days=3), dt.timedelta(hours=24)),
        (dt.timedelta(hours=24, minutes=1), dt.timedelta(hours=24)),
        (dt.timedelta(hours=24), dt.timedelta(hours=2)),  # the day-ahead moment is now: too late
        (dt.timedelta(hours=10), dt.timedelta(hours=2)),
        (dt.timedelta(hours=2, minutes=16), dt.timedelta(hours=2)),
        (dt.timedelta(hours=2, minutes=15), None),  # a reminder due in 15 minutes helps nobody
        (dt.timedelta(hours=2, minutes=5), None),
    ],
)
def test_when_the_reminder_goes_out(ahead: dt.timedelta, due_before: dt.timedelta | None) -> None:
    due = reminder_at(NOW + ahead, NOW)
    assert (None if due is None else NOW + ahead - due) == due_before


@pytest.mark.parametrize(
    ("ahead", "message_id", "before"),
    [
        (dt.timedelta(days=2), "handover.reminder", dt.timedelta(hours=24)),
        (dt.timedelta(hours=5), "handover.reminder_soon", dt.timedelta(hours=2)),
        (dt.timedelta(hours=2, minutes=10), None, None),
    ],
)
async def test_booking_stores_the_reminder_it_promised(
    lotse: Lotse, ahead: dt.timedelta, message_id: str | None, before: dt.timedelta | None
) -> None:
    """With the clock given, as the scheduler tests do: far ahead, soon, too soon."""
    seeded = await seed(lotse, ("video",), starts_in=dt.timedelta(days=30))
    await say(lotse, "r", *to_booking("de"))
    starts = NOW + ahead
    async with lotse.sessions() as session, session.begin():
        target = await session.get(booking.Slot, seeded.slot_ids[0])
        assert target is not None
        target.starts_at, target.ends_at = starts, starts + HOUR
        lead = (await session.execute(select(Lead))).scalar_one()
        assert await booking.book(session=session, lead=lead, slot_id=target.id, now=NOW)
    async with lotse.sessions() as session:
        reminders = list((await session.execute(select(Notification))).scalars())
    if message_id is None:
        assert reminders == []
        return
    (reminder,) = reminders
    assert reminder.message_id == message_id
    assert before is not None
    assert aware(reminder.due_at) == starts - before
    assert reminder.params == {
        "appointment": starts.isoformat(),
        "mode": "video",
        "place": VIDEO,
        "with": "Anna",
    }


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_reminder_in_the_persons_language_with_the_mode_and_buttons_that_work(
    language: str, lotse: Lotse, content: Content
) -> None:
    seeded = await seed(lotse, ("office", "video"))
    office, video = seeded.slot_ids
    await say(lotse, "4242", *to_booking(language), Choice(f"slot:{office}"))
    await _as_telegram(lotse, "4242")
    starts = aware((await slot(lotse, office)).starts_at)
    sent: list[tuple[str, str, list[str]]] = []

    async def plain(user_key: str, message: str) -> bool:
        raise AssertionError("a reminder goes with its buttons")

    async def with_buttons(user_key: str, message: str, options: Sequence[Any]) -> bool:
        sent.append((user_key, message, [o.id for o in options]))
        return True

    async def deliver(at: dt.datetime) -> int:
        async with lotse.sessions() as session, session.begin():
            return await notify.deliver_due(
                session=session, senders={"telegram": plain}, render=lotse.render_notification,
                now=at, button_senders={"telegram": with_buttons},
                buttons=lotse.notification_buttons,
            )  # fmt: skip

    assert await deliver(starts - dt.timedelta(hours=25)) == 0
    assert await deliver(starts - dt.timedelta(hours=23)) == 1
    assert await deliver(starts - dt.timedelta(hours=22)) == 0  # once, never twice
    ((user, message, buttons),) = sent
    assert user == "4242"
    assert message.startswith(tr(content, language, "handover.reminder").split("{")[0])
    assert content.catalogs.translator(language).datetime(starts) in message
    assert OFFICE in message
    assert "Name Nachname" not in message
    assert buttons == ["nav:appointment_move", "nav:appointment_cancel"]
    # The buttons work wherever the conversation is.
    await _as_web(lotse, "4242")
    moving = await say(lotse, "4242", Choice(buttons[0]))
    assert f"slot:{video}" in option_ids(moving)
    await say(lotse, "4242", Choice("nav:menu"))
    cancelling = await say(lotse, "4242", Choice(buttons[1]))
    assert content.catalogs.translator(language).datetime(starts) in text(cancelling)
    done = await say(lotse, "4242", Choice("cancel_yes"))
    assert tr(content, language, "handover.cancelled") in text(done)
    assert (await the_lead(lotse)).status == "new"


async def test_the_web_chat_shows_a_due_reminder_with_its_buttons(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    (video,) = (await seed(lotse, ("video",))).slot_ids
    session = None
    for body in (
        {"language": "tr"}, {"text": "/human"}, {"choice": "agree"}, {"text": "Ayşe"},
        {"choice": "chat"}, {"choice": "anytime"}, {"choice": f"slot:{video}"},
    ):  # fmt: skip
        session = (await client.post("/api/chat", json={"session": session, **body})).json()[
            "session"
        ]
    await _make_reminders_due(lotse)
    polled = (await client.post("/api/chat/notifications", json={"session": session})).json()
    (reminder,) = polled["messages"]
    assert reminder["text"].startswith("Hatırlatma")
    assert VIDEO in reminder["text"]
    assert [o["id"] for o in reminder["options"]] == [
        "nav:appointment_move",
        "nav:appointment_cancel",
    ]
    moved = (
        await client.post("/api/chat", json={"session": session, "choice": "nav:appointment_move"})
    ).json()
    assert moved["messages"][-1]["options"]  # the slots to move to (or a call-back)
    # Due with the next answer instead: the buttons come first among the answer's options.
    await _make_reminders_due(lotse, again=True)
    answer = (await client.post("/api/chat", json={"session": session, "text": "/menu"})).json()
    assert answer["messages"][0]["text"].startswith("Hatırlatma")
    assert answer["messages"][0]["options"] == []
    ids = [o["id"] for o in answer["messages"][-1]["options"]]
    assert ids[:2] == ["nav:appointment_move", "nav:appointment_cancel"]
    assert "exam" in ids  # the menu's own options stay


async def test_telegram_reminder_buttons_are_signed_for_the_chat(lotse: Lotse) -> None:
    """The inline buttons carry ``nav:`` options the channel's handler accepts at any question."""
    calls: list[Any] = []

    async def call(outgoing: Any, **_: Any) -> Delivery:
        calls.append(outgoing)
        return Delivery(Result.SENT, 1)

    channel: Any = SimpleNamespace(
        handlers=SimpleNamespace(secret="s" * 32), sender=SimpleNamespace(call=call)
    )
    notification = Notification(kind="reminder", message_id="handover.reminder", params={})
    options = lotse.notification_buttons(notification, "ru")
    assert await push_with_buttons(channel, "777", "Напоминание", options)
    (outgoing,) = calls
    keyboard = outgoing.params["reply_markup"]["inline_keyboard"]
    pressed = [button for row in keyboard for button in row]
    assert [b["text"] for b in pressed] == ["Перенести запись", "Отменить запись"]
    for button, option_id in zip(
        pressed, ["nav:appointment_move", "nav:appointment_cancel"], strict=True
    ):
        decoded = _codec.decode(button["callback_data"])
        assert decoded is not None
        for node in (None, "main.menu", "exam.years"):  # whatever question is open then
            resolved = _codec.resolve(
                decoded, secret="s" * 32, chat_id=777, node=node, candidates=[]
            )
            assert resolved == option_id
        assert (
            _codec.resolve(decoded, secret="s" * 32, chat_id=778, node=None, candidates=[]) is None
        )


async def _make_reminders_due(lotse: Lotse, *, again: bool = False) -> None:
    async with lotse.sessions() as session, session.begin():
        for reminder in (await session.execute(select(Notification))).scalars():
            if reminder.kind == "reminder":
                reminder.due_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
                if again:
                    reminder.sent_at = None


async def _as_telegram(lotse: Lotse, user_key: str) -> None:
    await _set_channel(lotse, user_key, "web", "telegram")


async def _as_web(lotse: Lotse, user_key: str) -> None:
    await _set_channel(lotse, user_key, "telegram", "web")


async def _set_channel(lotse: Lotse, user_key: str, old: str, new: str) -> None:
    """The same conversation as a Telegram chat (push) or a web chat (the tests talk to it)."""
    from bot.store.models import Conversation

    async with lotse.sessions() as session, session.begin():
        conversation = (
            await session.execute(
                select(Conversation).where(
                    Conversation.channel == old, Conversation.user_key == user_key
                )
            )
        ).scalar_one()
        conversation.channel = new
