"""``/metrics`` in Prometheus' text format: on the app behind a bearer token, or on its own port.

``LOTSE_METRICS_TOKEN``: the app answers ``GET /metrics`` with ``Authorization: Bearer <token>``
(401 without it). ``LOTSE_METRICS_PORT``: a plain listener on ``LOTSE_METRICS_HOST`` (loopback by
default) serves ``/metrics`` too, asking for the token only when one is set. Neither: 404.

Each worker process binds the port with ``SO_REUSEPORT``, so with several workers any of them
answers a scrape, and in multiprocess mode every answer adds up the values of all workers. The
inbox and outbox depths are two counts read from the database at scrape time.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.telegram import _inbox
from bot.config import Settings
from bot.metrics._multiprocess import multiprocess_dir
from bot.store.models import TelegramOutgoing, TelegramUpdate

if TYPE_CHECKING:
    from bot.service import Lotse

log = logging.getLogger(__name__)

# The classic text format (what prometheus_client's generate_latest writes).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# A scrape must answer even when the database does not: the depths are left out then.
QUERY_TIMEOUT = 2.0
_MAX_HEAD = 16_384
# Adds the files of all worker processes into a registry; unannotated in prometheus_client.
_add_workers: Callable[[CollectorRegistry, str], object] = MultiProcessCollector


class _Scrape(Collector):
    """Everything one scrape shows: this process's (or all workers') values and the depths."""

    def __init__(self, depths: dict[str, int] | None) -> None:
        self.depths = depths

    def collect(self) -> Iterable[Metric]:
        directory = multiprocess_dir()
        if directory is not None:
            registry = CollectorRegistry()
            _add_workers(registry, str(directory))
            yield from registry.collect()
        else:
            yield from REGISTRY.collect()
        yield from _depth_families(self.depths)


def _depth_families(depths: dict[str, int] | None) -> Iterator[Metric]:
    up = GaugeMetricFamily(
        "lotse_metrics_database_up", "1 when the queue depths below could be read at this scrape"
    )
    up.add_metric([], 0 if depths is None else 1)
    yield up
    if depths is None:
        return
    yield GaugeMetricFamily(
        "lotse_telegram_inbox_depth",
        "Telegram updates stored and not yet finished (pending or waiting for their replies)",
        value=depths["inbox"],
    )
    yield GaugeMetricFamily(
        "lotse_telegram_outbox_depth",
        "Bot API calls queued or in flight in the Telegram outbox",
        value=depths["outbox"],
    )


async def _depths(db: AsyncEngine) -> dict[str, int] | None:
    """Two counts: open inbox rows (finished ones are few days' worth) and unfinished calls."""
    inbox = select(func.count()).where(TelegramUpdate.status.in_(_inbox.OPEN))
    outbox = select(func.count()).where(TelegramOutgoing.status.in_(_inbox.UNFINISHED))
    try:
        async with asyncio.timeout(QUERY_TIMEOUT), db.connect() as connection:
            return {
                "inbox": int(await connection.scalar(inbox) or 0),
                "outbox": int(await connection.scalar(outbox) or 0),
            }
    except Exception as error:  # the database is down: the scrape still answers
        log.warning("metrics: queue depths not read (%s)", type(error).__name__)
        return None


async def render(db: AsyncEngine) -> bytes:
    """The scrape's body in Prometheus' text format."""
    return generate_latest(_Scrape(await _depths(db)))


def _authorised(header: str, token: str) -> bool:
    scheme, _, given = header.partition(" ")
    expected = token.encode()
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected)


def router(settings: Settings) -> APIRouter:
    """``GET /metrics`` on the app: Prometheus' scrape with ``LOTSE_METRICS_TOKEN`` as bearer."""
    routes = APIRouter()
    token = settings.metrics_token

    @routes.get("/metrics", include_in_schema=False)
    async def scrape(request: Request) -> Response:
        if not token:
            return Response(status_code=404)
        if not _authorised(request.headers.get("authorization", ""), token):
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        lotse: Lotse = request.app.state.lotse
        body = await render(lotse.db)
        return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})

    return routes


@contextlib.asynccontextmanager
async def serving(settings: Settings, db: AsyncEngine) -> AsyncIterator[None]:
    """Serve ``/metrics`` on ``LOTSE_METRICS_PORT`` while the app runs (nothing without it)."""
    if settings.metrics_port is None:
        yield
        return

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await _answer(reader, writer, settings.metrics_token, db)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # a scraper that went away or sent rubbish
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    server = await asyncio.start_server(
        handle, settings.metrics_host, settings.metrics_port, reuse_port=True, limit=_MAX_HEAD
    )
    log.info("metrics served on %s:%d", settings.metrics_host, settings.metrics_port)
    try:
        yield
    finally:
        server.close()
        await server.wait_closed()


async def _answer(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, token: str | None, db: AsyncEngine
) -> None:
    """One HTTP/1.1 request: ``GET /metrics``, then the connection is closed."""
    async with asyncio.timeout(5):
        head = await reader.readuntil(b"\r\n\r\n")
    request_line, *lines = head.decode("latin-1").split("\r\n")
    method, _, rest = request_line.partition(" ")
    path = rest.partition(" ")[0].partition("?")[0]
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines if line)
    }
    body = b""
    content_type = "text/plain; charset=utf-8"
    if path != "/metrics":
        status = "404 Not Found"
    elif method not in ("GET", "HEAD"):
        status = "405 Method Not Allowed"
    elif token and not _authorised(headers.get("authorization", ""), token):
        status = "401 Unauthorized"
    else:
        status, body, content_type = "200 OK", await render(db), CONTENT_TYPE
    head_out = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
    )
    writer.write(head_out.encode("latin-1") + (body if method != "HEAD" else b""))
    await writer.drain()
