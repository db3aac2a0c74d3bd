"""The queue: leads of the counsellor's region, filtered by status, language and owner."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.content.models import LANGUAGES
from bot.dashboard import queries
from bot.dashboard.auth import CheckedForm, CurrentViewer
from bot.dashboard.display import LANGUAGE_NAMES, STATUS_NAMES, summarise
from bot.dashboard.web import DashboardRoute, LotseDep, redirect, render
from bot.handover.leads import OPEN_STATUSES, TRANSITIONS

router = APIRouter(route_class=DashboardRoute)

STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "open": OPEN_STATUSES,
    "all": tuple(TRANSITIONS),
    **{status: (status,) for status in TRANSITIONS},
}
NOTICES = {
    "none": "Zurzeit wartet kein neuer Fall in Ihrer Region.",
    "logged_in": "Sie sind angemeldet.",
}


@router.get("/dashboard")
async def queue_page(
    request: Request,
    lotse: LotseDep,
    viewer: CurrentViewer,
    status: str = "open",
    language: str = "",
    mine: str = "",
) -> Response:
    """List the region's leads; filters come from the query string."""
    status = status if status in STATUS_FILTERS else "open"
    language = language if language in LANGUAGES else ""
    async with lotse.sessions() as session:
        rows = await queries.queue(
            session=session,
            region=viewer.region,
            statuses=STATUS_FILTERS[status],
            language=language or None,
            counsellor_id=viewer.id if mine else None,
        )
    leads = [
        summarise(lotse.content, row.lead, counsellor=row.counsellor, appointment=row.appointment)
        for row in rows
    ]
    return render(
        "queue.html",
        viewer=viewer,
        notice=NOTICES.get(request.query_params.get("msg", "")),
        leads=leads,
        status=status,
        language=language,
        mine=bool(mine),
        statuses=[("open", "Offen"), ("all", "Alle"), *STATUS_NAMES.items()],
        languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
    )


@router.post("/dashboard/claim-next")
async def claim_next(lotse: LotseDep, viewer: CurrentViewer, _form: CheckedForm) -> Response:
    """Take the oldest new lead of the region (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)."""
    async with lotse.sessions() as session, session.begin():
        lead_id = await queries.claim_next(
            session=session, counsellor_id=viewer.id, region=viewer.region
        )
    if lead_id is None:
        return redirect("/dashboard?msg=none")
    return redirect(f"/dashboard/leads/{lead_id}?msg=claimed")
