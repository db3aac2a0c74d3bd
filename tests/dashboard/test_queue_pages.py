"""Queue pages instead of a silent cap: every lead on exactly one page, oldest first, totals."""

from __future__ import annotations

import datetime as dt
import re

import httpx

from bot.dashboard.queries import PAGE_SIZE
from bot.dashboard.queue import page_numbers
from bot.service import Lotse

from .conftest import add_leads, staff

ROW = re.compile(r'<td data-label="Fall"><a href="/dashboard/leads/(\d+)">')


def lead_ids(html: str) -> list[int]:
    return [int(found) for found in ROW.findall(html)]


async def test_250_leads_across_pages(client: httpx.AsyncClient, lotse: Lotse) -> None:
    anna = await staff(lotse, "anna@example.org")
    start = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    # Many share one timestamp: the id decides among them, so pages never overlap.
    same_time = await add_leads(lotse, 120, created_at=start)
    later = [
        (await add_leads(lotse, 1, created_at=start + dt.timedelta(minutes=i)))[0]
        for i in range(1, 121)
    ]
    oldest = await add_leads(lotse, 10, created_at=start - dt.timedelta(days=1))
    await add_leads(lotse, 5, region="luckenwalde")  # another region: not counted
    await add_leads(lotse, 3, status="done")  # not open: not counted
    expected = oldest + same_time + later
    assert len(expected) == 250
    assert PAGE_SIZE == 100

    pages = [await client.get(f"/dashboard?page={n}", headers=anna.headers) for n in (1, 2, 3)]
    seen = [lead_ids(page.text) for page in pages]
    assert [len(ids) for ids in seen] == [100, 100, 50]
    assert seen[0] + seen[1] + seen[2] == expected  # each once, oldest first, stable
    assert "250 Fälle · Seite 1 von 3 (Fall 1 bis 100)" in pages[0].text
    assert "250 Fälle · Seite 2 von 3 (Fall 101 bis 200)" in pages[1].text
    assert "250 Fälle · Seite 3 von 3 (Fall 201 bis 250)" in pages[2].text
    for page in pages:
        for n in (1, 2, 3):
            assert f'href="/dashboard?status=open&amp;page={n}"' in page.text
    assert 'aria-current="page"><strong><span class="visually-hidden">Seite </span>2<' in (
        pages[1].text
    )
    # Columns as before.
    assert "Koch/Köchin" in pages[0].text
    assert "Zulassung möglich" in pages[0].text

    # Out of range or nonsense: the nearest page, never an error.
    assert lead_ids((await client.get("/dashboard?page=99", headers=anna.headers)).text) == seen[2]
    for odd in ("0", "-1", "x", "9" * 30):
        page = await client.get(f"/dashboard?page={odd}", headers=anna.headers)
        assert page.status_code == 200
        assert lead_ids(page.text) == seen[0]

    # Filters are kept in the page links and counted.
    await add_leads(lotse, 120, language="ru")
    russian = await client.get("/dashboard?language=ru&page=2", headers=anna.headers)
    assert "120 Fälle · Seite 2 von 2 (Fall 101 bis 120)" in russian.text
    assert 'href="/dashboard?status=open&amp;language=ru&amp;page=1"' in russian.text
    assert len(lead_ids(russian.text)) == 20
    everything = await client.get("/dashboard?status=all", headers=anna.headers)
    assert "373 Fälle · Seite 1 von 4" in everything.text


async def test_one_page_has_no_page_links(client: httpx.AsyncClient, lotse: Lotse) -> None:
    anna = await staff(lotse, "anna@example.org")
    await add_leads(lotse, 1)
    page = await client.get("/dashboard", headers=anna.headers)
    assert '<p class="count">1 Fall</p>' in page.text
    assert 'aria-label="Seiten"' not in page.text


def test_page_numbers_around_the_current_page() -> None:
    assert page_numbers(1, 1) == [1]
    assert page_numbers(1, 3) == [1, 2, 3]
    assert page_numbers(10, 20) == [1, 8, 9, 10, 11, 12, 20]
    assert page_numbers(20, 20) == [1, 18, 19, 20]
