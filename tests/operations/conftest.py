"""Operations: scraping /metrics, a TCP proxy that cuts connections, a Bot API that goes down."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.routing import Route

from bot.config import Settings
from bot.service import Content, Lotse
from bot.store.db import create_engine
from bot.web.app import create_app
from tests.telegram.conftest import FakeBotApi, _free_port, bot_api, tg

__all__ = [
    "METRICS_TOKEN", "Samples", "Switchable", "TcpProxy", "bot_api", "free_port", "samples",
    "switchable_api", "tg",
]  # fmt: skip


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Figures that tests report with ``record_property("operations_figures", line)``."""
    lines = [
        f"{report.nodeid}: {value}"
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for key, value in getattr(report, "user_properties", ())
        if key == "operations_figures"
    ]
    if lines:
        terminalreporter.section("Operations figures")
        for line in lines:
            terminalreporter.write_line(line)


METRICS_TOKEN = "metrics-token-0123456789abcdef"
# (sample name, sorted label pairs) -> value: ("lotse_answers_sent_total", (("channel", "web"),))
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def free_port() -> int:
    return _free_port()


def samples(body: str) -> Samples:
    """Parse Prometheus' text format (the parser refuses anything else)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def value(scraped: Samples, name: str, **labels: str) -> float:
    """A sample's value; 0 for a labelled series that has not appeared yet."""
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(http: httpx.AsyncClient, token: str = METRICS_TOKEN) -> Samples:
    response = await http.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.status_code
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return samples(response.text)


def metrics_settings(database_url: str, **extra: Any) -> Settings:
    return Settings(
        LOTSE_ENVIRONMENT="test",
        LOTSE_DATABASE_URL=database_url,
        LOTSE_REGION="dortmund",
        LOTSE_METRICS_TOKEN=METRICS_TOKEN,
        **extra,
    )


@pytest.fixture
async def metered(database_url: str, content: Content) -> AsyncIterator[httpx.AsyncClient]:
    """The app with ``LOTSE_METRICS_TOKEN`` set, driven in-process (no lifespan)."""
    settings = metrics_settings(database_url)
    core = Lotse(settings, content, create_engine(database_url))
    app = create_app(settings, core)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://lotse.test") as http:
            yield http
    finally:
        await core.close()


class TcpProxy:
    """A loopback TCP proxy that can cut every connection and refuse new ones for a while."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.cuts = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def cut(self) -> None:
        """Stop listening (connections are refused) and drop every open connection."""
        assert self._server is not None
        self._server.close()
        self.cuts += 1
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        await self._server.wait_closed()
        self._server = None

    async def stop(self) -> None:
        if self._server is not None:
            await self.cut()

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_w.transport.abort()
            return
        cut = self.cuts
        if self._server is None or cut != self.cuts:
            for writer in (client_w, server_w):
                writer.transport.abort()
            return
        self._writers |= {client_w, server_w}
        await asyncio.gather(
            self._pipe(client_r, server_w), self._pipe(server_r, client_w), return_exceptions=True
        )
        self._writers -= {client_w, server_w}

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()  # one side finished: so does the other (after a cut: already aborted)


@contextlib.asynccontextmanager
async def proxied(target_port: int) -> AsyncIterator[TcpProxy]:
    proxy = TcpProxy(target_port)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()


class Switchable:
    """The fake Bot API served on a fixed port that can go down (connections refused) and up."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def up(self) -> None:
        routes = [Route("/bot{token}/{method}", self.api.handle, methods=["POST", "GET"])]
        config = uvicorn.Config(
            Starlette(routes=routes),
            host="127.0.0.1",
            port=self.api.port,
            log_level="warning",
            lifespan="off",
            ws="none",
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)

    async def down(self) -> None:
        """Like a server shut down: requests in flight are answered, then nothing listens."""
        assert self._server is not None
        assert self._task is not None
        self._server.should_exit = True
        await self._task
        self._server = self._task = None


@pytest.fixture
async def switchable_api() -> AsyncIterator[Switchable]:
    switch = Switchable(FakeBotApi(port=free_port()))
    await switch.up()
    try:
        yield switch
    finally:
        switch.api._release.set()
        if switch._server is not None:
            await switch.down()
