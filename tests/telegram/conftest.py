"""A fake Bot API server on 127.0.0.1 and a harness that drives the app through its webhook."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.channels.telegram import Limits, TelegramChannel, Tuning
from bot.config import Settings
from bot.service import Content, Lotse
from bot.store.db import create_engine
from bot.web.app import create_app


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Figures that tests report with ``record_property("telegram_figures", line)``."""
    lines = [
        f"{report.nodeid}: {value}"
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for key, value in getattr(report, "user_properties", ())
        if key == "telegram_figures"
    ]
    if lines:
        terminalreporter.section("Telegram delivery figures")
        for line in lines:
            terminalreporter.write_line(line)


TOKEN = "123456:TEST-token"
BOT_ID = 123456
SECRET = "webhook-secret-0123456789"
_JSON_KEYS = {
    "chat_id", "message_id", "reply_markup", "commands", "allowed_updates", "offset", "timeout",
    "limit", "max_connections", "drop_pending_updates", "link_preview_options", "show_alert",
}  # fmt: skip


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    status: int = 200

    @property
    def buttons(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Fault:
    status: int = 500
    retry_after: float | None = None
    hang: bool = False


@dataclass
class FakeBotApi:
    """Records every call; answers like Telegram, or with a 429, a 5xx or silence on demand."""

    port: int = 0
    calls: list[Call] = field(default_factory=list)
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)
    latency: float = 0.0  # seconds before a message call is answered (calls stay in flight)
    storm_until: float = 0.0
    storm_retry_after: float = 1.0
    observer: Callable[[Call], None] | None = None  # told of every call as it arrives
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))
    _new_updates: asyncio.Event = field(default_factory=asyncio.Event)
    _release: asyncio.Event = field(default_factory=asyncio.Event)
    _called: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def fail(self, method: str, *, times: int = 1, **fault: Any) -> None:
        self.faults.setdefault(method, deque()).extend(Fault(**fault) for _ in range(times))

    def storm(self, seconds: float, *, retry_after: float) -> None:
        """Answer every message call with 429 and ``retry_after`` for the next ``seconds``."""
        self.storm_until = time.monotonic() + seconds
        self.storm_retry_after = retry_after

    def of(self, method: str, chat_id: int | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method and (chat_id is None or c.params.get("chat_id") == chat_id)
        ]

    def texts(self, chat_id: int) -> list[str]:
        return [c.params["text"] for c in self.of("sendMessage", chat_id) if c.status == 200]

    async def wait_for(self, method: str, count: int = 1) -> list[Call]:
        async with asyncio.timeout(10):
            while len(self.of(method)) < count:
                self._called.clear()
                await self._called.wait()
        return self.of(method)

    def push_update(self, update: dict[str, Any]) -> None:
        self.updates.append(update)
        self._new_updates.set()

    async def handle(self, request: Request) -> JSONResponse:
        token, method = request.path_params["token"], request.path_params["method"]
        if token != TOKEN:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
            )
        try:
            form = await request.form()
        except ClientDisconnect:
            return JSONResponse({}, 499)
        params: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, UploadFile):  # sendDocument: the file's bytes and name
                params[key], params[f"{key}_name"] = await value.read(), value.filename
                await value.close()
                continue
            params[key] = json.loads(str(value)) if key in _JSON_KEYS else str(value)
        call = Call(method, params, time.monotonic())
        self.calls.append(call)
        self._called.set()
        if self.observer is not None:
            self.observer(call)
        if self.latency and method == "sendMessage":
            await asyncio.sleep(self.latency)
        queue = self.faults.get(method)
        if method == "sendMessage" and call.at < self.storm_until:
            queue = deque([Fault(status=429, retry_after=self.storm_retry_after)])
        if queue:
            fault = queue.popleft()
            call.status = fault.status
            if fault.hang:
                await self._release.wait()
            body: dict[str, Any] = {"ok": False, "error_code": fault.status}
            body["description"] = "Too Many Requests" if fault.status == 429 else "Bad Gateway"
            if fault.retry_after is not None:
                body["parameters"] = {"retry_after": fault.retry_after}
            return JSONResponse(body, fault.status)
        return JSONResponse({"ok": True, "result": await self._result(method, params)})

    async def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                "id": BOT_ID, "is_bot": True, "first_name": "Lotse", "username": "LotseTestBot",
                "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }  # fmt: skip
        if method in ("sendMessage", "editMessageText", "sendDocument"):
            chat_id = params["chat_id"]
            message = {
                "message_id": params.get("message_id") or next(self._ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Lotse"},
                "text": params.get("text", ""),
            }
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            return message
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if not self.updates:
                self._new_updates.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._new_updates.wait(), float(params.get("timeout", 0))
                    )
            return list(self.updates)
        return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def serve(app: Any, port: int) -> AsyncIterator[None]:
    """Run an ASGI app with uvicorn on 127.0.0.1 inside the test's event loop."""
    # Idle connections stay open longer than the client keeps them (as at Telegram): a server
    # that closes one just as a request goes out would make its outcome unknown (a read error).
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="none",
        timeout_keep_alive=75,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    fake = FakeBotApi(port=_free_port())
    app = Starlette(routes=[Route("/bot{token}/{method}", fake.handle, methods=["POST", "GET"])])
    async with serve(app, fake.port):
        yield fake
        fake._release.set()


FAST = Tuning(
    limits=Limits(chat_per_second=50, chat_burst=5, backoff=0.05, max_backoff=0.2, max_attempts=4),
    typing_after=5.0,
    poll_timeout=1,
    read_timeout=2.0,
    connect_timeout=1.0,
    boot_backoff=0.2,
    stop_grace=2.0,
)


class Telegram:
    """Talks to the app as Telegram would: updates to the webhook, answers at the fake server."""

    def __init__(self, http: httpx.AsyncClient, channel: TelegramChannel, api: FakeBotApi):
        self.http = http
        self.channel = channel
        self.api = api
        self._update_ids = itertools.count(10_000)
        self._message_ids = itertools.count(1)

    async def post(self, update: dict[str, Any], *, secret: str | None = SECRET) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        return await self.http.post("/telegram/webhook", json=update, headers=headers)

    async def send(self, update: dict[str, Any]) -> None:
        response = await self.post(update)
        assert response.status_code == 200
        await self.channel.idle()

    def update(self, **body: Any) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), **body}

    def user(self, chat_id: int, language: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": "Ayşe"}
        if language:
            user["language_code"] = language
        return user

    def message(
        self, chat_id: int, text: str | None = None, *, language: str | None = "de", **extra: Any
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Ayşe"},
            "from": self.user(chat_id, language),
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                length = len(text.split()[0])
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self.update(message=message)

    def press(
        self, chat_id: int, call: Call, label: str, *, language: str | None = "de"
    ) -> dict[str, Any]:
        """Press the button with ``label`` on the message that ``call`` sent."""
        button = next(b for b in call.buttons if b["text"] == label)
        return self.press_data(chat_id, button["callback_data"], call, language=language)

    def press_data(
        self, chat_id: int, data: str, call: Call | None = None, *, language: str | None = "de"
    ) -> dict[str, Any]:
        message = {
            "message_id": 999,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Lotse"},
            "text": call.params["text"] if call else "…",
        }
        if call and "reply_markup" in call.params:
            message["reply_markup"] = call.params["reply_markup"]
        return self.update(
            callback_query={
                "id": f"cb{next(self._message_ids)}",
                "from": self.user(chat_id, language),
                "chat_instance": "ci",
                "data": data,
                "message": message,
            }
        )

    def last(self, chat_id: int) -> Call:
        return [c for c in self.api.of("sendMessage", chat_id) if c.status == 200][-1]


def telegram_settings(
    database_url: str,
    api: FakeBotApi,
    *,
    webhook: bool = True,
    group: int | None = None,
    **extra: Any,
) -> Settings:
    return Settings(
        **extra,
        TELEGRAM_COUNSELLOR_CHAT_ID=group,
        LOTSE_ENVIRONMENT="test",
        LOTSE_DATABASE_URL=database_url,
        LOTSE_REGION="dortmund",
        LOTSE_SECRET_KEY="test-secret-key-for-buttons",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_WEBHOOK_URL="https://lotse.example/telegram/webhook" if webhook else None,
        TELEGRAM_WEBHOOK_SECRET=SECRET if webhook else None,
        TELEGRAM_API_BASE_URL=api.base_url,
    )


@contextlib.asynccontextmanager
async def running(
    database_url: str,
    lotse: Lotse,
    api: FakeBotApi,
    *,
    webhook: bool = True,
    tuning: Tuning = FAST,
    **extra: Any,
) -> AsyncIterator[Telegram]:
    """The whole app with its lifespan (so the PTB application starts), driven in-process."""
    settings = telegram_settings(database_url, api, webhook=webhook, **extra)
    app = create_app(settings, lotse)
    app.state.telegram_tuning = tuning
    async with app.router.lifespan_context(app):
        channel: TelegramChannel = app.state.telegram
        await asyncio.wait_for(channel.ready.wait(), 10)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://lotse.test") as http:
            yield Telegram(http, channel, api)


@pytest.fixture
async def tg(database_url: str, lotse: Lotse, bot_api: FakeBotApi) -> AsyncIterator[Telegram]:
    async with running(database_url, lotse, bot_api) as harness:
        yield harness


COUNSELLOR_GROUP = -100123


@pytest.fixture
async def tg_with_group(
    database_url: str, content: Content, bot_api: FakeBotApi
) -> AsyncIterator[Telegram]:
    """The app with a counsellors' group configured, for the core as well as the channel."""
    settings = telegram_settings(database_url, bot_api, group=COUNSELLOR_GROUP)
    core = Lotse(settings, content, create_engine(database_url))
    app = create_app(settings, core)
    app.state.telegram_tuning = FAST
    try:
        async with app.router.lifespan_context(app):
            channel: TelegramChannel = app.state.telegram
            await asyncio.wait_for(channel.ready.wait(), 10)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://lotse.test") as http:
                yield Telegram(http, channel, bot_api)
    finally:
        await core.close()


@pytest.fixture
def launch(database_url: str, lotse: Lotse, bot_api: FakeBotApi) -> Any:
    """Start the app again (after a crash), in webhook or polling mode, with other timings."""

    def start(*, webhook: bool = True, tuning: Tuning = FAST, **settings: Any) -> Any:
        return running(database_url, lotse, bot_api, webhook=webhook, tuning=tuning, **settings)

    return start


@pytest.fixture
def secret() -> str:
    return SECRET


@pytest.fixture
def telegram_app(database_url: str, lotse: Lotse, bot_api: FakeBotApi) -> Any:
    """The app configured for the fake server, not started."""
    app = create_app(telegram_settings(database_url, bot_api), lotse)
    app.state.telegram_tuning = FAST
    return app
