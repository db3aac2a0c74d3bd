"""The atlas served by the app: every page in three languages, search, facts, chat links."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest

from bot.config import Settings
from bot.content.models import LANGUAGES
from bot.engine.eligibility import assess_exam
from bot.service import Content, Lotse
from bot.web.app import create_app
from tests.atlas.conftest import parse, svg_of
from tests.courses.conftest import course, store
from tests.telegram.conftest import TOKEN, FakeBotApi

SVG = "{http://www.w3.org/2000/svg}"


async def test_every_occupation_in_three_languages(
    client: httpx.AsyncClient, content: Content
) -> None:
    for ident in content.knowledge.occupations:
        for language in LANGUAGES:
            response = await client.get(f"/atlas/{language}/occupation/{ident}/")
            assert response.status_code == 200, (ident, language)
            page = parse(response.text)
            assert page.all("html")[0]["lang"] == language
            alternates = {a["hreflang"]: a["href"] for a in page.all("link", rel="alternate")}
            assert set(alternates) == {*LANGUAGES, "x-default"}, ident
            for other in LANGUAGES:
                assert str(alternates[other]).endswith(f"/atlas/{other}/occupation/{ident}/")
            canonical = page.all("link", rel="canonical")[0]["href"]
            assert canonical == f"http://lotse.test/atlas/{language}/occupation/{ident}/"
            assert page.all("meta", name="description")[0]["content"]
            assert len(page.all("h1")) == 1
            title = response.text.split("<title>", 1)[1].split("</title>", 1)[0]
            heading = response.text.split("<h1>", 1)[1].split("</h1>", 1)[0]
            assert title.startswith(heading), (title, heading)
            assert "@media print" in response.text


@pytest.mark.parametrize("path", ["/atlas/", "/atlas/tr/", "/atlas/ru/topic/recognition/"])
async def test_other_pages_and_the_language_switch(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    page = parse(response.text)
    switch = {a["hreflang"]: a for a in page.all("a") if a.get("hreflang") in LANGUAGES}
    assert set(switch) == set(LANGUAGES)
    assert page.all("a", href="#main"), "skip link"
    assert page.all("main", id="main")


@pytest.mark.parametrize(
    "path",
    ["/atlas/en/", "/atlas/de/occupation/astronaut/", "/atlas/de/topic/weather/"],
)
async def test_unknown_pages_are_404(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 404


async def test_search_filters_without_javascript(client: httpx.AsyncClient) -> None:
    everything = parse((await client.get("/atlas/de/")).text)
    assert len(everything.all("li")) > 100
    for language, query in (("de", "Köchin"), ("tr", "ASCI"), ("ru", "повар")):
        page = parse((await client.get(f"/atlas/{language}/", params={"q": query})).text)
        links = [h for h in page.hrefs() if "occupation/" in h]
        assert links == ["occupation/koch/"], (language, query, links)
        assert page.all("meta", name="robots"), "search results are not indexed"
    none = await client.get("/atlas/de/", params={"q": "Astronautin"})
    assert "Kein Beruf gefunden" in parse(none.text).text
    assert not [h for h in parse(none.text).hrefs() if "occupation/" in h]
    # Two words narrow the list: every word must match.
    lager = parse((await client.get("/atlas/de/", params={"q": "lager"})).text)
    fach = parse((await client.get("/atlas/de/", params={"q": "lager fachkraft"})).text)
    in_lager = {h for h in lager.hrefs() if "occupation/" in h}
    in_fach = {h for h in fach.hrefs() if "occupation/" in h}
    assert "occupation/fachlagerist/" in in_lager
    assert in_fach == {"occupation/fachkraft_lagerlogistik/"}


async def test_required_years_follow_the_bots_rule(
    client: httpx.AsyncClient, content: Content
) -> None:
    text = parse((await client.get("/atlas/de/occupation/koch/")).text).text
    # Koch/Köchin: 3 years of training -> 4.5 years full time, 9 years at 20 hours.
    assert "Die Ausbildung dauert 3 Jahre." in text
    assert "also 4,5 Jahre in Vollzeit" in text
    assert "20 Stunden (Teilzeit) 9 Jahre" in text
    assert "30 Stunden (Teilzeit) 6 Jahre" in text
    # An occupation of 3.5 years: the same rule the conversation uses, in years and months.
    ident = next(k for k, o in content.knowledge.occupations.items() if o.duration_years == 3.5)
    needed = assess_exam(duration_years=3.5, years_worked=0).needed
    assert needed == Decimal("5.25")
    de = content.catalogs.translator("de")
    text = parse((await client.get(f"/atlas/de/occupation/{ident}/")).text).text
    assert f"also {de.years(needed)} in Vollzeit" in text
    assert f"20 Stunden (Teilzeit) {de.years(needed * 2)}" in text
    ru = parse((await client.get("/atlas/ru/occupation/koch/")).text).text
    assert "4,5 года на полной ставке" in ru
    assert "20 часов (неполный день) 9 лет" in ru


def _row(html: str, region: str) -> str:
    found = re.search(rf"<th scope=\"row\">{region}.*?</tr>", html, re.S)
    assert found is not None, region
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(0)).split())


async def test_bodies_per_region_come_from_the_knowledge(
    client: httpx.AsyncClient, content: Content
) -> None:
    knowledge = content.knowledge
    html = (await client.get("/atlas/de/occupation/koch/")).text
    dortmund = knowledge.regions["dortmund"]
    ihk = knowledge.bodies[str(dortmund.bodies["ihk"])]
    assert ihk.name.de in _row(html, "Dortmund")
    assert knowledge.bodies["ihk_potsdam"].name.de in _row(html, "Luckenwalde")
    assert f'href="{ihk.website}"' in html
    # A craft occupation: the Handwerkskammer of each region.
    tr = (await client.get("/atlas/tr/occupation/friseur/")).text
    assert knowledge.bodies["hwk_dortmund"].name.tr in _row(tr, "Dortmund")
    # Unknown here (no confirmed Steuerberaterkammer): said so, with the kind of body.
    html = (await client.get("/atlas/de/occupation/steuerfachangestellter/")).text
    row = _row(html, "Dortmund")
    assert dortmund.bodies["tax_advisers_chamber"] is None
    assert "Nicht sicher bekannt" in row
    assert content.catalogs.translator("de").text("exam.chamber_unknown_tax_advisers") in row
    # Unconfirmed bodies are never named as competent.
    html = (await client.get("/atlas/de/occupation/koch/")).text
    assert knowledge.bodies["iq_brandenburg"].name.de not in html


async def test_funding_sources_and_review_dates(
    client: httpx.AsyncClient, content: Content
) -> None:
    html = (await client.get("/atlas/de/occupation/koch/")).text
    text = parse(html).text
    for programme in content.knowledge.funding.values():
        shown = programme.name.de in text
        assert shown == (programme.listed and programme.confirmed), programme.id
    assert "Geprüft am 21.11.2026" in text
    assert "https://www.gesetze-im-internet.de/bbig_2005/__45.html" in html


async def test_school_based_occupation_has_no_chamber_exam(client: httpx.AsyncClient) -> None:
    text = parse((await client.get("/atlas/de/occupation/pflegefachmann/")).text).text
    assert "Externenprüfung bei einer Kammer gibt es dafür nicht" in text
    assert "In Deutschland reglementiert" in text
    assert "Teilqualifikationen" not in text.split("Wer ist zuständig?")[0]


async def test_courses_of_the_catalogue_are_listed(client: httpx.AsyncClient, lotse: Lotse) -> None:
    before = parse((await client.get("/atlas/de/occupation/koch/")).text).text
    assert "Lotse kennt zurzeit keinen passenden Kurs" in before
    await store(lotse, course(title="Kochen für die Prüfung"))
    html = (await client.get("/atlas/de/occupation/koch/")).text
    assert "Kochen für die Prüfung (Träger A)" in parse(html).text
    assert 'href="https://example.org/koch"' in html
    other = parse((await client.get("/atlas/de/occupation/maurer/")).text).text
    assert "Kochen für die Prüfung" not in other


async def test_the_picture_is_well_formed_and_labelled(client: httpx.AsyncClient) -> None:
    for ident, ways in (("koch", 4), ("pflegefachmann", 2)):
        html = (await client.get(f"/atlas/tr/occupation/{ident}/")).text
        svg = ET.fromstring(svg_of(html))
        assert svg.tag == f"{SVG}svg"
        assert svg.get("role") == "img"
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert title is not None
        assert title.text
        assert desc is not None
        assert desc.text
        assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        # The text alternative lists the same ways, with every label of the picture.
        page = parse(html)
        paths = page.all("ul", **{"class": "paths"})
        assert paths
        labels = {" ".join(" ".join(t.itertext()).split()) for t in svg.iter(f"{SVG}text")}
        text = page.text
        assert all(label in text for label in labels)
        assert len(re.findall(r"<ol class=\"steps\">", html)) == ways


async def test_sitemap_lists_every_page_with_alternates(
    client: httpx.AsyncClient, content: Content
) -> None:
    response = await client.get("/atlas/sitemap.xml")
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.text)
    locs = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert len(locs) == 1 + len(LANGUAGES) * (1 + len(content.knowledge.occupations) + 2)
    assert "http://lotse.test/atlas/ru/occupation/koch/" in locs
    for loc in locs[:5]:
        assert loc is not None
        assert (await client.get(loc.removeprefix("http://lotse.test"))).status_code == 200


@pytest.fixture
async def public_client(database_url: str, lotse: Lotse) -> AsyncIterator[httpx.AsyncClient]:
    """The app with a public address and a bot username configured."""
    settings = Settings(
        LOTSE_ENVIRONMENT="test",
        LOTSE_DATABASE_URL=database_url,
        LOTSE_PUBLIC_URL="https://lotse.example.org",
        TELEGRAM_BOT_USERNAME="LotseTestBot",
    )
    lotse.settings = settings
    transport = httpx.ASGITransport(app=create_app(settings, lotse))
    async with httpx.AsyncClient(transport=transport, base_url="http://internal") as http:
        yield http


async def test_public_address_and_telegram_link(public_client: httpx.AsyncClient) -> None:
    page = parse((await public_client.get("/atlas/tr/occupation/kaufmann_einzelhandel/")).text)
    canonical = page.all("link", rel="canonical")[0]["href"]
    assert canonical == "https://lotse.example.org/atlas/tr/occupation/kaufmann_einzelhandel/"
    hrefs = page.hrefs()
    assert "https://t.me/LotseTestBot?start=tr-atlas-kaufmann_einzelhandel" in hrefs
    assert "https://lotse.example.org/?start=tr-atlas-kaufmann_einzelhandel" in hrefs


async def test_the_bot_username_comes_from_get_me(
    database_url: str, lotse: Lotse, bot_api: FakeBotApi
) -> None:
    settings = Settings(
        LOTSE_ENVIRONMENT="test",
        LOTSE_DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=bot_api.base_url,
    )
    lotse.settings = settings
    transport = httpx.ASGITransport(app=create_app(settings, lotse))
    async with httpx.AsyncClient(transport=transport, base_url="http://lotse.test") as http:
        for ident in ("koch", "maurer"):
            page = parse((await http.get(f"/atlas/ru/occupation/{ident}/")).text)
            assert f"https://t.me/LotseTestBot?start=ru-atlas-{ident}" in page.hrefs()
    assert [c.method for c in bot_api.calls] == ["getMe"], "asked once, then kept"


@pytest.mark.parametrize(
    ("language", "ident", "asks_years"),
    [
        ("de", "koch", "Wie viele Jahre"),
        ("tr", "kaufmann_einzelhandel", "kaç yıldır"),
        ("ru", "pharmazeutisch_kaufmaennischer_angestellter", "Сколько лет"),
    ],
)
async def test_the_chat_link_carries_the_occupation(
    client: httpx.AsyncClient, language: str, ident: str, asks_years: str
) -> None:
    page = parse((await client.get(f"/atlas/{language}/occupation/{ident}/")).text)
    link = next(h for h in page.hrefs() if h.startswith("/?start="))
    payload = link.removeprefix("/?start=")
    assert payload == f"{language}-atlas-{ident}"
    first = (await client.post("/api/chat", json={"session": None, "start": payload})).json()
    assert first["language"] == language
    session = first["session"]
    reply = (await client.post("/api/chat", json={"session": session, "choice": "exam"})).json()
    text = " ".join(m["text"] for m in reply["messages"])
    assert asks_years in text, text
    # Without the payload the tree asks for the occupation first.
    plain = (await client.post("/api/chat", json={"session": None, "language": language})).json()
    reply = (
        await client.post("/api/chat", json={"session": plain["session"], "choice": "exam"})
    ).json()
    assert asks_years not in " ".join(m["text"] for m in reply["messages"])
