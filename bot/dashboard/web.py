"""What every dashboard page shares: templates, errors as pages, security headers, form fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.datastructures import FormData

from bot.service import Lotse
from bot.store.types import clean_text

BERLIN = ZoneInfo("Europe/Berlin")
LOGIN_PATH = "/dashboard/login"
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"

# Pages hold personal data: never cached, never framed, no scripts at all.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def aware(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; everything is stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def berlin(value: dt.datetime | None) -> str:
    """A short German date and wall time in Berlin, e.g. "01.12.2026 10:30"."""
    if value is None:
        return ""
    return f"{aware(value).astimezone(BERLIN):%d.%m.%Y %H:%M}"


_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,  # every value is escaped; templates never mark user data ``|safe``
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["berlin"] = berlin


def render(name: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a template to a page with the dashboard's security headers."""
    context.setdefault("viewer", None)
    context.setdefault("notice", None)
    html = _env.get_template(name).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def redirect(url: str) -> RedirectResponse:
    """See-other after a POST, so reloading the page never repeats the action."""
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


class DashboardError(Exception):
    """Shown as a plain page with its status code."""

    status_code = 400
    message = "Die Anfrage konnte nicht bearbeitet werden."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        if message:
            self.message = message


class LoginRequired(DashboardError):
    status_code = 401


class Forbidden(DashboardError):
    status_code = 403
    message = "Dafür fehlt Ihnen die Berechtigung."


class NotFound(DashboardError):
    status_code = 404
    message = "Diese Seite gibt es nicht."


class DashboardRoute(APIRoute):
    """Turns dashboard errors, also those raised by dependencies, into pages or a login redirect."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                if request.method not in SAFE_METHODS and foreign_origin(request):
                    raise Forbidden(FOREIGN_ORIGIN)
                return await handler(request)
            except LoginRequired:
                return redirect(LOGIN_PATH)
            except DashboardError as error:
                return render("error.html", status_code=error.status_code, message=error.message)

        return guarded


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FOREIGN_ORIGIN = "Die Anfrage kam von einer fremden Seite und wurde abgewiesen."


def own_origin(request: Request) -> str:
    """The dashboard's origin as a browser names it; always https in production."""
    settings = request.app.state.lotse.settings
    scheme = "https" if settings.environment == "production" else request.url.scheme
    netloc = request.url.netloc.lower().removesuffix(":443" if scheme == "https" else ":80")
    return f"{scheme}://{netloc}"


def foreign_origin(request: Request) -> bool:
    """Whether a state-changing request comes from another site (a second line behind the
    CSRF token): by ``Origin``, or without it by ``Referer``; with neither it is let through."""
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if not referer:
            return False
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "null"
    return origin.strip().lower() != own_origin(request)


def _lotse(request: Request) -> Lotse:
    lotse: Lotse = request.app.state.lotse
    return lotse


LotseDep = Annotated[Lotse, Depends(_lotse)]


def field(form: FormData, name: str, *, max_length: int = 200) -> str:
    """A text field of a form, trimmed and without control characters; uploads and missing
    fields count as empty."""
    value = form.get(name)
    return clean_text(value).strip()[:max_length] if isinstance(value, str) else ""


def int_field(form: FormData, name: str) -> int | None:
    value = field(form, name, max_length=12)
    return int(value) if value.isdigit() else None
