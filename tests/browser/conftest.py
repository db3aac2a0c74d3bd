"""A real browser (Debian's chromium through Playwright) against the app served on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.async_api import Browser, Page, async_playwright

from bot.config import PROJECT_ROOT, Settings
from bot.service import Lotse
from bot.web.app import create_app

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    """Debian's chromium; missing, it fails the run under CI and skips the browser tests outside."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        message = "chromium is missing: install Debian's chromium (make test does it as root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def server(settings: Settings, lotse: Lotse) -> AsyncIterator[str]:
    """The whole app (lifespan included) on a free local port."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings, lotse), host="127.0.0.1", port=port, log_level="warning", ws="none"
    )
    runner = uvicorn.Server(config)
    task = asyncio.create_task(runner.serve())
    while not runner.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    runner.should_exit = True
    await task


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()


@dataclass
class Watched:
    page: Page
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    async def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        await self.page.screenshot(path=str(path))
        return path


async def open_page(browser: Browser, **context: Any) -> Watched:
    """A phone-sized page that records console errors and refuses any non-local request."""
    options: dict[str, Any] = {"viewport": {"width": 390, "height": 800}, "locale": "de-DE"}
    options.update(context)
    ctx = await browser.new_context(**options)
    page = await ctx.new_page()
    watched = Watched(page)
    page.on("console", lambda m: watched.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watched.errors.append(str(e)))

    async def only_local(route: Any) -> None:
        if route.request.url.startswith(("http://127.0.0.1", "data:", "about:")):
            await route.continue_()
        else:
            watched.blocked.append(route.request.url)
            await route.abort()

    await ctx.route("**/*", only_local)
    return watched


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[Any]:
    """Open pages in a fresh phone-sized context; console errors fail the test."""
    pages: list[Watched] = []

    async def new(**context: Any) -> Watched:
        watched = await open_page(browser, **context)
        pages.append(watched)
        return watched

    yield new
    for watched in pages:
        assert watched.errors == [], watched.errors
        assert watched.blocked == [], watched.blocked
