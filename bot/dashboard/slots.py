"""A counsellor's own availability: weekly rules and single slots."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import Response

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
from bot.store.models import utcnow

router = APIRouter(route_class=DashboardRoute)

SLOT_MINUTES = (15, 20, 30, 45, 60, 90)
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
}


def _minute(value: str) -> int | None:
    """Minutes after midnight of an ``HH:MM`` wall time."""
    try:
        time = dt.time.fromisoformat(value)
    except ValueError:
        return None
    return time.hour * 60 + time.minute


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


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
            (r.id, WEEKDAYS[r.weekday], _hhmm(r.start_minute), _hhmm(r.end_minute), r.slot_minutes)
            for r in rules
        ],
        slots=[(row.slot.id, berlin(row.slot.starts_at), row.lead_id) for row in upcoming],
        weekdays=list(enumerate(WEEKDAYS)),
        slot_minutes=SLOT_MINUTES,
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
    async with lotse.sessions() as session, session.begin():
        await queries.add_rule(
            session=session, counsellor_id=viewer.id, weekday=weekday,
            start_minute=start, end_minute=end, slot_minutes=minutes,
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
    async with lotse.sessions() as session, session.begin():
        added = await queries.add_slot(
            session=session, counsellor_id=viewer.id, starts_at=starts, minutes=minutes
        )
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
