"""A counsellor's week: their own slots, free or booked, day by day in Berlin time; printable.

Only what the counsellor needs to plan the week is shown: the case number (linked to the lead),
its language, status and whether an interpreter is needed; never names or contact details.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard.auth import CurrentViewer
from bot.dashboard.display import LANGUAGE_NAMES, STATUS_NAMES, WEEKDAYS
from bot.dashboard.slots import MODE_NAMES
from bot.dashboard.web import BERLIN, DashboardRoute, LotseDep, aware, render
from bot.store.models import Booking, Lead, Slot

router = APIRouter(route_class=DashboardRoute)

# Weeks far outside any real calendar are not shown (and ``date ± 7 days`` cannot overflow).
EARLIEST = dt.date(2000, 1, 3)
LATEST = dt.date(2999, 12, 30)


@dataclass(frozen=True)
class Entry:
    """One slot of the week: free, or an appointment with a lead."""

    starts: str  # Berlin wall time, "09:30"
    ends: str
    iso: str  # for <time datetime>
    mode: str  # how the meeting happens: "Telefon", "Vor Ort", "Video"
    lead_id: int | None
    language: str
    status: str  # shown when it says more than "booked": done, no-show
    interpreter: bool

    @property
    def booked(self) -> bool:
        return self.lead_id is not None


@dataclass(frozen=True)
class Day:
    date: dt.date
    weekday: str
    label: str  # "30.11."
    today: bool
    entries: list[Entry]


@dataclass(frozen=True)
class Week:
    monday: dt.date
    days: list[Day]

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def number(self) -> int:
        return self.monday.isocalendar().week

    @property
    def appointments(self) -> int:
        return sum(entry.booked for day in self.days for entry in day.entries)

    @property
    def free(self) -> int:
        return sum(not entry.booked for day in self.days for entry in day.entries)


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def chosen_day(value: str, today: dt.date) -> dt.date:
    """The day of the ``date`` query parameter (YYYY-MM-DD); today when missing or odd."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return today
    return day if EARLIEST <= day <= LATEST else today


def _midnight(day: dt.date) -> dt.datetime:
    """Midnight in Berlin as UTC: a day has 23 or 25 hours when the clocks change."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=BERLIN).astimezone(dt.UTC)


async def week_of(
    *, session: AsyncSession, counsellor_id: int, monday: dt.date, today: dt.date
) -> Week:
    """The counsellor's own slots from Monday to Sunday, with the lead of each booked one."""
    query = (
        select(
            Slot.starts_at, Slot.ends_at, Slot.mode, Lead.id, Lead.language, Lead.status,
            Lead.interpreter_needed,
        )
        .outerjoin(Booking, Booking.slot_id == Slot.id)
        .outerjoin(Lead, Lead.id == Booking.lead_id)
        .where(
            Slot.counsellor_id == counsellor_id,
            Slot.starts_at >= _midnight(monday),
            Slot.starts_at < _midnight(monday + dt.timedelta(days=7)),
        )
        .order_by(Slot.starts_at, Slot.id)
    )  # fmt: skip
    by_day: dict[dt.date, list[Entry]] = {}
    rows = await session.execute(query)
    for starts_at, ends_at, mode, lead_id, language, status, interpreter in rows:
        starts = aware(starts_at).astimezone(BERLIN)
        by_day.setdefault(starts.date(), []).append(
            Entry(
                starts=f"{starts:%H:%M}",
                ends=f"{aware(ends_at).astimezone(BERLIN):%H:%M}",
                iso=starts.isoformat(),
                mode=MODE_NAMES.get(mode, mode).split(" (")[0],
                lead_id=lead_id,
                language=LANGUAGE_NAMES.get(language, language) if language else "",
                status=STATUS_NAMES.get(status, status)
                if status not in (None, "scheduled")
                else "",
                interpreter=bool(interpreter),
            )
        )
    days = []
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        days.append(
            Day(
                date=day,
                weekday=WEEKDAYS[day.weekday()],
                label=f"{day:%d.%m.}",
                today=day == today,
                entries=by_day.get(day, []),
            )
        )
    return Week(monday=monday, days=days)


@router.get("/dashboard/calendar")
async def calendar_page(lotse: LotseDep, viewer: CurrentViewer, date: str = "") -> Response:
    """The week of ``date`` (default: this week), with links to the weeks before and after."""
    today = dt.datetime.now(BERLIN).date()
    monday = monday_of(chosen_day(date[:10], today))
    async with lotse.sessions() as session:
        week = await week_of(session=session, counsellor_id=viewer.id, monday=monday, today=today)
    return render(
        "calendar.html",
        viewer=viewer,
        week=week,
        previous=(monday - dt.timedelta(days=7)).isoformat(),
        next=(monday + dt.timedelta(days=7)).isoformat(),
        this_week=monday == monday_of(today),
    )
