"""A counsellor's own availability: weekly rules and single slots."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from bot.dashboard import queries
from bot.dashboard.auth import CheckedForm, CurrentViewer
from bot.dashboard.display import WEEKDAYS
from bot.dashboard.web import (
    BERLIN,
    DashboardRoute,
    LotseDep,
    berlin,
    field,
    int_field,
    redirect,
    render,
)
from bot.handover.meeting import (
    MAX_ADDRESS,
    MAX_LINK,
    PHONE,
    MeetingError,
    checked,
    office_address,
)
from bot.service import Lotse
from bot.store.models import utcnow

router = APIRouter(route_class=DashboardRoute)

SLOT_MINUTES = (15, 20, 30, 45, 60, 90)
MODE_NAMES = {"phone": "Telefon (Sie rufen an)", "office": "Vor Ort", "video": "Video"}
NOTICES = {
    "rule_added": "Die Sprechzeit ist eingetragen; die Termine der nächsten vier Wochen sind frei.",
    "rule_deleted": "Die Sprechzeit ist gelöscht; gebuchte Termine bleiben bestehen.",
    "slot_added": "Der Termin ist eingetragen.",
    "slot_deleted": "Der Termin ist gelöscht.",
    "slot_exists": "Zu dieser Zeit haben Sie schon einen Termin.",
    "slot_booked": "Gebuchte Termine können nicht gelöscht werden. Sagen Sie den Fall ab.",
    "invalid": "Bitte prüfen Sie Ihre Angaben: Beginn vor Ende, Zeiten als HH:MM, "
    "Termine in der Zukunft.",
    "not_found": "Diesen Eintrag gibt es nicht (mehr).",
    "meeting_address": "Für einen Termin vor Ort fehlt die Adresse (höchstens "
    f"{MAX_ADDRESS} Zeichen).",
    "meeting_link": "Für einen Videotermin fehlt ein Link, der mit https:// beginnt.",
    "meeting_mode": "Bitte wählen Sie, wie der Termin stattfindet.",
}


def _meeting(lotse: Lotse, region: str, form: FormData) -> tuple[str, str | None, str | None] | str:
    """The form's checked mode, address and link, or the notice that says what is missing.

    An office appointment takes the region's sourced office address when ``knowledge/`` has one.
    """
    try:
        return checked(
            mode=field(form, "mode", max_length=16) or PHONE,  # the form before modes
            address=field(form, "address", max_length=MAX_ADDRESS + 1),
            video_url=field(form, "video_url", max_length=MAX_LINK + 1),
            office=office_address(lotse.content.knowledge, region),
        )
    except MeetingError as error:
        return f"meeting_{error.code}"


def _minute(value: str) -> int | None:
    """Minutes after midnight of an ``HH:MM`` wall time."""
    try:
        time = dt.time.fromisoformat(value)
    except ValueError:
        return None
    return time.hour * 60 + time.minute


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


class _HasMeeting(Protocol):
    mode: str
    address: str | None
    video_url: str | None


def _how(row: _HasMeeting) -> str:
    """ "Vor Ort: Adresse", "Video: Link" or "Telefon" for the lists."""
    place = row.address if row.mode == "office" else row.video_url if row.mode == "video" else None
    name = MODE_NAMES.get(row.mode, row.mode).split(" (")[0]
    return f"{name}: {place}" if place else name


@router.get("/dashboard/slots")
async def slots_page(request: Request, lotse: LotseDep, viewer: CurrentViewer) -> Response:
    """Show the counsellor's weekly rules and coming slots."""
    async with lotse.sessions() as session:
        rules = await queries.rules_of(session=session, counsellor_id=viewer.id)
        upcoming = await queries.upcoming_slots(session=session, counsellor_id=viewer.id)
    return render(
        "slots.html",
        viewer=viewer,
        notice=NOTICES.get(request.query_params.get("msg", "")),
        rules=[
            (
                r.id,
                WEEKDAYS[r.weekday],
                _hhmm(r.start_minute),
                _hhmm(r.end_minute),
                r.slot_minutes,
                _how(r),
            )
            for r in rules
        ],
        slots=[
            (row.slot.id, berlin(row.slot.starts_at), row.lead_id, _how(row.slot))
            for row in upcoming
        ],
        weekdays=list(enumerate(WEEKDAYS)),
        slot_minutes=SLOT_MINUTES,
        modes=list(MODE_NAMES.items()),
        office=office_address(lotse.content.knowledge, viewer.region),
        max_address=MAX_ADDRESS,
        max_link=MAX_LINK,
        today=dt.datetime.now(BERLIN).date().isoformat(),
    )


@router.post("/dashboard/slots/rules")
async def add_rule(lotse: LotseDep, viewer: CurrentViewer, form: CheckedForm) -> Response:
    """Add a weekly window and cut it into slots for the coming weeks."""
    weekday = int_field(form, "weekday")
    start = _minute(field(form, "start"))
    end = _minute(field(form, "end"))
    minutes = int_field(form, "slot_minutes")
    if (
        weekday is None or not 0 <= weekday <= 6 or start is None or end is None
        or minutes not in SLOT_MINUTES or end - start < minutes
    ):  # fmt: skip
        return redirect("/dashboard/slots?msg=invalid")
    meeting = _meeting(lotse, viewer.region, form)
    if isinstance(meeting, str):
        return redirect(f"/dashboard/slots?msg={meeting}")
    async with lotse.sessions() as session, session.begin():
        await queries.add_rule(
            session=session, counsellor_id=viewer.id, weekday=weekday,
            start_minute=start, end_minute=end, slot_minutes=minutes, meeting=meeting,
        )  # fmt: skip
    return redirect("/dashboard/slots?msg=rule_added")


@router.post("/dashboard/slots/rules/{rule_id}/delete")
async def delete_rule(
    rule_id: int, lotse: LotseDep, viewer: CurrentViewer, _form: CheckedForm
) -> Response:
    """Delete an own weekly rule and its future unbooked slots."""
    async with lotse.sessions() as session, session.begin():
        deleted = await queries.delete_rule(
            session=session, counsellor_id=viewer.id, rule_id=rule_id
        )
    return redirect(f"/dashboard/slots?msg={'rule_deleted' if deleted else 'not_found'}")


@router.post("/dashboard/slots")
async def add_slot(lotse: LotseDep, viewer: CurrentViewer, form: CheckedForm) -> Response:
    """Add one single slot (Berlin wall time)."""
    minutes = int_field(form, "slot_minutes")
    try:
        day = dt.date.fromisoformat(field(form, "date"))
        time = dt.time.fromisoformat(field(form, "start"))
    except ValueError:
        return redirect("/dashboard/slots?msg=invalid")
    starts = dt.datetime.combine(day, time.replace(second=0, microsecond=0), tzinfo=BERLIN)
    starts = starts.astimezone(dt.UTC)
    if minutes not in SLOT_MINUTES or starts <= utcnow():
        return redirect("/dashboard/slots?msg=invalid")
    meeting = _meeting(lotse, viewer.region, form)
    if isinstance(meeting, str):
        return redirect(f"/dashboard/slots?msg={meeting}")
    async with lotse.sessions() as session, session.begin():
        added = await queries.add_slot(
            session=session, counsellor_id=viewer.id, starts_at=starts, minutes=minutes,
            meeting=meeting,
        )  # fmt: skip
    return redirect(f"/dashboard/slots?msg={'slot_added' if added else 'slot_exists'}")


@router.post("/dashboard/slots/{slot_id}/delete")
async def delete_slot(
    slot_id: int, lotse: LotseDep, viewer: CurrentViewer, _form: CheckedForm
) -> Response:
    """Delete an own slot unless someone booked it."""
    async with lotse.sessions() as session, session.begin():
        deleted = await queries.delete_slot(
            session=session, counsellor_id=viewer.id, slot_id=slot_id
        )
    return redirect(f"/dashboard/slots?msg={'slot_deleted' if deleted else 'slot_booked'}")
