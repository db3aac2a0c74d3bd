"""From "I want to talk to someone" to a booked appointment: consent, contact, lead, booking."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from bot.config import Settings
from bot.engine import Choice, Start, Text
from bot.handover import booking, leads, notify
from bot.handover.counsellors import add_counsellor
from bot.handover.retention import purge
from bot.service import Content, Lotse
from bot.store.db import create_engine
from bot.store.models import Base, Booking, Consent, Conversation, Lead, Notification, Slot, utcnow
from tests.handover.helpers import to_booking

LANGUAGES = ["de", "tr", "ru"]
NAMES = {"de": "Zeynep", "tr": "Ayşe", "ru": "Ольга"}


async def seed(
    lotse: Lotse, *, languages: list[str], slots: int = 3, region: str = "dortmund"
) -> list[int]:
    """One counsellor with free video slots starting tomorrow at 10:00 UTC, one hour apart.

    Video, so that a person reached "here in the chat" books without being asked for a number.
    """
    start = (utcnow() + dt.timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    async with lotse.sessions() as session, session.begin():
        counsellor = await add_counsellor(
            session=session,
            email=f"c-{'-'.join(languages)}-{region}@example.org",
            name="Beraterin",
            languages=languages,
            region=region,
            password="correct horse battery staple",
        )
        created = [
            Slot(
                counsellor_id=counsellor.id,
                starts_at=start + dt.timedelta(hours=i),
                ends_at=start + dt.timedelta(hours=i, minutes=45),
                mode="video",
                video_url="https://meet.example.org/lotse",
            )
            for i in range(slots)
        ]
        session.add_all(created)
        await session.flush()
        return [s.id for s in created]


async def post(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/chat", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def options(answer: dict[str, Any]) -> list[str]:
    return [o["id"] for m in answer["messages"] for o in m["options"]]


def shown(answer: dict[str, Any]) -> str:
    return "\n".join(m["text"] for m in answer["messages"])


@pytest.mark.parametrize("language", LANGUAGES)
async def test_from_request_to_booked_appointment(
    language: str, client: httpx.AsyncClient, lotse: Lotse, content: Content
) -> None:
    slot_ids = await seed(lotse, languages=[language])
    first = await post(client, session=None, language=language)
    session = first["session"]
    await post(client, session=session, choice="exam")
    await post(client, session=session, choice="koch")
    await post(client, session=session, text="5")
    await post(client, session=session, choice="full")
    consent = await post(client, session=session, choice="human")
    assert options(consent)[:2] == ["agree", "refuse"]
    assert "180" in shown(consent)  # the retention period is part of the consent text
    await post(client, session=session, choice="agree")
    await post(client, session=session, text=NAMES[language])
    await post(client, session=session, choice="phone")
    invalid = await post(client, session=session, text="12")
    assert "phone" not in str(await _lead_contact(lotse))
    assert options(invalid)  # asked again, nothing lost
    await post(client, session=session, text="0151 23456789")
    offer = await post(client, session=session, choice="mornings")
    offered = [o for o in options(offer) if o.startswith("slot:")]
    assert offered == [f"slot:{i}" for i in slot_ids]
    confirmed = await post(client, session=session, choice=offered[0])
    async with lotse.sessions() as db:
        slot = await db.get(Slot, slot_ids[0])
        assert slot is not None
        lead = (await db.execute(select(Lead))).scalar_one()
        reminder = (await db.execute(select(Notification))).scalar_one()
    when = content.catalogs.translator(language).datetime(_aware(slot.starts_at))
    assert when in shown(confirmed)
    assert lead.status == "scheduled"
    assert lead.language == language
    assert lead.contact_name == NAMES[language]
    assert lead.contact_phone == "+4915123456789"
    assert lead.counsellor_id is not None
    assert lead.interpreter_needed is False
    assert lead.facts["slots"]["occupation"] == "koch"
    assert lead.facts["exam"]["needed"] == "4.5"
    assert _aware(reminder.due_at) == _aware(slot.starts_at) - dt.timedelta(hours=24)
    # The appointment can be seen, cancelled and rebooked from the chat.
    mine = await post(client, session=session, text="/menu")
    assert "appointment" in options(mine)
    manage = await post(client, session=session, choice="appointment")
    assert when in shown(manage)
    rebook = await post(client, session=session, choice="rebook")
    assert f"slot:{slot_ids[0]}" not in options(rebook)  # still booked until the move is confirmed
    move = await post(client, session=session, choice=f"slot:{slot_ids[1]}")
    assert options(move)[:2] == ["move", "keep"]
    await post(client, session=session, choice="move")
    async with lotse.sessions() as db:
        bookings = (await db.execute(select(Booking))).scalars().all()
    assert [b.slot_id for b in bookings] == [slot_ids[1]]


async def _lead_contact(lotse: Lotse) -> list[Any]:
    async with lotse.sessions() as db:
        return list((await db.execute(select(Lead.contact_phone))).scalars())


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


async def test_no_counsellor_speaks_the_language_notes_an_interpreter(lotse: Lotse) -> None:
    slot_ids = await seed(lotse, languages=["de"])
    outcome = await _to_booking(lotse, "ru-user", "ru")
    assert any(o.id == f"slot:{slot_ids[0]}" for m in outcome for o in m.options)
    await lotse.handle(channel="web", user_key="ru-user", events=[Choice(f"slot:{slot_ids[0]}")])
    async with lotse.sessions() as db:
        lead = (await db.execute(select(Lead))).scalar_one()
    assert lead.interpreter_needed is True


async def _to_booking(lotse: Lotse, user: str, language: str, *, channel: str = "web") -> list[Any]:
    """Consent, name, reach in this chat, any time: up to the appointment question."""
    outcome = await lotse.handle(channel=channel, user_key=user, events=to_booking(language))
    return outcome.messages


async def test_consent_refused_stores_nothing_personal(lotse: Lotse) -> None:
    await lotse.handle(
        channel="web",
        user_key="shy",
        events=[
            Start(language="tr"),
            Choice("exam"),
            Choice("koch"),
            Text("/human"),
            Choice("refuse"),
        ],
    )
    async with lotse.sessions() as db:
        assert (await db.execute(select(func.count(Consent.id)))).scalar_one() == 0
        assert (await db.execute(select(func.count(Lead.id)))).scalar_one() == 0
        conversation = (await db.execute(select(Conversation))).scalar_one()
    assert not {"consent", "contact_name"} & set(conversation.state["slots"])
    outcome = await lotse.handle(channel="web", user_key="shy", events=[Text("/menu")])
    assert any(o.id == "exam" for m in outcome.messages for o in m.options)  # advice goes on


async def test_fifty_people_one_slot_exactly_one_booking(lotse: Lotse) -> None:
    slot_ids = await seed(lotse, languages=["de"], slots=2)
    for i in range(50):
        await _to_booking(lotse, f"p{i}", "de")
    outcomes = await asyncio.gather(
        *(
            lotse.handle(channel="web", user_key=f"p{i}", events=[Choice(f"slot:{slot_ids[0]}")])
            for i in range(50)
        )
    )
    async with lotse.sessions() as db:
        bookings = (await db.execute(select(Booking))).scalars().all()
        scheduled = (
            await db.execute(select(func.count()).where(Lead.status == "scheduled"))
        ).scalar_one()
    assert [b.slot_id for b in bookings] == [slot_ids[0]]
    assert scheduled == 1
    taken = [o for o in outcomes if any("slot:" in opt.id for m in o.messages for opt in m.options)]
    assert len(taken) == 49  # the others are offered the remaining slot
    assert all(
        f"slot:{slot_ids[1]}" in [x.id for m in o.messages for x in m.options] for o in taken
    )


async def test_erasure_leaves_no_trace(lotse: Lotse, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    slot_ids = await seed(lotse, languages=["de"])
    canaries = ["Kanarienvogel Quux", "canary.quux@example.org", "+4915199887766"]
    await lotse.handle(
        channel="web",
        user_key="canary",
        events=[
            Start(language="de"),
            Text("/human"),
            Choice("agree"),
            Text(canaries[0]),
            Choice("email"),
        ],
    )
    await lotse.handle(
        channel="web", user_key="canary", events=[Text(canaries[1]), Choice("evenings")]
    )
    await lotse.handle(channel="web", user_key="canary", events=[Choice(f"slot:{slot_ids[0]}")])
    assert canaries[0] in await _dump(lotse)
    await lotse.handle(
        channel="web", user_key="canary", events=[Text("/delete"), Choice("confirm")]
    )
    dump = await _dump(lotse)
    for canary in canaries:
        assert canary not in dump
        assert canary not in caplog.text
    async with lotse.sessions() as db:
        assert (await db.execute(select(func.count(Booking.id)))).scalar_one() == 0


async def _dump(lotse: Lotse) -> str:
    """Every row of every table, as text."""
    rows: list[str] = []
    async with lotse.sessions() as db:
        for table in Base.metadata.sorted_tables:
            result = await db.execute(text(f"SELECT * FROM {table.name}"))
            rows += [str(tuple(row)) for row in result]
    return "\n".join(rows)


async def test_reminder_survives_a_restart(settings: Settings, content: Content) -> None:
    first = Lotse(settings, content, create_engine(settings.effective_database_url))
    slot_ids = await seed(first, languages=["tr"])
    await _to_booking(first, "4242", "tr", channel="telegram")
    await first.handle(channel="telegram", user_key="4242", events=[Choice(f"slot:{slot_ids[0]}")])
    await first.close()

    second = Lotse(settings, content, create_engine(settings.effective_database_url))
    sent: list[tuple[str, str]] = []

    async def sender(user_key: str, message: str) -> bool:
        sent.append((user_key, message))
        return True

    async with second.sessions() as db:
        slot = await db.get(Slot, slot_ids[0])
        assert slot is not None
        start = _aware(slot.starts_at)
    async with second.sessions() as db, db.begin():
        early = await notify.deliver_due(
            session=db, senders={"telegram": sender}, render=second.render_notification,
            now=start - dt.timedelta(hours=25),
        )  # fmt: skip
    assert early == 0
    async with second.sessions() as db, db.begin():
        count = await notify.deliver_due(
            session=db, senders={"telegram": sender}, render=second.render_notification,
            now=start - dt.timedelta(hours=23),
        )  # fmt: skip
    async with second.sessions() as db, db.begin():
        again = await notify.deliver_due(
            session=db, senders={"telegram": sender}, render=second.render_notification,
            now=start - dt.timedelta(hours=22),
        )  # fmt: skip
    await second.close()
    assert (count, again) == (1, 0)  # delivered once, never twice
    assert sent[0][0] == "4242"
    assert content.catalogs.translator("tr").datetime(start) in sent[0][1]


async def test_web_chat_shows_due_notifications(lotse: Lotse) -> None:
    slot_ids = await seed(lotse, languages=["ru"])
    await _to_booking(lotse, "web-ru", "ru")
    await lotse.handle(channel="web", user_key="web-ru", events=[Choice(f"slot:{slot_ids[0]}")])
    async with lotse.sessions() as db, db.begin():
        reminder = (await db.execute(select(Notification))).scalar_one()
        reminder.due_at = utcnow() - dt.timedelta(minutes=1)
    outcome = await lotse.handle(channel="web", user_key="web-ru", events=[Text("/menu")])
    assert (
        "Напоминание" in outcome.messages[0].text or "напомина" in outcome.messages[0].text.lower()
    )
    outcome = await lotse.handle(channel="web", user_key="web-ru", events=[Text("/menu")])
    assert all("напомина" not in m.text.lower() for m in outcome.messages)


async def test_purge_applies_retention(lotse: Lotse) -> None:
    await _to_booking(lotse, "old", "de")
    await _to_booking(lotse, "open", "de")
    long_ago = utcnow() - dt.timedelta(days=200)
    async with lotse.sessions() as db, db.begin():
        leads = {lead.conversation_id: lead for lead in (await db.execute(select(Lead))).scalars()}
        conversations = {c.user_key: c for c in (await db.execute(select(Conversation))).scalars()}
        old = leads[conversations["old"].id]
        old.status, old.updated_at = "done", long_ago
        conversations["old"].updated_at = long_ago
        conversations["open"].updated_at = long_ago  # idle, but its lead is still open
    async with lotse.sessions() as db, db.begin():
        report = await purge(session=db, retention_days=180)
    assert (report.leads, report.conversations) == (1, 1)
    async with lotse.sessions() as db:
        keys = list((await db.execute(select(Conversation.user_key))).scalars())
    assert keys == ["open"]


async def test_free_slots_prefer_the_persons_language(lotse: Lotse) -> None:
    german = await seed(lotse, languages=["de"], slots=1)
    turkish = await seed(lotse, languages=["tr", "de"], slots=1)
    async with lotse.sessions() as db:
        for_tr = await booking.free_slots(session=db, region="dortmund", language="tr")
        for_de = await booking.free_slots(session=db, region="dortmund", language="de")
        elsewhere = await booking.free_slots(session=db, region="luckenwalde", language="de")
    assert [s.slot_id for s in for_tr] == turkish
    assert sorted(s.slot_id for s in for_de) == sorted(german + turkish)
    assert elsewhere == []


async def test_a_taken_slot_keeps_the_old_appointment_and_closing_drops_reminders(
    lotse: Lotse,
) -> None:
    slot_ids = await seed(lotse, languages=["de"], slots=2)
    await _to_booking(lotse, "a", "de")
    await lotse.handle(channel="web", user_key="a", events=[Choice(f"slot:{slot_ids[0]}")])
    await _to_booking(lotse, "b", "de")
    await lotse.handle(channel="web", user_key="b", events=[Choice(f"slot:{slot_ids[1]}")])
    async with lotse.sessions() as db, db.begin():
        lead_a = (await db.execute(select(Lead).order_by(Lead.id))).scalars().first()
        assert lead_a is not None
        assert await booking.book(session=db, lead=lead_a, slot_id=slot_ids[1]) is None
        kept = await booking.booked_slot(session=db, lead=lead_a)
        assert kept is not None
        assert kept.id == slot_ids[0]
        reminders = select(func.count()).where(
            Notification.conversation_id == lead_a.conversation_id
        )
        assert (await db.execute(reminders)).scalar_one() == 1
        assert await leads.change_status(session=db, lead=lead_a, to_status="done", actor="system")
        assert (await db.execute(reminders)).scalar_one() == 0


async def test_without_free_slots_a_call_back_is_offered(lotse: Lotse, content: Content) -> None:
    outcome = await lotse.handle(
        channel="web", user_key="nobody-free", events=to_booking("de", phone=True)
    )
    texts = [m.text for m in outcome.messages]
    no_slots = content.catalogs.translator("de").text("handover.no_slots")
    choose = content.catalogs.translator("de").text("handover.choose_slot")
    assert texts[-1] == no_slots
    assert choose not in texts
    assert [o.id for o in outcome.messages[-1].options][:2] == ["callback", "later"]


async def test_without_free_slots_someone_reached_in_the_chat_hears_they_are_written_to_there(
    lotse: Lotse, content: Content
) -> None:
    for language in ("de", "tr", "ru"):
        outcome = await _to_booking(lotse, f"chat-{language}", language)
        translator = content.catalogs.translator(language)
        assert outcome[-1].text == translator.text("handover.no_slots_chat")
        assert translator.text("handover.no_slots") not in [m.text for m in outcome]
        assert [o.id for o in outcome[-1].options][:2] == ["callback", "later"]


async def test_an_open_web_page_collects_a_due_reminder_once(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    slot_ids = await seed(lotse, languages=["tr"])
    start = await post(client, session=None, language="tr")
    session = start["session"]
    for body in (
        {"text": "/human"},
        {"choice": "agree"},
        {"text": "Ayşe"},
        {"choice": "chat"},
        {"choice": "anytime"},
        {"choice": f"slot:{slot_ids[0]}"},
    ):
        await post(client, session=session, **body)
    nothing = await client.post("/api/chat/notifications", json={"session": session})
    assert nothing.json()["messages"] == []
    async with lotse.sessions() as db, db.begin():
        reminder = (await db.execute(select(Notification))).scalar_one()
        reminder.due_at = utcnow() - dt.timedelta(minutes=1)
    due = (await client.post("/api/chat/notifications", json={"session": session})).json()
    assert len(due["messages"]) == 1
    assert "Hatırlatma" in due["messages"][0]["text"]
    again = (await client.post("/api/chat/notifications", json={"session": session})).json()
    assert again["messages"] == []
    unknown = await client.post("/api/chat/notifications", json={"session": "nope"})
    assert unknown.status_code == 404


@pytest.fixture
async def lotse_with_group(settings: Settings, content: Content) -> AsyncIterator[Lotse]:
    grouped = settings.model_copy(update={"telegram_counsellor_chat_id": -100123})
    core = Lotse(grouped, content, create_engine(settings.effective_database_url))
    yield core
    await core.close()


async def test_counsellor_group_hears_of_new_leads_without_personal_data(
    lotse_with_group: Lotse,
) -> None:
    lotse = lotse_with_group
    await _to_booking(lotse, "group-note", "ru")
    sent: list[tuple[str, str]] = []

    async def group(user_key: str, message: str) -> bool:
        sent.append((user_key, message))
        return True

    # The web page of the person never shows the staff note.
    outcome = await lotse.handle(channel="web", user_key="group-note", events=[Text("/menu")])
    assert all("Anfrage Nr." not in m.text for m in outcome.messages)
    async with lotse.sessions() as db, db.begin():
        count = await notify.deliver_due(
            session=db, senders={notify.STAFF: group}, render=lotse.render_notification
        )
        lead = (await db.execute(select(Lead))).scalar_one()
    assert count == 1
    ((_, message),) = sent
    assert f"Nr. {lead.id}" in message  # German for the staff, whatever the person's language
    assert "ru" in message
    assert "Name Nachname" not in message


async def test_an_erased_person_takes_the_unsent_group_note_along(lotse_with_group: Lotse) -> None:
    lotse = lotse_with_group
    await _to_booking(lotse, "gone", "de")
    async with lotse.sessions() as db:
        assert (await db.execute(select(func.count(Notification.id)))).scalar_one() == 1
    await lotse.handle(channel="web", user_key="gone", events=[Text("/delete"), Choice("confirm")])
    async with lotse.sessions() as db:
        notes = (await db.execute(select(func.count(Notification.id)))).scalar_one()
    assert notes == 0
