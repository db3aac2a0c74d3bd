"""CSRF protection: a random token per session, sent back in every form as a hidden field."""

from __future__ import annotations

import hmac
import secrets

from starlette.datastructures import FormData

from bot.dashboard.web import Forbidden, field

FIELD = "csrf"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def matches(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; an empty or missing token never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def require(form: FormData, expected: str | None) -> None:
    """Refuse (403) a form whose token is missing or wrong, before anything changes."""
    if not matches(expected, field(form, FIELD, max_length=128)):
        raise Forbidden("Das Formular ist abgelaufen oder ungültig. Bitte laden Sie die Seite neu.")
