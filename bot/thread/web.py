"""``GET /api/chat/stream``: a counsellor's messages reach an open web chat at once.

Server-sent events: the stream looks into the database every ``TICK`` seconds (one indexed read),
so a message written through any server process arrives; after ``LIFETIME`` the stream ends and
the browser's ``EventSource`` opens a new one (which also survives proxies that cut long
requests). Messages not streamed come with the chat's next answer instead.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from bot.service import Lotse
from bot.thread.deliver import collect_web

CHANNEL = "web"
TICK = 1.5
LIFETIME = 300.0
RETRY_MS = 3000

router = APIRouter(include_in_schema=False)


def _lotse(request: Request) -> Lotse:
    lotse: Lotse = request.app.state.lotse
    return lotse


@router.get("/api/chat/stream")
async def stream(
    request: Request,
    lotse: Annotated[Lotse, Depends(_lotse)],
    session: Annotated[str, Query(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")],
) -> StreamingResponse:
    """Messages as ``data: {"language", "messages": [{"text"}]}`` events."""

    async def events() -> AsyncIterator[str]:
        yield f"retry: {RETRY_MS}\n\n"
        ends = time.monotonic() + LIFETIME
        while time.monotonic() < ends and not await request.is_disconnected():
            outcome = await collect_web(lotse, CHANNEL, session)
            if outcome is not None:
                body = {
                    "language": outcome.language,
                    "messages": [{"text": m.text} for m in outcome.messages],
                }
                yield f"data: {json.dumps(body, ensure_ascii=False)}\n\n"
            await asyncio.sleep(TICK)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
