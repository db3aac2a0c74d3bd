"""The week calendar: the right days in Berlin time, only one's own slots, free and booked told
apart in words, appointments linked to their lead without contact details."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import httpx

from bot.dashboard.calendar import chosen_day, monday_of
from bot.service import Lotse
from bot.store.models import Lead, Slot

from .conftest import CONTACT_NAME, CONTACT_PHONE, add_lead, book, staff

BERLIN = ZoneInfo("Europe/Berlin")
# The week of Monday 25 March 2030: the clocks go forward on Sunday 31 March.
MONDAY = dt.date(2030, 3, 25)


def berlin(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


async def add_slot(
    lotse: Lotse, counsellor_id: int, starts: dt.datetime, minutes: int = 45, mode: str = "phone"
) -> int:
    async with lotse.sessions() as db, db.begin():
        slot = Slot(
            counsellor_id=counsellor_id, starts_at=starts.astimezone(dt.UTC),
            ends_at=(starts + dt.timedelta(minutes=minutes)).astimezone(dt.UTC), mode=mode,
            video_url="https://video.example.org/raum" if mode == "video" else None,
        )  # fmt: skip
        db.add(slot)
        await db.flush()
        return slot.id


def days(html: str) -> list[str]:
    """The HTML of each day of the week, Monday first."""
    parts = re.split(r'<li class="cal-day', html)[1:]
    assert len(parts) == 7
    return parts


def entries(day_html: str) -> list[str]:
    return re.findall(r'<li class="cal-entry (cal-free|cal-booked)">(.*?)</li>', day_html, re.S)


async def test_week_of_a_known_date(client: httpx.AsyncClient, lotse: Lotse) -> None:
    anna = await staff(lotse, "anna@example.org")
    berta = await staff(lotse, "berta@example.org")
    await add_slot(lotse, anna.counsellor_id, berlin(MONDAY, 9))
    wednesday = await add_slot(
        lotse, anna.counsellor_id, berlin(MONDAY + dt.timedelta(2), 10, 30), mode="video"
    )
    # Sunday after the clocks changed, late in the evening: still Sunday in Berlin (UTC+2).
    await add_slot(lotse, anna.counsellor_id, berlin(MONDAY + dt.timedelta(6), 23, 15), 30)
    # Just outside the week on either side, in Berlin time (but inside it in UTC).
    await add_slot(lotse, anna.counsellor_id, berlin(MONDAY - dt.timedelta(1), 23, 30))
    await add_slot(lotse, anna.counsellor_id, berlin(MONDAY + dt.timedelta(7), 0, 30))
    # A colleague's slot on Tuesday is not Anna's.
    await add_slot(lotse, berta.counsellor_id, berlin(MONDAY + dt.timedelta(1), 11))
    lead_id = await add_lead(lotse, language="ru")
    await book(lotse, slot_id=wednesday, lead_id=lead_id, counsellor_id=anna.counsellor_id)

    # Any day of the week shows that week.
    page = await client.get("/dashboard/calendar?date=2030-03-27", headers=anna.headers)
    assert page.status_code == 200
    html = page.text
    assert "Woche vom 25.03. bis 31.03.2030 (KW 13)" in html
    assert "1 Termin, 2 freie Zeiten" in html
    week = days(html)
    headings = [re.findall(r"<h2>(.*?)</h2>", day, re.S)[0] for day in week]
    for heading, (name, label) in zip(
        headings,
        [("Montag", "25.03."), ("Dienstag", "26.03."), ("Mittwoch", "27.03."),
         ("Donnerstag", "28.03."), ("Freitag", "29.03."), ("Samstag", "30.03."),
         ("Sonntag", "31.03.")],
        strict=True,
    ):  # fmt: skip
        assert name in heading
        assert label in heading
    assert entries(week[0]) == [("cal-free", entries(week[0])[0][1])]
    assert "Frei" in entries(week[0])[0][1]
    assert "09:00–09:45" in entries(week[0])[0][1]
    assert "Telefon" in entries(week[0])[0][1]
    assert entries(week[1]) == []  # Berta's Tuesday slot is not shown
    assert "Keine Zeiten" in week[1]
    [(kind, booked)] = entries(week[2])
    assert kind == "cal-booked"
    assert "Termin" in booked
    assert "10:30–11:15" in booked
    assert f'<a href="/dashboard/leads/{lead_id}">Fall {lead_id}</a>' in booked
    assert "Video · Russisch" in booked  # how the meeting happens, then the language
    assert "Termin vereinbart" not in booked  # "Termin" says it already
    [(kind, sunday)] = entries(week[6])
    assert (kind, "23:15–23:45" in sunday) == ("cal-free", True)
    for day in week[3:6]:
        assert entries(day) == []
    # Nothing personal on the calendar.
    assert CONTACT_NAME not in html
    assert CONTACT_PHONE not in html
    async with lotse.sessions() as db, db.begin():
        lead = await db.get(Lead, lead_id)
        assert lead is not None
        lead.status = "done"
    done = await client.get("/dashboard/calendar?date=2030-03-25", headers=anna.headers)
    assert "Russisch · Erledigt" in entries(days(done.text)[2])[0][1]
    # The weeks before and after, and no "today" in a week long gone or to come.
    assert 'href="/dashboard/calendar?date=2030-03-18"' in html
    assert 'href="/dashboard/calendar?date=2030-04-01"' in html
    assert 'aria-current="date"' not in html
    next_week = await client.get("/dashboard/calendar?date=2030-04-01", headers=anna.headers)
    [(kind, early)] = entries(days(next_week.text)[0])
    assert "00:30–01:15" in early
    previous = await client.get("/dashboard/calendar?date=2030-03-18", headers=anna.headers)
    [(kind, late)] = entries(days(previous.text)[6])
    assert "23:30–00:15" in late
    # Berta sees her Tuesday and nothing of Anna's.
    theirs = await client.get("/dashboard/calendar?date=2030-03-25", headers=berta.headers)
    hers = days(theirs.text)
    assert [len(entries(day)) for day in hers] == [0, 1, 0, 0, 0, 0, 0]
    assert f"/dashboard/leads/{lead_id}" not in "".join(hers)


async def test_today_is_marked_and_the_page_is_linked(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    anna = await staff(lotse, "anna@example.org")
    page = await client.get("/dashboard/calendar", headers=anna.headers)
    assert page.status_code == 200
    today = dt.datetime.now(BERLIN).date()
    week = days(page.text)
    marked = [i for i, day in enumerate(week) if 'aria-current="date"' in day]
    assert marked == [today.weekday()]
    assert "Heute" in week[today.weekday()]
    assert f"{today:%d.%m.}" in week[today.weekday()]
    assert 'href="/dashboard/calendar"' in page.text  # in the navigation
    assert page.headers["cache-control"] == "no-store"
    odd = await client.get("/dashboard/calendar?date=9999-12-31", headers=anna.headers)
    assert odd.status_code == 200  # far outside: this week instead of an error
    assert 'aria-current="date"' in odd.text


async def test_calendar_needs_a_login(client: httpx.AsyncClient) -> None:
    response = await client.get("/dashboard/calendar")
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/login"


def test_week_helpers() -> None:
    today = dt.date(2030, 3, 27)
    assert monday_of(today) == MONDAY
    assert monday_of(MONDAY) == MONDAY
    assert monday_of(dt.date(2030, 3, 31)) == MONDAY
    assert chosen_day("2030-03-31", today) == dt.date(2030, 3, 31)
    assert chosen_day("kaputt", today) == today
    assert chosen_day("0001-01-01", today) == today
