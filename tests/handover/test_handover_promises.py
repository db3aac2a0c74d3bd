"""What the handover promises is what happens: a call-back has a number, a reminder is sent."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.engine import Choice, Start, Text
from bot.handover.counsellors import add_counsellor
from bot.service import Content, Lotse
from bot.store.models import Lead, Notification, Slot, utcnow

LANGUAGES = ["de", "tr", "ru"]


async def _slot(lotse: Lotse, starts_in: dt.timedelta) -> int:
    async with lotse.sessions() as session, session.begin():
        counsellor = await add_counsellor(
            session=session,
            email="berat@example.org",
            name="Beraterin",
            languages=LANGUAGES,
            region="dortmund",
            password="correct horse battery staple",
        )
        start = (utcnow() + starts_in).replace(second=0, microsecond=0)
        slot = Slot(
            counsellor_id=counsellor.id, starts_at=start, ends_at=start + dt.timedelta(minutes=45),
            mode="office", address="Beispielweg 1, 44135 Dortmund",
        )  # fmt: skip
        session.add(slot)
        await session.flush()
        return slot.id


async def _to_booking(lotse: Lotse, user: str, language: str) -> list[str]:
    """Consent, a name, "reach me here in the chat", any time: up to the appointment question."""
    outcome = await lotse.handle(
        channel="web",
        user_key=user,
        events=[
            Start(language=language),
            Text("/human"),
            Choice("agree"),
            Text("Name Nachname"),
            Choice("chat"),
            Choice("anytime"),
        ],
    )
    return [o.id for m in outcome.messages for o in m.options]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_call_back_asks_for_a_number_first(
    language: str, lotse: Lotse, content: Content
) -> None:
    await _to_booking(lotse, "cb", language)
    asked = await lotse.handle(channel="web", user_key="cb", events=[Choice("callback")])
    translator = content.catalogs.translator(language)
    assert translator.text("handover.ask_callback_reach") in [m.text for m in asked.messages]
    assert [o.id for o in asked.messages[-1].options][:3] == ["phone", "email", "slots"]
    async with lotse.sessions() as db:
        lead = (await db.execute(select(Lead))).scalar_one()
        assert lead.callback_requested is False  # not before there is a way to call
    await lotse.handle(channel="web", user_key="cb", events=[Choice("phone")])
    wrong = await lotse.handle(channel="web", user_key="cb", events=[Text("12")])
    assert translator.text("handover.phone_invalid") in [m.text for m in wrong.messages]
    done = await lotse.handle(channel="web", user_key="cb", events=[Text("0151 23456789")])
    assert translator.text("handover.callback_noted") in [m.text for m in done.messages]
    async with lotse.sessions() as db:
        lead = (await db.execute(select(Lead))).scalar_one()
    assert lead.callback_requested is True
    assert lead.contact_via == "phone"
    assert lead.contact_phone == "+4915123456789"


async def test_a_call_back_by_email_keeps_the_address(lotse: Lotse) -> None:
    await _to_booking(lotse, "mail", "de")
    await lotse.handle(channel="web", user_key="mail", events=[Choice("callback"), Choice("email")])
    await lotse.handle(channel="web", user_key="mail", events=[Text("ayse@example.org")])
    async with lotse.sessions() as db:
        lead = (await db.execute(select(Lead))).scalar_one()
    assert (lead.callback_requested, lead.contact_via) == (True, "email")
    assert lead.contact_email == "ayse@example.org"


async def test_who_gave_a_number_is_not_asked_again(lotse: Lotse, content: Content) -> None:
    await lotse.handle(
        channel="web",
        user_key="tel",
        events=[
            Start(language="de"),
            Text("/human"),
            Choice("agree"),
            Text("Name Nachname"),
            Choice("phone"),
            Text("0151 23456789"),
            Choice("anytime"),
        ],
    )
    done = await lotse.handle(channel="web", user_key="tel", events=[Choice("callback")])
    noted = content.catalogs.translator("de").text("handover.callback_noted")
    assert noted in [m.text for m in done.messages]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_no_reminder_is_promised_for_an_appointment_too_soon_for_one(
    language: str, lotse: Lotse, content: Content
) -> None:
    slot_id = await _slot(lotse, dt.timedelta(hours=2, minutes=10))
    assert f"slot:{slot_id}" in await _to_booking(lotse, "soon", language)
    booked = await lotse.handle(channel="web", user_key="soon", events=[Choice(f"slot:{slot_id}")])
    texts = "\n".join(m.text for m in booked.messages)
    translator = content.catalogs.translator(language)
    for promise in ("handover.booked", "handover.booked_short_reminder"):
        assert translator.text(promise).split("{meeting}")[1].strip()[:30] not in texts
    assert translator.text("handover.booked_soon").split("{meeting}")[1].strip()[:30] in texts
    async with lotse.sessions() as db:
        assert (await db.execute(select(Notification))).scalars().all() == []


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_short_reminder_is_promised_and_scheduled_within_a_day(
    language: str, lotse: Lotse, content: Content
) -> None:
    slot_id = await _slot(lotse, dt.timedelta(hours=3))
    await _to_booking(lotse, "soon", language)
    booked = await lotse.handle(channel="web", user_key="soon", events=[Choice(f"slot:{slot_id}")])
    texts = "\n".join(m.text for m in booked.messages)
    translator = content.catalogs.translator(language)
    promise = translator.text("handover.booked_short_reminder").split("{meeting}")[1].strip()
    assert promise[:30] in texts
    async with lotse.sessions() as db:
        slot = await db.get(Slot, slot_id)
        (reminder,) = (await db.execute(select(Notification))).scalars().all()
    assert slot is not None
    assert _aware(reminder.due_at) == _aware(slot.starts_at) - dt.timedelta(hours=2)
    assert reminder.message_id == "handover.reminder_soon"


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


async def test_a_reminder_is_promised_and_scheduled_two_days_ahead(
    lotse: Lotse, content: Content
) -> None:
    slot_id = await _slot(lotse, dt.timedelta(days=2))
    await _to_booking(lotse, "later", "de")
    booked = await lotse.handle(channel="web", user_key="later", events=[Choice(f"slot:{slot_id}")])
    texts = "\n".join(m.text for m in booked.messages)
    assert "Einen Tag vorher bekommen Sie eine Erinnerung" in texts
    async with lotse.sessions() as db:
        reminders = (await db.execute(select(Notification))).scalars().all()
    assert [r.kind for r in reminders] == ["reminder"]
