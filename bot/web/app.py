"""FastAPI application factory; the Lotse core is created in the lifespan and shared by routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy import text
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bot.atlas import router as atlas_router
from bot.channels import web as web_channel
from bot.channels.telegram import router as telegram_router
from bot.channels.telegram import start_telegram
from bot.config import Settings
from bot.dashboard import router as dashboard_router
from bot.handover.scheduler import background_jobs
from bot.metrics import exposition as metrics_exposition
from bot.service import Lotse
from bot.thread import web as thread_web
from bot.web import chat_page, errors

STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings, lotse: Lotse | None = None) -> FastAPI:
    """Build the app; pass ``lotse`` to share one core (tests), else it is created at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        core = lotse or Lotse.create(settings)
        app.state.lotse = core
        telegram = await start_telegram(app, core, settings)
        try:
            async with background_jobs(core), metrics_exposition.serving(settings, core.db):
                yield
        finally:
            await telegram.stop()
            if lotse is None:
                await core.close()

    app = FastAPI(title="Lotse", lifespan=lifespan, docs_url=None, redoc_url=None)
    if lotse is not None:
        app.state.lotse = lotse  # usable before the lifespan runs (in-process test clients)
    app.include_router(web_channel.router)
    app.include_router(thread_web.router)  # a counsellor's messages, streamed to the web chat
    app.include_router(telegram_router)
    app.include_router(chat_page.router)
    app.include_router(dashboard_router)
    app.include_router(atlas_router)
    app.include_router(metrics_exposition.router(settings))
    if settings.trusted_proxy_list:
        # The client address (login limits) and scheme come from X-Forwarded-For / -Proto only
        # when the direct peer is a named proxy; uvicorn's own handling is off (bot.cli).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
    errors.install(app)

    @app.get("/healthz")
    async def healthz(request: Request) -> JSONResponse:
        """Report whether the database answers."""
        core: Lotse = request.app.state.lotse
        try:
            async with core.db.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    return app


def serve() -> FastAPI:
    """The app of one worker process of ``lotse run --workers N``: settings from the environment.

    The content comes from its on-disk cache, so a worker starts in well under a second.
    """
    import logging

    from bot.logs import configure_logging

    configure_logging(logging.INFO)
    return create_app(Settings())
