"""How the meeting happens (phone, office, video) is set by the counsellor and shown to the person:
in the slot options, the confirmation, "Mein Termin", the reminder and the calendar files."""

from __future__ import annotations

import dataclasses
import datetime as dt

import httpx
import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.content.models import BodyKind
from bot.dashboard import auth
from bot.engine import Choice, Text
from bot.handover import meeting
from bot.handover.meeting import MeetingError, checked, office_address
from bot.service import Content, Lotse
from bot.store.models import AvailabilityRule, DashboardSession, Slot
from tests.handover.helpers import (
    LANGUAGES,
    OFFICE,
    PHONE,
    PHONE_E164,
    VIDEO,
    aware,
    labels,
    option_ids,
    say,
    seed,
    slot,
    text,
    the_lead,
    to_booking,
    tr,
)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_mode_is_shown_before_booking_and_in_the_confirmation(
    language: str, lotse: Lotse, content: Content
) -> None:
    phone, office, video = (await seed(lotse)).slot_ids
    offer = await say(lotse, "p", *to_booking(language, phone=True))
    shown = labels(offer)
    translator = content.catalogs.translator(language)
    for slot_id, mode in ((phone, "phone"), (office, "office"), (video, "video")):
        when = translator.datetime(aware((await slot(lotse, slot_id)).starts_at))
        assert (
            shown[f"slot:{slot_id}"] == f"{when} · {tr(content, language, f'handover.mode_{mode}')}"
        )
    booked = await say(lotse, "p", Choice(f"slot:{video}"))
    assert VIDEO in text(booked)
    assert "Anna" in text(booked)
    await say(lotse, "p", Choice("nav:appointment"), Choice("rebook"), Choice(f"slot:{office}"))
    moved = await say(lotse, "p", Choice("move"))
    assert OFFICE in text(moved)
    await say(lotse, "p", Choice("nav:appointment"), Choice("rebook"), Choice(f"slot:{phone}"))
    called = await say(lotse, "p", Choice("move"))
    assert PHONE_E164 in text(called)  # the number the counsellor will call


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_phone_slot_without_a_number_asks_for_one_or_another_slot(
    language: str, lotse: Lotse, content: Content
) -> None:
    phone, office, _ = (await seed(lotse)).slot_ids
    await say(lotse, "n", *to_booking(language))  # "here in the chat": no number
    asked = await say(lotse, "n", Choice(f"slot:{phone}"))
    assert tr(content, language, "handover.ask_phone_for_slot") in text(asked)
    assert option_ids(asked)[:2] == ["phone", "other"]
    back = await say(lotse, "n", Choice("other"))
    assert f"slot:{office}" in option_ids(back)  # another slot (another mode) to choose
    await say(lotse, "n", Choice(f"slot:{phone}"), Choice("phone"))
    wrong = await say(lotse, "n", Text("12"))
    assert tr(content, language, "handover.phone_invalid") in text(wrong)
    booked = await say(lotse, "n", Text(PHONE))
    assert PHONE_E164 in text(booked)
    lead = await the_lead(lotse)
    assert (lead.status, lead.contact_via, lead.contact_phone) == ("scheduled", "phone", PHONE_E164)


async def test_the_persons_calendar_file_says_how_and_holds_nothing_personal(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    _, office, video = (await seed(lotse)).slot_ids
    session = None
    for body in (
        {"language": "ru"}, {"text": "/human"}, {"choice": "agree"}, {"text": "Ольга Петрова"},
        {"choice": "email"}, {"text": "olga@example.org"}, {"choice": "anytime"},
        {"choice": f"slot:{video}"},
    ):  # fmt: skip
        answer = (await client.post("/api/chat", json={"session": session, **body})).json()
        session = answer["session"]
    links = [link for m in answer["messages"] for link in m.get("links", [])]
    assert {
        "title": "Добавить запись в мой календарь (.ics)",
        "url": "/api/appointment.ics",
    } in links
    assert (await client.get("/api/appointment.ics")).status_code == 404  # no cookie, no file
    client.cookies.set("lotse_session", session)
    response = await client.get("/api/appointment.ics")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("dtstart") == aware((await slot(lotse, video)).starts_at)
    assert str(event["location"]) == VIDEO
    assert str(event["summary"]) == "Консультация (Lotse)"
    description = str(event["description"])
    assert "Anna" in description
    for personal in ("Ольга", "Петрова", "olga@example.org"):
        assert personal not in response.text
    # An office appointment: the address is the place.
    for body in ({"choice": "nav:appointment"}, {"choice": "rebook"}, {"choice": f"slot:{office}"}):
        await client.post("/api/chat", json={"session": session, **body})
    await client.post("/api/chat", json={"session": session, "choice": "move"})
    (event,) = Calendar.from_ical((await client.get("/api/appointment.ics")).content).walk("VEVENT")
    assert str(event["location"]) == OFFICE
    client.cookies.set("lotse_session", "someone-else")
    assert (await client.get("/api/appointment.ics")).status_code == 404


async def test_the_counsellors_calendar_file_has_the_place_but_not_the_persons_data(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    phone, _, _ = (await seed(lotse)).slot_ids
    await say(lotse, "c", *to_booking("de", phone=True), Choice(f"slot:{phone}"))
    lead = await the_lead(lotse)
    staff = await _session(lotse, lead.counsellor_id)
    response = await client.get(f"/dashboard/leads/{lead.id}/appointment.ics", headers=staff)
    assert response.status_code == 200
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["location"]) == "Telefon"
    description = str(event["description"])
    assert f"Fall {lead.id}" in description
    for personal in (PHONE_E164, "Name Nachname"):
        assert personal not in description


async def test_the_slot_form_needs_the_place_of_the_mode(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    counsellor_id = (await seed(lotse, ())).counsellor_id
    headers = await _session(lotse, counsellor_id)
    csrf = await _csrf(lotse, counsellor_id)
    day = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    base = {"csrf": csrf, "date": day, "slot_minutes": "45"}
    cases = [
        ({"start": "09:00", "mode": "office", "address": " "}, "meeting_address"),
        (
            {"start": "09:00", "mode": "video", "video_url": "http://meet.example.org/x"},
            "meeting_link",
        ),
        ({"start": "09:00", "mode": "video", "video_url": "https://"}, "meeting_link"),
        ({"start": "09:00", "mode": "fax"}, "meeting_mode"),
        ({"start": "10:00", "mode": "office", "address": OFFICE}, "slot_added"),
        ({"start": "11:00", "mode": "video", "video_url": VIDEO}, "slot_added"),
        ({"start": "12:00", "mode": "phone", "address": "ignored"}, "slot_added"),
    ]
    for fields, notice in cases:
        response = await client.post("/dashboard/slots", data=base | fields, headers=headers)
        assert response.headers["location"].endswith(f"msg={notice}"), fields
    rule = {"csrf": csrf, "weekday": "2", "start": "14:00", "end": "15:30", "slot_minutes": "45"}
    refused = await client.post(
        "/dashboard/slots/rules", data=rule | {"mode": "video"}, headers=headers
    )
    assert refused.headers["location"].endswith("msg=meeting_link")
    await client.post(
        "/dashboard/slots/rules", data=rule | {"mode": "video", "video_url": VIDEO}, headers=headers
    )
    async with lotse.sessions() as db:
        slots = list((await db.execute(select(Slot).order_by(Slot.starts_at))).scalars())
        rules = list((await db.execute(select(AvailabilityRule))).scalars())
    single = [(s.mode, s.address, s.video_url) for s in slots if s.rule_id is None]
    assert single == [("office", OFFICE, None), ("video", None, VIDEO), ("phone", None, None)]
    assert [(r.mode, r.video_url) for r in rules] == [("video", VIDEO)]
    cut = [s for s in slots if s.rule_id is not None]
    assert cut
    assert all((s.mode, s.video_url) == ("video", VIDEO) for s in cut)
    page = await client.get("/dashboard/slots", headers=headers)
    assert OFFICE in page.text
    assert VIDEO in page.text


def test_the_office_address_comes_only_from_a_sourced_entry(content: Content) -> None:
    knowledge = content.knowledge
    # Neither seed region knows its counselling office: the counsellor's own entry is needed.
    assert office_address(knowledge, "dortmund") is None
    assert checked(mode="office", address=OFFICE, video_url="", office=None)[1] == OFFICE
    with pytest.raises(MeetingError):
        checked(mode="office", address="", video_url="", office=None)
    # With a sourced office in knowledge/, that address is the place, whatever was typed.
    body = knowledge.bodies["lwk_nrw"]  # a body with a sourced address, standing in
    region = knowledge.regions["dortmund"]
    bodies = {**region.bodies, BodyKind.COUNSELLING: body.id}
    regions = {**knowledge.regions, "dortmund": region.model_copy(update={"bodies": bodies})}
    known = dataclasses.replace(knowledge, regions=regions)
    assert office_address(known, "dortmund") == body.address
    assert checked(mode="office", address="", video_url="", office=body.address)[1] == body.address
    unsourced_body = body.model_copy(update={"sources": []})
    unsourced = dataclasses.replace(known, bodies={**knowledge.bodies, body.id: unsourced_body})
    assert office_address(unsourced, "dortmund") is None


@pytest.mark.parametrize(
    ("link", "ok"),
    [
        ("https://meet.example.org/abc?x=1", True),
        ("http://meet.example.org/abc", False),
        ("https://", False),
        ("javascript:alert(1)", False),
        ('https://meet.example.org/"><script>', False),
        ("https://meet.example.org/a b", False),
        ("https://" + "a" * 600 + ".org", False),
    ],
)
def test_video_links_must_be_https(link: str, ok: bool) -> None:
    assert meeting.is_https_link(link) is ok


async def _session(lotse: Lotse, counsellor_id: int | None) -> dict[str, str]:
    assert counsellor_id is not None
    async with lotse.sessions() as db, db.begin():
        token = await auth.start_session(session=db, counsellor_id=counsellor_id)
    return {"Cookie": f"{auth.SESSION_COOKIE}={token}"}


async def _csrf(lotse: Lotse, counsellor_id: int) -> str:
    async with lotse.sessions() as db:
        stored = (
            await db.execute(
                select(DashboardSession).where(DashboardSession.counsellor_id == counsellor_id)
            )
        ).scalar_one()
    return stored.csrf_token


async def test_scheduling_a_call_without_a_number_warns_the_counsellor(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    seeded = await seed(lotse, ("phone", "video"))
    await say(lotse, "w", *to_booking("de"), Choice("later"))  # reached "here in the chat"
    lead = await the_lead(lotse)
    headers = await _session(lotse, seeded.counsellor_id)
    csrf = await _csrf(lotse, seeded.counsellor_id)
    await client.post(f"/dashboard/leads/{lead.id}/claim", data={"csrf": csrf}, headers=headers)
    call = await client.post(
        f"/dashboard/leads/{lead.id}/schedule",
        data={"csrf": csrf, "slot_id": str(seeded.slot_ids[0])},
        headers=headers,
    )
    assert call.headers["location"] == f"/dashboard/leads/{lead.id}?phone=missing&msg=scheduled"
    page = await client.get(call.headers["location"], headers=headers)
    assert "keine Telefonnummer angegeben" in page.text
    video = await client.post(
        f"/dashboard/leads/{lead.id}/schedule",
        data={"csrf": csrf, "slot_id": str(seeded.slot_ids[1])},
        headers=headers,
    )
    assert video.headers["location"] == f"/dashboard/leads/{lead.id}?msg=scheduled"
