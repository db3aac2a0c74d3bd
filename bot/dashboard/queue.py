"""The queue: leads of the counsellor's region, filtered by status, language and owner."""

from __future__ import annotations

import math
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.content.models import LANGUAGES
from bot.dashboard import queries
from bot.dashboard.auth import CheckedForm, CurrentViewer
from bot.dashboard.display import LANGUAGE_NAMES, STATUS_NAMES, summarise
from bot.dashboard.regions import WITHOUT_REGION, without_region_count
from bot.dashboard.web import DashboardRoute, LotseDep, redirect, render
from bot.handover.leads import OPEN_STATUSES, TRANSITIONS
from bot.thread.talk import unread_counts

router = APIRouter(route_class=DashboardRoute)

STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "open": OPEN_STATUSES,
    "all": tuple(TRANSITIONS),
    **{status: (status,) for status in TRANSITIONS},
}
NOTICES = {
    "none": "Zurzeit wartet kein neuer Fall in Ihrer Region.",
    "logged_in": "Sie sind angemeldet.",
    "released": "Der Fall ist zurückgegeben und steht wieder bei den neuen Fällen.",
    "region_set": "Die Region ist eingetragen; der Fall steht jetzt in der Liste dieser Region.",
}


def page_numbers(current: int, pages: int) -> list[int]:
    """The pages to link: the first, the last, and two on either side of the current one."""
    shown = {1, pages, *range(current - 2, current + 3)}
    return sorted(number for number in shown if 1 <= number <= pages)


@router.get("/dashboard")
async def queue_page(
    request: Request,
    lotse: LotseDep,
    viewer: CurrentViewer,
    status: str = "open",
    language: str = "",
    mine: str = "",
    region: str = "",
    page: str = "1",
) -> Response:
    """List the region's leads, a page at a time; filters come from the query string. Admins
    may list the leads without a region instead."""
    status = status if status in STATUS_FILTERS else "open"
    language = language if language in LANGUAGES else ""
    without_region = viewer.is_admin and region == WITHOUT_REGION
    wanted = int(page) if page.isdigit() and len(page) < 7 else 1
    async with lotse.sessions() as session:
        total = await queries.queue_size(
            session=session,
            region=None if without_region else viewer.region,
            statuses=STATUS_FILTERS[status],
            language=language or None,
            counsellor_id=viewer.id if mine else None,
        )
        pages = max(1, math.ceil(total / queries.PAGE_SIZE))
        number = min(max(1, wanted), pages)
        rows = await queries.queue(
            session=session,
            region=None if without_region else viewer.region,
            statuses=STATUS_FILTERS[status],
            language=language or None,
            counsellor_id=viewer.id if mine else None,
            offset=(number - 1) * queries.PAGE_SIZE,
        )
        unread = await unread_counts(session=session, lead_ids=[row.lead.id for row in rows])
        others = (
            await without_region_count(session=session, statuses=STATUS_FILTERS[status])
            if viewer.is_admin and not without_region
            else 0
        )
    filters = {"status": status, "language": language, "mine": "1" if mine else ""}
    if without_region:
        filters["region"] = WITHOUT_REGION
    kept = {key: value for key, value in filters.items() if value}
    leads = [
        summarise(lotse.content, row.lead, counsellor=row.counsellor, appointment=row.appointment)
        for row in rows
    ]
    return render(
        "queue.html",
        viewer=viewer,
        notice=NOTICES.get(request.query_params.get("msg", "")),
        leads=leads,
        unread=unread,
        status=status,
        language=language,
        mine=bool(mine),
        statuses=[("open", "Offen"), ("all", "Alle"), *STATUS_NAMES.items()],
        languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        without_region=without_region,
        others_without_region=others,
        total=total,
        page=number,
        pages=pages,
        first_row=(number - 1) * queries.PAGE_SIZE + 1,
        last_row=(number - 1) * queries.PAGE_SIZE + len(leads),
        page_links=[
            (n, "/dashboard?" + urlencode({**kept, "page": n})) for n in page_numbers(number, pages)
        ],
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
