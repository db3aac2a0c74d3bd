"""Password reset by an admin: a one-time link for a counsellor, valid for a day.

The admin sees the link once and hands it over; only a SHA-256 of its token is stored. The
counsellor opens it and sets a new password (the usual rules, argon2id); every session of the
account ends. Opening links counts against the login limit of the address, like a failed login,
and a valid link takes its count back: guessing tokens is slowed like guessing passwords.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import hashlib
import logging
import math
import secrets
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard import csrf, ratelimit
from bot.dashboard.auth import AdminViewer, CheckedForm
from bot.dashboard.web import (
    DashboardRoute,
    LotseDep,
    aware,
    berlin,
    field,
    own_origin,
    redirect,
    render,
)
from bot.handover.counsellors import MIN_PASSWORD_LENGTH, hash_password
from bot.service import Lotse
from bot.store.models import Counsellor, DashboardSession, PasswordReset, utcnow

log = logging.getLogger(__name__)
router = APIRouter(route_class=DashboardRoute)

RESET_LIFETIME = dt.timedelta(hours=24)
RESET_PATH = "/dashboard/reset"
RESET_COOKIE = "lotse_reset"  # CSRF token of the reset form: there is no session to hold it
MAX_TOKEN = 128


class State(enum.Enum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"  # never made, replaced by a newer link, or the account is deactivated


INVALID_TEXTS = {
    State.USED: "Dieser Link wurde schon benutzt. Jeder Link gilt nur einmal.",
    State.EXPIRED: "Dieser Link ist abgelaufen. Ein Link gilt 24 Stunden.",
    State.UNKNOWN: "Dieser Link gilt nicht (mehr). Vielleicht wurde inzwischen ein neuer erstellt.",
}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_link(
    *, session: AsyncSession, counsellor_id: int, created_by: int, now: dt.datetime | None = None
) -> str | None:
    """A new token for an active account, or None. Earlier links of the account stop working,
    and links past their day are deleted (the table holds nothing older)."""
    now = now or utcnow()
    counsellor = await session.get(Counsellor, counsellor_id)
    if counsellor is None or not counsellor.active:
        return None
    await session.execute(
        delete(PasswordReset).where(
            or_(
                PasswordReset.counsellor_id == counsellor_id,
                PasswordReset.created_at <= now - RESET_LIFETIME,
            )
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(
            token_hash=token_hash(token), counsellor_id=counsellor_id, created_by=created_by,
            created_at=now, used_at=None,
        )
    )  # fmt: skip
    await session.flush()
    return token


async def check(*, session: AsyncSession, token: str, now: dt.datetime | None = None) -> State:
    """Whether the link can still be used, and if not, why."""
    now = now or utcnow()
    query = (
        select(PasswordReset, Counsellor.active)
        .join(Counsellor, Counsellor.id == PasswordReset.counsellor_id)
        .where(PasswordReset.token_hash == token_hash(token))
    )
    row = (await session.execute(query)).first()
    if row is None or not row.active:
        return State.UNKNOWN
    reset: PasswordReset = row[0]
    if reset.used_at is not None:
        return State.USED
    if aware(reset.created_at) + RESET_LIFETIME <= now:
        return State.EXPIRED
    return State.VALID


async def redeem(
    *, session: AsyncSession, token: str, password_hash: str, now: dt.datetime | None = None
) -> bool:
    """Use the link: the new password is set and every session of the account ends. Of two
    requests with the same link only one succeeds (a conditional update marks it used)."""
    now = now or utcnow()
    active = select(Counsellor.id).where(Counsellor.active.is_(True))
    marked = await session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.token_hash == token_hash(token),
            PasswordReset.used_at.is_(None),
            PasswordReset.created_at > now - RESET_LIFETIME,
            PasswordReset.counsellor_id.in_(active),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(marked, "rowcount", 0) != 1:
        return False
    counsellor_id = (
        await session.execute(
            select(PasswordReset.counsellor_id).where(PasswordReset.token_hash == token_hash(token))
        )
    ).scalar_one()
    await session.execute(
        update(Counsellor)
        .where(Counsellor.id == counsellor_id)
        .values(password_hash=password_hash)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(DashboardSession).where(DashboardSession.counsellor_id == counsellor_id)
    )
    return True


# -- the admin makes a link --------------------------------------------------------------------


@router.post("/dashboard/admin/reset-links/{counsellor_id}")
async def make_link(
    request: Request, counsellor_id: int, lotse: LotseDep, viewer: AdminViewer, _form: CheckedForm
) -> Response:
    """Make a link and show it this once; the page is not cached."""
    now = utcnow()
    async with lotse.sessions() as session, session.begin():
        token = await create_link(
            session=session, counsellor_id=counsellor_id, created_by=viewer.id, now=now
        )
        counsellor = await session.get(Counsellor, counsellor_id)
        name = counsellor.name if counsellor is not None else ""
    if token is None:
        return redirect("/dashboard/admin?msg=not_found")
    log.info("password reset link made by an admin")
    return render(
        "reset_link.html",
        viewer=viewer,
        counsellor_name=name,
        url=f"{own_origin(request)}{RESET_PATH}/{token}",
        valid_until=berlin(now + RESET_LIFETIME),
    )


# -- the counsellor uses it --------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """One opening of a link, counted against the address like a login attempt."""

    state: State
    wait: dt.timedelta | None


async def _attempt(lotse: Lotse, request: Request, token: str) -> Attempt:
    counted = [
        key
        for key in ratelimit.keys(
            secret=lotse.settings.secret_key,
            address=request.client.host if request.client else "",
            email="",
        )
        if key.rule is ratelimit.ADDRESS
    ]
    async with lotse.sessions() as session, session.begin():
        wait = await ratelimit.reserve(session=session, counted=counted)
        if wait is not None:
            return Attempt(State.UNKNOWN, wait)
        state = await check(session=session, token=token) if len(token) <= MAX_TOKEN else None
        if state is State.VALID:
            await ratelimit.succeeded(session=session, counted=counted)
    return Attempt(state or State.UNKNOWN, None)


def _secure(request: Request, lotse: Lotse) -> bool:
    return request.url.scheme == "https" or lotse.settings.environment == "production"


def _refused(attempt: Attempt) -> Response:
    if attempt.wait is not None:
        seconds = max(1, math.ceil(attempt.wait.total_seconds()))
        response = render("rate_limited.html", status_code=429, minutes=math.ceil(seconds / 60))
        response.headers["Retry-After"] = str(seconds)
        return response
    status_code = 404 if attempt.state is State.UNKNOWN else 410
    return render(
        "password_reset.html", status_code=status_code, step="invalid",
        reason=INVALID_TEXTS[attempt.state], error=None, csrf_token="", action="",
    )  # fmt: skip


def _form_page(
    request: Request, lotse: Lotse, token: str, *, error: str | None = None, status_code: int = 200
) -> Response:
    csrf_token = csrf.new_token()
    response = render(
        "password_reset.html", status_code=status_code, step="form", reason="", error=error,
        csrf_token=csrf_token, action=f"{RESET_PATH}/{token}", min_length=MIN_PASSWORD_LENGTH,
    )  # fmt: skip
    response.set_cookie(
        RESET_COOKIE, csrf_token, max_age=3600, path=RESET_PATH, httponly=True,
        samesite="strict", secure=_secure(request, lotse),
    )  # fmt: skip
    return response


@router.get("/dashboard/reset/{token}")
async def reset_form(request: Request, token: str, lotse: LotseDep) -> Response:
    """The form for the new password, or why the link does not work."""
    attempt = await _attempt(lotse, request, token)
    if attempt.wait is not None or attempt.state is not State.VALID:
        return _refused(attempt)
    return _form_page(request, lotse, token)


@router.post("/dashboard/reset/{token}")
async def reset(request: Request, token: str, lotse: LotseDep) -> Response:
    """Set the new password; every session of the account ends."""
    form = await request.form()
    csrf.require(form, request.cookies.get(RESET_COOKIE))
    attempt = await _attempt(lotse, request, token)
    if attempt.wait is not None or attempt.state is not State.VALID:
        return _refused(attempt)
    password = field(form, "password", max_length=1024)
    if len(password) < MIN_PASSWORD_LENGTH:
        error = f"Das Passwort braucht mindestens {MIN_PASSWORD_LENGTH} Zeichen."
        return _form_page(request, lotse, token, error=error, status_code=400)
    if password != field(form, "repeat", max_length=1024):
        error = "Die beiden Passwörter sind nicht gleich."
        return _form_page(request, lotse, token, error=error, status_code=400)
    hashed = await asyncio.to_thread(hash_password, password)
    async with lotse.sessions() as session, session.begin():
        changed = await redeem(session=session, token=token, password_hash=hashed)
        # Used by a second request in the meantime (or the account was deactivated): say why.
        state = State.VALID if changed else await check(session=session, token=token)
    if not changed:
        return _refused(Attempt(State.UNKNOWN if state is State.VALID else state, None))
    log.info("password reset by link")
    response = render(
        "password_reset.html", step="done", reason="", error=None, csrf_token="", action=""
    )
    response.delete_cookie(RESET_COOKIE, path=RESET_PATH)
    return response
