"""Atlas tests: the app's pages through an in-process client; helpers to read them."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.browser.conftest import browser, open_page, server
from tests.telegram.conftest import bot_api

__all__ = ["Page", "bot_api", "browser", "open_page", "parse", "server", "svg_of"]


class Page(HTMLParser):
    """The parts of a page the tests look at: attributes by tag, ids, texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: set[str] = set()
        self.text_parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append((tag, values))
        if values.get("id"):
            self.ids.add(str(values["id"]))

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def all(self, tag: str, **match: str) -> list[dict[str, str | None]]:
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and all(attrs.get(k.rstrip("_")) == v for k, v in match.items())
        ]

    def hrefs(self) -> list[str]:
        return [str(a["href"]) for _, a in self.tags if a.get("href") is not None]


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def svg_of(html: str) -> str:
    found = re.search(r"<svg\b.*?</svg>", html, re.S)
    assert found is not None, "no inline SVG"
    return found.group(0)
