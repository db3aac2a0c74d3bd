"""In the conversation: after the exam result and in answers about courses, up to three courses
in the person's language, or "none known" with the official course search and a counsellor."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from bot.courses import OFFICIAL_SEARCH
from bot.service import Lotse

from .conftest import course, exam_result, store

NONE_KNOWN = {"de": "kenne ich zurzeit nicht", "tr": "bilmiyorum", "ru": "не знаю"}
VOUCHER = {
    "de": "Bildungsgutschein: ja",
    "tr": "(Bildungsgutschein): evet",
    "ru": "(Bildungsgutschein): да",
}
PART_TIME = {"de": "Teilzeit", "tr": "Kısmi zamanlı", "ru": "Неполный день"}


@pytest.mark.parametrize("language", ["de", "tr", "ru"])
async def test_none_known_points_to_the_official_search(
    client: httpx.AsyncClient, language: str
) -> None:
    messages = await exam_result(client, language)
    shown = "\n".join(m["text"] for m in messages)
    assert NONE_KNOWN[language] in shown
    links = [link["url"] for m in messages for link in m.get("links", [])]
    assert OFFICIAL_SEARCH in links
    assert "human" in [o["id"] for m in messages for o in m["options"]]  # and a counsellor


@pytest.mark.parametrize("language", ["de", "tr", "ru"])
async def test_up_to_three_courses_after_the_exam_result(
    client: httpx.AsyncClient, lotse: Lotse, language: str
) -> None:
    start = dt.date.today() + dt.timedelta(days=40)
    await store(
        lotse,
        course(title="Kurs Eins", start_dates=(start,)),
        course(title="Kurs Zwei", voucher=False, start_dates=()),
        course(title="Kurs Drei", format="online", region=None),
        course(title="Kurs Vier", start_dates=(start + dt.timedelta(days=400),)),
        course(title="Kurs Verkauf", occupations=("verkaeufer",)),
    )
    messages = await exam_result(client, language)
    shown = "\n".join(m["text"] for m in messages)
    assert NONE_KNOWN[language] not in shown
    assert "Kurs Eins" in shown
    assert "Kurs Zwei" in shown
    assert "Kurs Drei" not in shown
    assert "Kurs Vier" in shown  # in the region before online, up to three
    assert "Kurs Verkauf" not in shown
    assert f"{start:%d.%m.%Y}" in shown
    assert VOUCHER[language] in shown
    assert PART_TIME[language] in shown
    links = [link["url"] for m in messages for link in m.get("links", [])]
    assert links.count("https://example.org/koch") == 3
    assert OFFICIAL_SEARCH not in links


async def test_the_answer_about_finding_a_course_lists_them(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    await store(lotse, course(title="Vorbereitung Küche"))
    answer = await client.post(
        "/api/chat",
        json={"session": None, "language": "tr", "text": "aşçıyım, hazırlık kursu nasıl bulurum?"},
    )
    shown = "\n".join(m["text"] for m in answer.json()["messages"])
    assert "Vorbereitung Küche" in shown, shown


async def test_outside_the_region_only_online_courses(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    await store(lotse, course(title="Dortmunder Kurs"), course(title="Fern", region=None,
                                                                 format="online"))  # fmt: skip
    await store(lotse, course(title="Luckenwalder Kurs", region="luckenwalde"))
    answer = await client.post("/api/chat", json={"session": None, "start": "de-luckenwalde"})
    session = answer.json()["session"]
    for body in ({"choice": "exam"}, {"text": "Koch"}, {"text": "5 Jahre"}, {"choice": "full"}):
        answer = await client.post("/api/chat", json={"session": session, **body})
    shown = "\n".join(m["text"] for m in answer.json()["messages"])
    assert "Luckenwalder Kurs" in shown
    assert "Fern" in shown
    assert "Dortmunder Kurs" not in shown
