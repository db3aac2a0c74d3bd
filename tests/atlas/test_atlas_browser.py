"""The atlas in a real browser: axe-core finds nothing serious, the static search filters."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, expect

from bot.atlas import Atlas, build
from bot.content.models import LANGUAGES
from bot.service import Content
from tests.atlas.conftest import open_page

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
PAGES = ["", "occupation/koch/", "occupation/pflegefachmann/", "topic/recognition/"]


async def serious_violations(page: Any) -> list[str]:
    await page.add_script_tag(content=AXE)
    result = await page.evaluate(
        "axe.run(document, {resultTypes: ['violations'], "
        "runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', "
        "'best-practice']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']} {v['help']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def test_the_check_can_fail(server: str, browser: Browser) -> None:
    watched = await open_page(browser)
    await watched.page.goto(f"{server}/atlas/de/")
    await watched.page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', "
        "'<p style=\"color:#ddd;background:#fff\">blass</p><input type=text>')"
    )
    found = await serious_violations(watched.page)
    assert any(v.startswith("color-contrast") for v in found), found
    assert any(v.startswith("label") for v in found), found
    await watched.page.context.close()


@pytest.mark.parametrize("language", LANGUAGES)
async def test_no_serious_accessibility_violations(
    server: str, browser: Browser, language: str
) -> None:
    for scheme in ("light", "dark"):
        watched = await open_page(browser, color_scheme=scheme)
        for path in PAGES:
            await watched.page.goto(f"{server}/atlas/{language}/{path}")
            await expect(watched.page.locator("html")).to_have_attribute("lang", language)
            found = await serious_violations(watched.page)
            assert found == [], (scheme, path, found)
        assert watched.errors == []
        assert watched.blocked == [], "no request leaves the server"
        await watched.page.context.close()


async def test_keyboard_reaches_the_skip_link_and_the_search(server: str, browser: Browser) -> None:
    watched = await open_page(browser)
    page = watched.page
    await page.goto(f"{server}/atlas/de/")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Zum Inhalt springen")).to_be_focused()
    await page.keyboard.press("Enter")
    await page.get_by_label("Beruf suchen").fill("Lager")
    await page.get_by_label("Beruf suchen").press("Enter")
    await expect(page).to_have_url(f"{server}/atlas/de/?q=Lager")
    await expect(page.get_by_role("status")).to_contain_text("Gefundene Berufe")
    await page.get_by_role("link", name="Fachlagerist/-in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Fachlagerist/-in")
    await watched.page.context.close()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def static_site(content: Content, tmp_path: Path) -> Iterator[str]:
    """The static export served by a plain file server on 127.0.0.1."""
    build(Atlas(content.knowledge, content.catalogs), tmp_path, public_url=None, bot_username=None)
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


async def test_static_index_filters_as_you_type(static_site: str, browser: Browser) -> None:
    watched = await open_page(browser, locale="tr-TR")
    page = watched.page
    await page.goto(f"{static_site}/tr/index.html")
    links = page.locator("section.field li:visible a")
    total = await links.count()
    assert total > 100
    await page.get_by_label("Meslek ara").fill("ASCI")
    await expect(links).to_have_count(1)
    await expect(links.first).to_have_text("Aşçı")
    await expect(page.get_by_role("status")).to_have_text("Bulunan meslekler: 1")
    await page.get_by_label("Meslek ara").fill("astronot")
    await expect(links).to_have_count(0)
    await expect(page.locator("#none")).to_be_visible()
    await page.get_by_label("Meslek ara").fill("")
    await expect(links).to_have_count(total)
    assert await serious_violations(page) == []
    assert watched.errors == []
    await watched.page.context.close()
