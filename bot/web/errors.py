"""Errors never echo input and never end as an unlogged 500 with the request in a traceback.

- A request that fails validation gets 422 with where and why, never the input itself (FastAPI's
  default handler quotes it, and fails to encode a lone surrogate: a 500).
- Any other exception is logged by type and frames only (``bot.logs`` withholds its message)
  and answered with a plain 500; nothing is re-raised to the server, so no other logger sees it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

_MAX_ERRORS = 10


def _json(content: Any, status_code: int) -> Response:
    """ASCII-only JSON: whatever it holds, it can be encoded."""
    body = json.dumps(content, ensure_ascii=True, separators=(",", ":"))
    return Response(body, status_code=status_code, media_type="application/json")


def _where(loc: tuple[Any, ...]) -> list[str | int]:
    """The location of an error; names that are not plain field names are left out."""
    return [
        part if isinstance(part, int) or (part.isidentifier() and part.isascii()) else "?"
        for part in loc
        if isinstance(part, int | str)
    ][:8]


async def validation_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    details = [
        {"loc": _where(tuple(e.get("loc", ()))), "type": str(e.get("type", "")),
         "msg": _message(e)}
        for e in error.errors()[:_MAX_ERRORS]
    ]  # fmt: skip
    return _json({"detail": details}, 422)


def _message(error: Any) -> str:
    """Pydantic's message for the error type; it names the rule, not the input."""
    kind = str(error.get("type", ""))
    if kind in {"json_invalid", "string_unicode"}:
        return "invalid JSON or text encoding"
    return str(error.get("msg", "invalid"))[:200]


class ErrorBoundary:
    """Outermost middleware below Starlette's: an exception becomes a logged, plain 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            # The route's path template, not the path: no ids or values from the request.
            route = getattr(scope.get("route"), "path", None) or "unknown route"
            log.exception("unexpected error answering %s %s", scope.get("method"), route)
            if not started:
                await _json({"detail": "internal error"}, 500)(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_middleware(ErrorBoundary)
