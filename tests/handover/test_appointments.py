"""Every appointment is the person's to see: booked by them, or set, moved, cancelled by a
counsellor."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.dashboard import queries
from bot.engine import Choice, Text
from bot.service import Content, Lotse
from bot.store.models import Booking, Conversation, Lead, Notification
from tests.handover.helpers import (
    LANGUAGES,
    OFFICE,
    PHONE_E164,
    VIDEO,
    WHEN_IS_MY_APPOINTMENT,
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


async def _counsellor_schedules(lotse: Lotse, counsellor_id: int, slot_id: int) -> None:
    """What the dashboard's "Termin eintragen" does (claimed first)."""
    async with lotse.sessions() as session, session.begin():
        lead = (await session.execute(select(Lead))).scalar_one()
        if lead.status == "new":
            assert await queries.claim(
                session=session, lead_id=lead.id, counsellor_id=counsellor_id, region="dortmund"
            )
            await session.refresh(lead)
        assert await queries.schedule(
            session=session, lead=lead, slot_id=slot_id, counsellor_id=counsellor_id
        )


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_counsellors_appointment_is_in_my_appointment_and_my_data(
    language: str, lotse: Lotse, content: Content
) -> None:
    seeded = await seed(lotse, ("office", "video"))
    await say(lotse, "p", *to_booking(language), Choice("later"))  # no slot chosen by the person
    await _counsellor_schedules(lotse, seeded.counsellor_id, seeded.slot_ids[0])
    starts = aware((await slot(lotse, seeded.slot_ids[0])).starts_at)
    when = content.catalogs.translator(language).datetime(starts)

    told = await say(lotse, "p", Text("/menu"))  # the news comes with the next answer
    assert when in told.messages[0].text
    assert OFFICE in told.messages[0].text  # how the meeting happens is part of the news
    assert "appointment" in option_ids(told)  # the menu offers "Mein Termin" now

    mine = await say(lotse, "p", Text(WHEN_IS_MY_APPOINTMENT[language]))
    shown = text(mine)
    assert when in shown
    assert OFFICE in shown
    assert "Anna" in shown
    assert "Schmidt" not in shown  # the counsellor's first name only
    assert option_ids(mine)[:3] == ["keep", "rebook", "cancel"]
    assert tr(content, language, "handover.no_appointment") not in shown

    data = await say(lotse, "p", Text("/mydata"))
    listed = text(data)
    assert f"{tr(content, language, 'data.appointment')}: {when}" in listed
    assert tr(content, language, "handover.mode_office") in listed
    assert "appointment" in option_ids(data)


async def test_the_my_appointment_command_works_anywhere_and_without_an_appointment(
    lotse: Lotse, content: Content
) -> None:
    await say(lotse, "n", *to_booking("de"))
    none = await say(lotse, "n", Choice("nav:appointment"))
    assert tr(content, "de", "handover.no_appointment") in text(none)
    command = await say(lotse, "n", Text("/appointment"))
    assert tr(content, "de", "handover.no_appointment") in text(command)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_new_slot_while_booked_asks_to_move_and_no_keeps_the_old_one(
    language: str, lotse: Lotse, content: Content
) -> None:
    seeded = await seed(lotse, ("video", "office", "video"))
    first, second, third = seeded.slot_ids
    await say(lotse, "m", *to_booking(language), Choice(f"slot:{first}"))
    translator = content.catalogs.translator(language)
    old = translator.datetime(aware((await slot(lotse, first)).starts_at))
    new = translator.datetime(aware((await slot(lotse, second)).starts_at))

    # Asking for a counsellor again offers slots; choosing one does not replace silently.
    again = await say(lotse, "m", Text("/human"))
    assert f"slot:{first}" not in option_ids(again)  # one's own booked slot is not offered
    asked = await say(lotse, "m", Choice(f"slot:{second}"))
    assert old in text(asked)
    assert new in text(asked)
    assert OFFICE in text(asked)  # the new one's mode, before deciding
    assert option_ids(asked)[:2] == ["move", "keep"]
    async with lotse.sessions() as db:
        assert list((await db.execute(select(Booking.slot_id))).scalars()) == [first]

    kept = await say(lotse, "m", Choice("keep"))
    assert old in text(kept)
    async with lotse.sessions() as db:
        assert list((await db.execute(select(Booking.slot_id))).scalars()) == [first]
        reminders = list((await db.execute(select(Notification.kind))).scalars())
    assert reminders == ["reminder"]  # the old appointment's reminder stays

    # From "Mein Termin": move, confirmed this time.
    await say(lotse, "m", Choice("nav:appointment"), Choice("rebook"))
    await say(lotse, "m", Choice(f"slot:{third}"))
    moved = await say(lotse, "m", Choice("move"))
    assert translator.datetime(aware((await slot(lotse, third)).starts_at)) in text(moved)
    async with lotse.sessions() as db:
        assert list((await db.execute(select(Booking.slot_id))).scalars()) == [third]
        reminders = list((await db.execute(select(Notification))).scalars())
    assert len(reminders) == 1  # one reminder, for the new time
    assert (
        reminders[0].params["appointment"]
        == aware((await slot(lotse, third)).starts_at).isoformat()
    )


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_counsellors_move_is_announced_in_the_persons_language(
    language: str, lotse: Lotse, content: Content
) -> None:
    seeded = await seed(lotse, ("video", "video"))
    first, second = seeded.slot_ids
    await say(lotse, "c", *to_booking(language), Choice(f"slot:{first}"))
    await _counsellor_schedules(lotse, seeded.counsellor_id, second)
    translator = content.catalogs.translator(language)
    before = translator.datetime(aware((await slot(lotse, first)).starts_at))
    after = translator.datetime(aware((await slot(lotse, second)).starts_at))
    async with lotse.sessions() as db:
        news = (
            await db.execute(select(Notification).where(Notification.kind == "moved"))
        ).scalar_one()
    assert news.message_id == "handover.moved_by_counsellor"
    assert "Name" not in str(news.params)  # nothing of the person in the stored news

    told = await say(lotse, "c", Text("/menu"))
    first_message = told.messages[0].text
    opening = tr(content, language, "handover.moved_by_counsellor").split("{")[0]
    assert first_message.startswith(opening)  # in the person's language
    assert before in first_message
    assert after in first_message
    assert VIDEO in first_message
    # "Mein Termin" comes with the news, before the menu's own options.
    assert option_ids(told)[0] == "nav:appointment"
    mine = await say(lotse, "c", Choice("nav:appointment"))
    assert after in text(mine)
    assert before not in text(mine)


async def test_a_counsellors_cancellation_removes_the_appointment(
    lotse: Lotse, content: Content
) -> None:
    seeded = await seed(lotse, ("phone",))
    await say(lotse, "x", *to_booking("tr", phone=True), Choice(f"slot:{seeded.slot_ids[0]}"))
    booked = await say(lotse, "x", Choice("nav:appointment"))
    assert PHONE_E164 in text(booked)  # a phone call: the number the counsellor will call
    async with lotse.sessions() as session, session.begin():
        lead = (await session.execute(select(Lead))).scalar_one()
        assert await queries.cancel(session=session, lead=lead, actor="counsellor:1")
    told = await say(lotse, "x", Text("/menu"))
    assert told.messages[0].text.startswith(
        tr(content, "tr", "handover.cancelled_by_counsellor").split("(")[0]
    )
    assert "appointment" not in option_ids(told)
    gone = await say(lotse, "x", Text(WHEN_IS_MY_APPOINTMENT["tr"]))
    assert tr(content, "tr", "handover.no_appointment") in text(gone)
    data = await say(lotse, "x", Text("/mydata"))
    assert tr(content, "tr", "data.appointment") not in text(data)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_cancelling_asks_first(language: str, lotse: Lotse, content: Content) -> None:
    seeded = await seed(lotse, ("video",))
    await say(lotse, "k", *to_booking(language), Choice(f"slot:{seeded.slot_ids[0]}"))
    asked = await say(lotse, "k", Choice("nav:appointment"), Choice("cancel"))
    assert [o.id for o in asked.messages[-1].options][:2] == ["cancel_yes", "cancel_no"]
    await say(lotse, "k", Choice("cancel_no"))
    assert (await the_lead(lotse)).status == "scheduled"
    await say(lotse, "k", Choice("nav:appointment"), Choice("cancel"))
    done = await say(lotse, "k", Choice("cancel_yes"))
    assert tr(content, language, "handover.cancelled") in text(done)
    async with lotse.sessions() as db:
        assert list((await db.execute(select(Booking))).scalars()) == []
        assert list((await db.execute(select(Notification))).scalars()) == []


async def test_typing_a_buttons_label_answers_the_question_first(
    lotse: Lotse, content: Content
) -> None:
    """ "Termin absagen" at "Mein Termin" is that button, not "Mein Termin" again."""
    seeded = await seed(lotse, ("video",))
    await say(lotse, "t", *to_booking("de"), Choice(f"slot:{seeded.slot_ids[0]}"))
    await say(lotse, "t", Choice("nav:appointment"))
    typed = await say(lotse, "t", Text("Termin absagen"))
    assert tr(content, "de", "handover.cancel_confirm").split("{")[0] in text(typed)


async def test_a_slot_button_of_an_older_offer_offers_the_slots_again(
    lotse: Lotse, content: Content
) -> None:
    """Offers stored before slots had a mode were bare times: such a button books nothing."""
    seeded = await seed(lotse, ("video",))
    slot_id = seeded.slot_ids[0]
    await say(lotse, "o", *to_booking("de"))
    async with lotse.sessions() as session, session.begin():
        conversation = (await session.execute(select(Conversation))).scalar_one()
        conversation.state = {
            **conversation.state,
            "slot_offers": {str(slot_id): "2030-01-01T10:00:00+00:00"},
        }
    again = await say(lotse, "o", Choice(f"slot:{slot_id}"))
    assert tr(content, "de", "handover.slot_taken") in text(again)
    assert f"slot:{slot_id}" in option_ids(again)
    assert "{" not in text(again)
    async with lotse.sessions() as db:
        assert list((await db.execute(select(Booking))).scalars()) == []


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_counsellors_phone_appointment_without_a_number_asks_for_one(
    language: str, lotse: Lotse, content: Content
) -> None:
    seeded = await seed(lotse, ("phone",))
    await say(lotse, "q", *to_booking(language), Choice("later"))  # reached "here in the chat"
    await _counsellor_schedules(lotse, seeded.counsellor_id, seeded.slot_ids[0])
    mine = await say(lotse, "q", Choice("nav:appointment"))
    missing = tr(content, language, "handover.meeting_phone_missing").split("{with}")[1].strip()
    assert missing in text(mine)
    assert "give_phone" in option_ids(mine)
    await say(lotse, "q", Choice("give_phone"))
    given = await say(lotse, "q", Text("0151 23456789"))
    assert PHONE_E164 in text(given)  # "Mein Termin" again, now with the number to be called
    assert "give_phone" not in option_ids(given)
    lead = await the_lead(lotse)
    assert (lead.contact_via, lead.contact_phone, lead.status) == ("phone", PHONE_E164, "scheduled")
