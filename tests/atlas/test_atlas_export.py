"""``lotse atlas build DIR``: every page a static file; every internal link and anchor resolves."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from bot.atlas import Atlas, build
from bot.cli import main
from bot.content.models import LANGUAGES
from bot.service import Content
from tests.atlas.conftest import parse

PUBLIC = "https://lotse.example.org"


@pytest.fixture(scope="module")
def atlas(content: Content) -> Atlas:
    return Atlas(content.knowledge, content.catalogs)


@pytest.fixture(scope="module")
def site(atlas: Atlas, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("atlas")
    built = build(atlas, target, public_url=PUBLIC, bot_username="LotseTestBot")
    assert built.sitemap
    assert built.pages == len(atlas.page_paths())
    return target


def _internal(href: str) -> bool:
    return not urlsplit(href).scheme and not href.startswith("/")


def test_every_internal_link_and_anchor_resolves(site: Path, content: Content) -> None:
    pages = sorted(site.rglob("index.html"))
    expected = 1 + len(LANGUAGES) * (1 + len(content.knowledge.occupations) + 2)
    assert len(pages) == expected
    ids = {page: parse(page.read_text(encoding="utf-8")).ids for page in pages}
    checked = 0
    for page in pages:
        parsed = parse(page.read_text(encoding="utf-8"))
        for href in parsed.hrefs():
            if not _internal(href):
                assert urlsplit(href).scheme in ("http", "https"), (page, href)
                continue
            parts = urlsplit(href)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), f"{page.relative_to(site)}: {href} -> {target}"
            assert target.name == "index.html", f"{href} names no file (opened from disk)"
            if parts.fragment:
                assert parts.fragment in ids[target], f"{page}: {href}"
            checked += 1
    assert checked > 3_000  # about 11 per page: menu, languages, alternates, skip link, ways


def test_static_pages_know_language_alternates_and_chat(site: Path) -> None:
    html = (site / "ru" / "occupation" / "koch" / "index.html").read_text(encoding="utf-8")
    page = parse(html)
    assert page.all("html")[0]["lang"] == "ru"
    canonical = page.all("link", rel="canonical")[0]["href"]
    assert canonical == f"{PUBLIC}/atlas/ru/occupation/koch/"
    alternates = {a["hreflang"]: a["href"] for a in page.all("link", rel="alternate")}
    assert alternates["tr"] == f"{PUBLIC}/atlas/tr/occupation/koch/"
    assert f"{PUBLIC}/?start=ru-atlas-koch" in page.hrefs()
    assert "https://t.me/LotseTestBot?start=ru-atlas-koch" in page.hrefs()
    # The static page has no catalogue: it says where to look for courses.
    assert "Курсы можно найти в поиске курсов" in page.text
    assert "https://web.arbeitsagentur.de/weiterbildungssuche/" in page.hrefs()


def test_static_index_filters_with_an_inline_script(site: Path) -> None:
    html = (site / "tr" / "index.html").read_text(encoding="utf-8")
    page = parse(html)
    assert page.all("script")
    assert all(attrs.get("src") is None for attrs in page.all("script"))
    koch = next(a for a in page.all("li") if a.get("data-terms") and "asci" in str(a["data-terms"]))
    assert "aşçı" not in str(koch["data-terms"]), "terms are folded like the script folds"
    assert not page.all("link", rel="stylesheet"), "the style is inline"


def test_sitemap_of_the_export(site: Path) -> None:
    root = ET.parse(site / "sitemap.xml").getroot()
    locs = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert f"{PUBLIC}/atlas/tr/topic/funding/" in locs
    for loc in locs:
        assert loc is not None
        path = loc.removeprefix(f"{PUBLIC}/atlas/")
        assert (site / path / "index.html").is_file(), loc


def test_without_a_public_address(
    atlas: Atlas,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("LOTSE_PUBLIC_URL", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_USERNAME", raising=False)
    assert main(["atlas", "build", str(tmp_path)]) == 0
    assert "pages written" in capsys.readouterr().out
    assert not (tmp_path / "sitemap.xml").exists()
    page = parse((tmp_path / "de" / "occupation" / "koch" / "index.html").read_text("utf-8"))
    assert not [h for h in page.hrefs() if "start=" in h], "no chat without its address"
    assert page.all("link", rel="canonical")[0]["href"] == "index.html"
