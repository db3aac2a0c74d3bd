"""A fake Bot API on 127.0.0.1 for the load benchmark: answers like Telegram, records every call.

It runs in the benchmark's own event loop (uvicorn + Starlette), so the drivers can wait for the
answer of a chat without polling: every call wakes the waiters of its chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

TOKEN = "123456:BENCH-load-token"
BOT_ID = 123456
# Form fields that PTB sends as JSON.
_JSON_KEYS = {
    "chat_id", "message_id", "reply_markup", "commands", "allowed_updates", "offset", "timeout",
    "limit", "max_connections", "drop_pending_updates", "link_preview_options", "show_alert",
}  # fmt: skip
# Calls that carry a message to a person (Telegram's message limits count these).
MESSAGES = frozenset({"sendMessage", "sendDocument"})
# Calls that show an answer in a chat (the typing indicator and callback answers are not one).
ANSWERS = frozenset({"sendMessage", "sendDocument", "editMessageText", "editMessageReplyMarkup"})


@dataclass
class Call:
    """One Bot API call as it arrived, on the ``time.monotonic`` clock."""

    method: str
    params: dict[str, Any]
    at: float
    message_id: int | None = None  # of the message a send or an edit answered with

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return value if isinstance(value, int) else None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class FakeBotApi:
    port: int
    calls: list[Call] = field(default_factory=list)
    by_chat: dict[int, list[Call]] = field(default_factory=lambda: defaultdict(list))
    # answerCallbackQuery arrivals per callback query id (ids are made by the drivers)
    callback_answers: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1_000))
    _waiters: dict[int, asyncio.Event] = field(default_factory=dict)
    _callback_waiters: dict[str, asyncio.Event] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def reset(self) -> None:
        """Forget the calls (between phases), keep the message ids unique."""
        self.calls.clear()
        self.by_chat.clear()
        self.callback_answers.clear()

    async def wait_chat(self, chat_id: int, seen: int, within: float) -> bool:
        """Wait until the chat has more than ``seen`` calls; ``False`` after ``within`` seconds."""
        calls = self.by_chat[chat_id]
        if len(calls) > seen:
            return True
        event = self._waiters.setdefault(chat_id, asyncio.Event())
        try:
            async with asyncio.timeout(within):
                while len(calls) <= seen:
                    event.clear()
                    await event.wait()
        except TimeoutError:
            return False
        finally:
            self._waiters.pop(chat_id, None)
        return True

    async def wait_callback(self, query_id: str, within: float) -> bool:
        """Wait until the press ``query_id`` was answered; ``False`` after ``within`` seconds."""
        if self.callback_answers.get(query_id):
            return True
        event = self._callback_waiters.setdefault(query_id, asyncio.Event())
        try:
            async with asyncio.timeout(within):
                await event.wait()
        except TimeoutError:
            return False
        finally:
            self._callback_waiters.pop(query_id, None)
        return True

    async def handle(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != TOKEN:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
            )
        method = request.path_params["method"]
        try:
            form = await request.form()
        except ClientDisconnect:
            return JSONResponse({}, 499)
        params: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, str):
                params[key] = json.loads(value) if key in _JSON_KEYS else value
            else:
                params[key] = f"<file {value.filename}>"  # sendDocument: the file is not kept
        call = Call(method, params, time.monotonic())
        result = self._result(call)
        self._record(call)
        return JSONResponse({"ok": True, "result": result})

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        chat_id = call.chat_id
        if chat_id is not None:
            self.by_chat[chat_id].append(call)
            if (event := self._waiters.get(chat_id)) is not None:
                event.set()
        if call.method == "answerCallbackQuery":
            query_id = str(call.params.get("callback_query_id"))
            self.callback_answers[query_id].append(call.at)
            if (event := self._callback_waiters.get(query_id)) is not None:
                event.set()

    def _result(self, call: Call) -> Any:
        method, params = call.method, call.params
        if method == "getMe":
            return {
                "id": BOT_ID, "is_bot": True, "first_name": "Lotse", "username": "LotseBenchBot",
                "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }  # fmt: skip
        if method in ("sendMessage", "sendDocument", "editMessageText", "editMessageReplyMarkup"):
            chat_id = call.chat_id or 0
            call.message_id = int(params.get("message_id") or next(self._ids))
            message: dict[str, Any] = {
                "message_id": call.message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Lotse"},
                "text": params.get("text", ""),
            }
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            return message
        if method == "getUpdates":
            return []
        return True  # setWebhook, deleteWebhook, setMy*, answerCallbackQuery, sendChatAction, …


@contextlib.asynccontextmanager
async def serve_fake(port: int) -> AsyncIterator[FakeBotApi]:
    """The fake Bot API served on ``127.0.0.1:port`` inside the running event loop."""
    fake = FakeBotApi(port=port)
    app = Starlette(routes=[Route("/bot{token}/{method}", fake.handle, methods=["POST", "GET"])])
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="none",
        access_log=False,
        log_config=None,
        # Longer than Lotse's client keeps an idle connection: uvicorn's 5 s would sometimes close
        # one just as a call is sent on it, an unknown outcome that Lotse does not repeat.
        timeout_keep_alive=120,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield fake
    finally:
        server.should_exit = True
        await task
