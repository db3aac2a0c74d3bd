"""An appointment as an iCalendar file: for the counsellor's calendar and for the person's own.

LOCATION says how the meeting happens (the office address, "Telefon", or the video link);
DESCRIPTION never holds personal data of the person (no name, number or e-mail address).
"""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Event

from bot.handover.meeting import OFFICE, VIDEO, Meeting
from bot.store.models import utcnow


def location(meeting: Meeting, phone_label: str) -> str:
    """Where: the address, the video link, or the word for a phone call."""
    if meeting.mode in (OFFICE, VIDEO) and meeting.place:
        return meeting.place
    return phone_label


def appointment_ics(
    *,
    uid: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    meeting: Meeting,
    summary: str,
    description: str,
    phone_label: str = "Telefon",
) -> bytes:
    """One VEVENT in a calendar; ``description`` must be free of the person's data."""
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", utcnow())
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", summary)
    event.add("location", location(meeting, phone_label))
    if meeting.mode == VIDEO and meeting.place:
        event.add("url", meeting.place)
    event.add("description", description)
    calendar = Calendar()
    calendar.add("prodid", "-//Lotse//Beratung//DE")
    calendar.add("version", "2.0")
    calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data
