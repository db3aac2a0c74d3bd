"""Giving a claimed lead back to the queue, by the counsellor who took it or an admin."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard.auth import CheckedForm, CurrentViewer
from bot.dashboard.regions import visible_lead
from bot.dashboard.web import DashboardRoute, Forbidden, LotseDep, NotFound, aware, redirect
from bot.handover import booking, leads, notify
from bot.store.models import Lead, Notification, utcnow

router = APIRouter(route_class=DashboardRoute)

RELEASABLE = ("claimed", "scheduled")


async def release(*, session: AsyncSession, lead: Lead, actor: str) -> bool:
    """Put the lead back to "new" without a counsellor; a booked appointment is freed and,
    if it is still to come, the person is told that it had to be cancelled."""
    if lead.status not in RELEASABLE:
        return False
    slot = await booking.booked_slot(session=session, lead=lead)
    if slot is not None:
        await booking.cancel(session=session, lead=lead, actor=actor, reopen=False)
        if aware(slot.starts_at) > utcnow():
            session.add(
                Notification(
                    conversation_id=lead.conversation_id,
                    kind="cancelled",
                    message_id=notify.CANCELLED_BY_COUNSELLOR,
                    params={"appointment": aware(slot.starts_at).isoformat()},
                    due_at=utcnow(),
                    attempts=0,
                )
            )
    lead.counsellor_id = None
    # Recorded as a status change (from "claimed" or "scheduled" to "new"), with who did it.
    await leads.add_event(session=session, lead=lead, actor=actor, to_status="new")
    return True


@router.post("/dashboard/leads/{lead_id}/release")
async def release_lead(
    lead_id: int, lotse: LotseDep, viewer: CurrentViewer, _form: CheckedForm
) -> Response:
    """Give the lead back to the queue, so that a colleague can take it."""
    async with lotse.sessions() as session, session.begin():
        lead = await visible_lead(session=session, lead_id=lead_id, viewer=viewer, lock=True)
        if lead is None:
            raise NotFound
        if not (viewer.is_admin or lead.counsellor_id == viewer.id):
            raise Forbidden("Nur wer den Fall übernommen hat, kann ihn zurückgeben.")
        released = await release(session=session, lead=lead, actor=viewer.actor)
    if not released:
        return redirect(f"/dashboard/leads/{lead_id}?msg=not_allowed")
    return redirect("/dashboard?msg=released")
