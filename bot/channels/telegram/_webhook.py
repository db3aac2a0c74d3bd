"""``POST /telegram/webhook``: the secret token is checked, the update stored, then answered.

Bodies: not JSON, not an object, or no ``update_id`` in 0 … 2⁶³-1: 400 (not an update at all).
An update that cannot be stored (nested deeper than ``MAX_DEPTH``, a number beyond 64 bits,
a float that is not finite): 200 and dropped with a log line, so that it is not sent again.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
from typing import Any

from fastapi import APIRouter, Request, Response

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1_000_000
# Real updates nest about eight levels (a reply's message in a callback query's message).
MAX_DEPTH = 32
_INT64 = 2**63
router = APIRouter()


@router.post("/telegram/webhook", include_in_schema=False)
async def webhook(request: Request) -> Response:
    """Store one update; answer 200 only once it is committed, so Telegram redelivers otherwise."""
    channel = getattr(request.app.state, "telegram", None)
    expected: str | None = getattr(channel, "webhook_secret", None)
    if channel is None or not expected:
        return Response(status_code=404)
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        log.warning("webhook request with a wrong secret token refused")
        return Response(status_code=403)
    body = await request.body()
    if len(body) > MAX_BODY:
        return Response(status_code=413)
    try:
        payload: Any = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested beyond the parser's depth
        return Response(status_code=400)
    update_id = payload.get("update_id") if isinstance(payload, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool) or not 0 <= update_id < _INT64:
        return Response(status_code=400)
    problem = _problem(payload)
    if problem is not None:
        # An update we cannot use: acknowledged, so that Telegram does not send it again and again.
        log.warning("update %s dropped: %s", update_id, problem)
        return Response(status_code=200)
    await channel.receive(payload)
    return Response(status_code=200)


def _problem(payload: dict[str, Any]) -> str | None:
    """Why an update cannot be stored: nested too deep, or a number beyond 64 bits."""
    stack: list[tuple[Any, int]] = [(payload, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels"
        if isinstance(node, dict):
            stack += [(value, depth + 1) for value in node.values()]
        elif isinstance(node, list):
            stack += [(value, depth + 1) for value in node]
        elif isinstance(node, int) and not -_INT64 <= node < _INT64:
            return "a number beyond the 64-bit range"
        elif isinstance(node, float) and not math.isfinite(node):
            return "a number that is not finite"
    return None
