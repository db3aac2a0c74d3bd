"""``POST /telegram/webhook``: the secret token is checked, the update stored, then answered."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from fastapi import APIRouter, Request, Response

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1_000_000
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
    except ValueError:
        return Response(status_code=400)
    update_id = payload.get("update_id") if isinstance(payload, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return Response(status_code=400)
    await channel.receive(payload)
    return Response(status_code=200)
