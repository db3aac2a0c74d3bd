"""Login and logout with server-side sessions; only a SHA-256 of the cookie value is stored."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import math
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from bot.config import Settings
from bot.dashboard import csrf, ratelimit
from bot.dashboard.web import (
    LOGIN_PATH,
    DashboardRoute,
    Forbidden,
    LoginRequired,
    LotseDep,
    field,
    redirect,
    render,
)
from bot.handover.counsellors import DUMMY_HASH, by_email, verify_password
from bot.store.models import Counsellor, DashboardSession, utcnow

log = logging.getLogger(__name__)

SESSION_COOKIE = "lotse_dashboard"
LOGIN_COOKIE = "lotse_login"  # CSRF token of the login form, before there is a session
SESSION_LIFETIME = dt.timedelta(hours=12)
COOKIE_PATH = "/dashboard"

router = APIRouter(route_class=DashboardRoute)


@dataclass(frozen=True)
class Viewer:
    """The logged-in counsellor, detached from any database session."""

    id: int
    name: str
    region: str
    role: str
    languages: tuple[str, ...]
    csrf: str
    session_id: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_editor(self) -> bool:
        """Keeps the course catalogue: editors for their region, admins for all."""
        return self.role in ("editor", "admin")

    @property
    def actor(self) -> str:
        return f"counsellor:{self.id}"


def session_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start_session(
    *, session: AsyncSession, counsellor_id: int, now: dt.datetime | None = None
) -> str:
    """A new session with a new random token; returns the token for the cookie."""
    now = now or utcnow()
    await session.execute(delete(DashboardSession).where(DashboardSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(
        DashboardSession(
            id=session_id(token),
            counsellor_id=counsellor_id,
            csrf_token=csrf.new_token(),
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    await session.flush()
    return token


async def end_session(*, session: AsyncSession, token: str) -> None:
    await session.execute(delete(DashboardSession).where(DashboardSession.id == session_id(token)))


async def resolve(*, session: AsyncSession, token: str) -> Viewer | None:
    """The active counsellor of an unexpired session, or None."""
    sid = session_id(token)
    query = (
        select(DashboardSession, Counsellor)
        .join(Counsellor, Counsellor.id == DashboardSession.counsellor_id)
        .where(
            DashboardSession.id == sid,
            DashboardSession.expires_at > utcnow(),
            Counsellor.active.is_(True),
        )
    )
    row = (await session.execute(query)).first()
    if row is None:
        return None
    stored, counsellor = row
    return Viewer(
        id=counsellor.id,
        name=counsellor.name,
        region=counsellor.region,
        role=counsellor.role,
        languages=tuple(counsellor.languages),
        csrf=stored.csrf_token,
        session_id=sid,
    )


async def current_viewer(request: Request, lotse: LotseDep) -> Viewer:
    """The logged-in counsellor; anyone else is sent to the login page."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 128:
        raise LoginRequired
    async with lotse.sessions() as session:
        viewer = await resolve(session=session, token=token)
    if viewer is None:
        raise LoginRequired
    return viewer


CurrentViewer = Annotated[Viewer, Depends(current_viewer)]


async def admin_viewer(viewer: CurrentViewer) -> Viewer:
    if not viewer.is_admin:
        raise Forbidden("Diese Seite ist der Verwaltung vorbehalten.")
    return viewer


AdminViewer = Annotated[Viewer, Depends(admin_viewer)]


async def editor_viewer(viewer: CurrentViewer) -> Viewer:
    if not viewer.is_editor:
        raise Forbidden("Den Kurskatalog pflegen Konten mit der Rolle „Kurskatalog“.")
    return viewer


EditorViewer = Annotated[Viewer, Depends(editor_viewer)]


async def checked_form(request: Request, viewer: CurrentViewer) -> FormData:
    """The submitted form, after its CSRF token was checked against the session's."""
    form = await request.form()
    try:
        csrf.require(form, viewer.csrf)
    except Forbidden:
        await form.close()  # an uploaded file of a refused form is not kept open
        raise
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]


def _secure(request: Request, settings: Settings) -> bool:
    return request.url.scheme == "https" or settings.environment == "production"


def _login_page(
    request: Request, settings: Settings, *, status_code: int = 200, error: str | None = None
) -> Response:
    token = csrf.new_token()
    response = render(
        "login.html", status_code=status_code, csrf_token=token, error=error, email=""
    )
    response.set_cookie(
        LOGIN_COOKIE, token, max_age=3600, path=LOGIN_PATH, httponly=True,
        samesite="strict", secure=_secure(request, settings),
    )  # fmt: skip
    return response


def _rate_limited(wait: dt.timedelta) -> Response:
    seconds = max(1, math.ceil(wait.total_seconds()))
    response = render("rate_limited.html", status_code=429, minutes=math.ceil(seconds / 60))
    response.headers["Retry-After"] = str(seconds)
    return response


@router.get("/dashboard/login")
async def login_form(request: Request, lotse: LotseDep) -> Response:
    """Show the login form."""
    return _login_page(request, lotse.settings)


@router.post("/dashboard/login")
async def login(request: Request, lotse: LotseDep) -> Response:
    """Check e-mail and password; on success start a new session."""
    form = await request.form()
    csrf.require(form, request.cookies.get(LOGIN_COOKIE))
    email = field(form, "email", max_length=254).lower()
    password = field(form, "password", max_length=1024)
    counted = ratelimit.keys(
        secret=lotse.settings.secret_key,
        address=request.client.host if request.client else "",
        email=email,
    )
    # The attempt is counted (as failed) before the slow check, atomically with the limit test.
    async with lotse.sessions() as session, session.begin():
        wait = await ratelimit.reserve(session=session, counted=counted)
        counsellor = await by_email(session=session, email=email) if email and not wait else None
    if wait is not None:
        log.info("dashboard login refused by the login limit")
        return _rate_limited(wait)
    usable = counsellor is not None and counsellor.active
    # The same slow hash check runs for unknown e-mails, so timing reveals nothing.
    stored = counsellor.password_hash if counsellor is not None and usable else DUMMY_HASH
    valid = await asyncio.to_thread(verify_password, stored, password)
    failed = not (valid and usable and counsellor is not None)
    if not failed:
        assert counsellor is not None
        async with lotse.sessions() as session, session.begin():
            await ratelimit.succeeded(session=session, counted=counted)
            old = request.cookies.get(SESSION_COOKIE)
            if old:
                await end_session(session=session, token=old)
            token = await start_session(session=session, counsellor_id=counsellor.id)
    if failed:
        log.info("dashboard login failed")
        return _login_page(
            request, lotse.settings, status_code=401,
            error="E-Mail-Adresse oder Passwort ist falsch.",
        )  # fmt: skip
    response = redirect("/dashboard")
    response.set_cookie(
        SESSION_COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()), path=COOKIE_PATH,
        httponly=True, samesite="lax", secure=_secure(request, lotse.settings),
    )  # fmt: skip
    response.delete_cookie(LOGIN_COOKIE, path=LOGIN_PATH)
    return response


@router.post("/dashboard/logout")
async def logout(
    request: Request, lotse: LotseDep, viewer: CurrentViewer, _form: CheckedForm
) -> Response:
    """End the session on the server and drop the cookie."""
    async with lotse.sessions() as session, session.begin():
        await session.execute(
            delete(DashboardSession).where(DashboardSession.id == viewer.session_id)
        )
    response = redirect(LOGIN_PATH)
    response.delete_cookie(
        SESSION_COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax",
        secure=_secure(request, lotse.settings),
    )  # fmt: skip
    return response
