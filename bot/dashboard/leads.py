"""One lead: summary, questions asked, contact, history, and what a counsellor can do with it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard import kompass, queries
from bot.dashboard.auth import CheckedForm, CurrentViewer, Viewer
from bot.dashboard.display import (
    AVAILABILITY_NAMES,
    CONTACT_VIA_NAMES,
    LANGUAGE_NAMES,
    STATUS_NAMES,
    history,
    questions,
    summarise,
)
from bot.dashboard.regions import region_choices, visible_lead
from bot.dashboard.web import (
    DashboardRoute,
    Forbidden,
    LotseDep,
    NotFound,
    aware,
    berlin,
    field,
    int_field,
    redirect,
    render,
)
from bot.handover import booking, ics, leads
from bot.handover.leads import TRANSITIONS
from bot.store.models import Lead, Slot
from bot.thread import dashboard as thread

router = APIRouter(route_class=DashboardRoute)

MAX_NOTE = 2000
# After scheduling a phone slot for someone who gave no number (``&phone=missing``).
NO_PHONE = (
    " Die Person hat keine Telefonnummer angegeben: Lotse bittet sie darum. Bis dahin erreichen "
    "Sie sie nur so, wie sie es gewählt hat."
)
# How the meeting happens, for the counsellor's calendar.
MEETING_NOTES = {
    "phone": "Telefon: Sie rufen die Person an (Nummer im Fall).",
    "office": "Vor Ort.",
    "video": "Per Video (Link im Ort).",
}
# Final states a counsellor sets by hand.
CLOSING = {"done": "Erledigt", "no_show": "Nicht erschienen", "cancelled": "Absagen"}
NOTICES = {
    "claimed": "Sie haben den Fall übernommen.",
    "taken": "Jemand anderes hat den Fall gerade übernommen.",
    "scheduled": "Der Termin ist eingetragen; die Person wird benachrichtigt.",
    "slot_gone": "Dieser Termin ist nicht mehr frei. Bitte wählen Sie einen anderen.",
    "status": "Der Status ist geändert.",
    "cancelled": "Der Fall ist abgesagt; ein gebuchter Termin ist wieder frei.",
    "not_allowed": "Diese Änderung ist im jetzigen Status nicht möglich.",
    "noted": "Die Notiz ist gespeichert.",
    "empty_note": "Die Notiz ist leer.",
    "region_set": "Die Region ist eingetragen; der Fall steht jetzt in ihrer Liste.",
    "no_region_chosen": "Bitte wählen Sie eine Region.",
}


def _no_phone(request: Request, notice: str | None) -> str | None:
    """The notice, with the warning that a phone appointment still lacks the number."""
    missing = notice is not None and request.query_params.get("phone") == "missing"
    return f"{notice}{NO_PHONE}" if missing else notice


def _lead_url(lead_id: int, message: str) -> str:
    return f"/dashboard/leads/{lead_id}?msg={message}"


def _may_manage(viewer: Viewer, lead: Lead) -> bool:
    return viewer.is_admin or lead.counsellor_id == viewer.id


async def _managed_lead(session: AsyncSession, lead_id: int, viewer: Viewer, refusal: str) -> Lead:
    """The lead, locked, if the viewer may open it and it is theirs to manage."""
    lead = await visible_lead(session=session, lead_id=lead_id, viewer=viewer, lock=True)
    if lead is None:
        raise NotFound
    if not _may_manage(viewer, lead):
        raise Forbidden(refusal)
    return lead


@router.get("/dashboard/leads/{lead_id}")
async def lead_page(
    request: Request, lead_id: int, lotse: LotseDep, viewer: CurrentViewer
) -> Response:
    """Everything a counsellor needs to prepare the conversation, and nothing more."""
    async with lotse.sessions() as session:
        lead = await visible_lead(session=session, lead_id=lead_id, viewer=viewer)
        if lead is None:
            raise NotFound
        names = await queries.counsellor_names(session=session)
        slot = await booking.booked_slot(session=session, lead=lead)
        events = await queries.events(session=session, lead_id=lead.id)
        kompass_section = await kompass.section(
            session=session, lead=lead, names=names, message=request.query_params.get("msg")
        )
        talk = await thread.view(
            lotse=lotse, session=session, lead=lead, viewer=viewer, names=names
        )
        manage = _may_manage(viewer, lead)
        free = (
            await queries.own_free_slots(session=session, counsellor_id=viewer.id)
            if manage and lead.status in ("claimed", "scheduled")
            else []
        )
    await thread.mark_seen(lotse, talk)
    appointment = aware(slot.starts_at) if slot else None
    summary = summarise(
        lotse.content, lead,
        counsellor=names.get(lead.counsellor_id) if lead.counsellor_id else None,
        appointment=appointment,
    )  # fmt: skip
    contact = [
        ("Name", lead.contact_name or ""),
        ("Erreichbar", CONTACT_VIA_NAMES.get(lead.contact_via or "", lead.contact_via or "")),
        ("Telefon", lead.contact_phone or ""),
        ("E-Mail", lead.contact_email or ""),
        ("Am besten", AVAILABILITY_NAMES.get(lead.availability or "", lead.availability or "")),
        ("Sprache", LANGUAGE_NAMES.get(lead.language, lead.language)),
    ]
    timeline = history(events, names)
    return render(
        "lead.html",
        viewer=viewer,
        notice=_no_phone(
            request,
            NOTICES.get(request.query_params.get("msg", ""))
            or thread.NOTICES.get(request.query_params.get("msg", "")),
        ),
        lead=summary,
        contact=[(label, value) for label, value in contact if value],
        questions=questions(lotse.content, lead),
        kompass=kompass_section,
        thread=talk,
        events=timeline,
        notes=[e for e in timeline if e.is_note],
        manage=manage,
        free_slots=[(s.id, berlin(s.starts_at)) for s in free],
        closing=[(k, v) for k, v in CLOSING.items() if k in TRANSITIONS.get(lead.status, ())],
        has_appointment=slot is not None,
        status_names=STATUS_NAMES,
        has_region=lead.region is not None,
        regions=region_choices(lotse) if viewer.is_admin and lead.region is None else [],
    )


@router.post("/dashboard/leads/{lead_id}/claim")
async def claim(
    lead_id: int, lotse: LotseDep, viewer: CurrentViewer, _form: CheckedForm
) -> Response:
    """Take a new lead; if a colleague was faster, say so."""
    async with lotse.sessions() as session, session.begin():
        lead = await queries.lead_in_region(session=session, lead_id=lead_id, region=viewer.region)
        if lead is None:
            raise NotFound
        claimed = await queries.claim(
            session=session, lead_id=lead_id, counsellor_id=viewer.id, region=viewer.region
        )
    return redirect(_lead_url(lead_id, "claimed" if claimed else "taken"))


@router.post("/dashboard/leads/{lead_id}/schedule")
async def schedule(
    lead_id: int, lotse: LotseDep, viewer: CurrentViewer, form: CheckedForm
) -> Response:
    """Book one of the counsellor's own free slots for the lead; the person is told."""
    slot_id = int_field(form, "slot_id")
    async with lotse.sessions() as session, session.begin():
        lead = await _managed_lead(
            session,
            lead_id,
            viewer,
            "Nur wer den Fall übernommen hat, trägt Termine ein.",
        )
        if lead.status not in ("claimed", "scheduled"):
            return redirect(_lead_url(lead_id, "not_allowed"))
        booked = slot_id is not None and await queries.schedule(
            session=session, lead=lead, slot_id=slot_id, counsellor_id=viewer.id
        )
        # A call needs a number: without one the person is asked for it in "Mein Termin".
        no_number = isinstance(booked, Slot) and booked.mode == "phone" and not lead.contact_phone
    if not booked:
        return redirect(_lead_url(lead_id, "slot_gone"))
    if no_number:
        return redirect(f"/dashboard/leads/{lead_id}?phone=missing&msg=scheduled")
    return redirect(_lead_url(lead_id, "scheduled"))


@router.post("/dashboard/leads/{lead_id}/status")
async def change_status(
    lead_id: int, lotse: LotseDep, viewer: CurrentViewer, form: CheckedForm
) -> Response:
    """Close a lead: done, no-show, or cancelled (which frees the slot and tells the person)."""
    to_status = field(form, "status", max_length=16)
    if to_status not in CLOSING:
        return redirect(_lead_url(lead_id, "not_allowed"))
    async with lotse.sessions() as session, session.begin():
        lead = await _managed_lead(
            session, lead_id, viewer, "Nur wer den Fall übernommen hat, kann den Status ändern."
        )
        if to_status == "cancelled":
            changed = await queries.cancel(session=session, lead=lead, actor=viewer.actor)
        else:
            changed = await leads.change_status(
                session=session, lead=lead, to_status=to_status, actor=viewer.actor
            )
    if not changed:
        return redirect(_lead_url(lead_id, "not_allowed"))
    return redirect(_lead_url(lead_id, "cancelled" if to_status == "cancelled" else "status"))


@router.post("/dashboard/leads/{lead_id}/notes")
async def add_note(
    lead_id: int, lotse: LotseDep, viewer: CurrentViewer, form: CheckedForm
) -> Response:
    """Add a note for colleagues; it stays in the lead's history."""
    note = field(form, "note", max_length=MAX_NOTE)
    async with lotse.sessions() as session, session.begin():
        lead = await visible_lead(session=session, lead_id=lead_id, viewer=viewer)
        if lead is None:
            raise NotFound
        if note:
            await leads.add_event(session=session, lead=lead, actor=viewer.actor, note=note)
    return redirect(_lead_url(lead_id, "noted" if note else "empty_note"))


@router.get("/dashboard/leads/{lead_id}/appointment.ics")
async def appointment_ics(
    request: Request, lead_id: int, lotse: LotseDep, viewer: CurrentViewer, phone: bool = False
) -> Response:
    """The lead's appointment as an iCalendar file for the counsellor's calendar; the person's
    number only when the counsellor ticks it (``phone``)."""
    async with lotse.sessions() as session:
        lead = await visible_lead(session=session, lead_id=lead_id, viewer=viewer)
        slot = await booking.booked_slot(session=session, lead=lead) if lead else None
        meeting = await booking.slot_meeting(session=session, slot=slot) if slot else None
    if lead is None or slot is None or meeting is None:
        raise NotFound
    # Calendars travel (phones, clouds): the description holds nothing of the person; their
    # number and address are one click away on the lead's page.
    details = [
        f"Lotse-Beratung, Fall {lead.id}",
        MEETING_NOTES.get(meeting.mode, ""),
        str(request.url_for("lead_page", lead_id=lead.id)),
    ]
    if phone and lead.contact_phone:
        details.insert(1, f"Telefon: {lead.contact_phone}")
    calendar = ics.appointment_ics(
        uid=f"lotse-lead-{lead.id}-slot-{slot.id}@lotse", starts_at=aware(slot.starts_at),
        ends_at=aware(slot.ends_at), meeting=meeting,
        summary=f"Beratung: {lead.contact_name or f'Fall {lead.id}'}",
        description="\n".join(line for line in details if line),
    )  # fmt: skip
    return Response(
        calendar,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="termin-{lead.id}.ics"',
            "Cache-Control": "no-store",
        },
    )
