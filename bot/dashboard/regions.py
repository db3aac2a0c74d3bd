"""Who may open a lead, and leads without a region: only admins see them and give them one.

A lead has no region when the person never named a place; before this, nobody could see it.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard.auth import AdminViewer, CheckedForm, Viewer
from bot.dashboard.web import DashboardRoute, LotseDep, NotFound, field, redirect
from bot.handover import leads
from bot.service import Lotse
from bot.store.models import Lead

router = APIRouter(route_class=DashboardRoute)

# The queue's ``region`` filter value that lists the leads without a region (admins only).
WITHOUT_REGION = "none"


async def visible_lead(
    *, session: AsyncSession, lead_id: int, viewer: Viewer, lock: bool = False
) -> Lead | None:
    """The lead if the viewer may open it: one of their region or one they look after; for
    admins also one without a region. ``lock`` holds it until the transaction ends."""
    allowed = [Lead.region == viewer.region, Lead.counsellor_id == viewer.id]
    if viewer.is_admin:
        allowed.append(Lead.region.is_(None))
    query = select(Lead).where(Lead.id == lead_id, or_(*allowed))
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def without_region_count(*, session: AsyncSession, statuses: tuple[str, ...]) -> int:
    query = select(func.count(Lead.id)).where(Lead.region.is_(None), Lead.status.in_(statuses))
    return int((await session.execute(query)).scalar_one())


def region_choices(lotse: Lotse) -> list[tuple[str, str]]:
    """The regions of the knowledge base as (id, name), by name."""
    regions = lotse.content.knowledge.regions.values()
    return sorted(((r.id, r.name) for r in regions), key=lambda item: item[1])


@router.post("/dashboard/leads/{lead_id}/region")
async def set_region(
    lead_id: int, lotse: LotseDep, viewer: AdminViewer, form: CheckedForm
) -> Response:
    """Give a lead without a region one; it then appears in that region's queue."""
    region = field(form, "region", max_length=64)
    regions = dict(region_choices(lotse))
    if region not in regions:
        return redirect(f"/dashboard/leads/{lead_id}?msg=no_region_chosen")
    async with lotse.sessions() as session, session.begin():
        lead = await visible_lead(session=session, lead_id=lead_id, viewer=viewer, lock=True)
        if lead is None:
            raise NotFound
        if lead.region is not None:
            return redirect(f"/dashboard/leads/{lead_id}?msg=not_allowed")
        lead.region = region
        note = f"Region eingetragen: {regions[region]}"
        await leads.add_event(session=session, lead=lead, actor=viewer.actor, note=note)
        still_visible = region == viewer.region or lead.counsellor_id == viewer.id
    if still_visible:
        return redirect(f"/dashboard/leads/{lead_id}?msg=region_set")
    # Another region's lead is not the admin's to open any more: back to the rest without one.
    return redirect(f"/dashboard?region={WITHOUT_REGION}&msg=region_set")
