"""Counsellor dashboard at ``/dashboard``: server-rendered pages for staff, in German."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from bot.dashboard import (
    admin,
    auth,
    calendar,
    courses,
    kompass,
    leads,
    password_reset,
    queue,
    regions,
    release,
    reports,
    slots,
)
from bot.dashboard.web import STATIC
from bot.thread import dashboard as thread

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_MODULES = (auth, queue, leads, slots, admin, courses, calendar, release, regions, password_reset)
for _module in _MODULES:
    router.include_router(_module.router)
router.include_router(kompass.router)  # the Kom-Pass on the lead page
router.include_router(reports.router)  # admins: the funders' reports
router.include_router(thread.router)  # the conversation with the person on the lead page


@router.get("/dashboard/static/dashboard.css")
async def stylesheet() -> FileResponse:
    """The one stylesheet; pages carry no inline styles or scripts (strict CSP)."""
    return FileResponse(
        STATIC / "dashboard.css", media_type="text/css",
        headers={"Cache-Control": "public, max-age=300"},
    )  # fmt: skip
