"""The chat API contract of DESIGN.md, bad input and the health check."""

from __future__ import annotations

import httpx
import pytest

from bot.service import Lotse


async def test_new_session_shape(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/chat", json={"session": None, "text": "Merhaba"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"session", "language", "messages"}
    assert body["language"] == "tr"
    assert isinstance(body["session"], str)
    assert len(body["session"]) >= 20
    for message in body["messages"]:
        assert set(message) == {"text", "options"}
        for option in message["options"]:
            assert set(option) == {"id", "label"}
    assert any(o["id"] == "exam" for m in body["messages"] for o in m["options"])


async def test_language_hint_and_switch(client: httpx.AsyncClient) -> None:
    first = (await client.post("/api/chat", json={"session": None, "language": "de"})).json()
    assert first["language"] == "de"
    switched = (
        await client.post("/api/chat", json={"session": first["session"], "language": "ru"})
    ).json()
    assert switched["language"] == "ru"
    assert switched["session"] == first["session"]
    assert any("Выберите" in m["text"] or "вопрос" in m["text"] for m in switched["messages"])


async def test_reload_shows_the_current_question_again(client: httpx.AsyncClient) -> None:
    first = (await client.post("/api/chat", json={"session": None, "language": "de"})).json()
    session = first["session"]
    await client.post("/api/chat", json={"session": session, "choice": "exam"})
    again = (await client.post("/api/chat", json={"session": session})).json()
    assert any(o["id"] == "koch" for m in again["messages"] for o in m["options"])


async def test_unknown_session_starts_fresh(client: httpx.AsyncClient) -> None:
    body = (
        await client.post("/api/chat", json={"session": "does-not-exist", "text": "hallo"})
    ).json()
    assert body["session"] != "does-not-exist"
    assert body["language"] == "de"


async def test_malformed_requests_are_refused_cleanly(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/chat", content=b"{not json")).status_code == 422
    assert (await client.post("/api/chat", json={"session": "../../etc"})).status_code == 422
    assert (await client.post("/api/chat", json={"language": "fr"})).status_code == 422
    assert (await client.post("/api/chat", json={"text": "x" * 5000})).status_code == 422


async def test_odd_text_gets_a_polite_answer(client: httpx.AsyncClient) -> None:
    start = (await client.post("/api/chat", json={"session": None, "language": "tr"})).json()
    for text in ["", "   ", "🙂🙂🙂", "<script>alert(1)</script>", "\x00\x01", "а" * 3000]:
        response = await client.post("/api/chat", json={"session": start["session"], "text": text})
        assert response.status_code == 200, text
        assert response.json()["messages"], text


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_web_chat_page_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert "/api/chat" in response.text


@pytest.mark.parametrize(
    ("language", "text", "needed", "worked"),
    [
        (
            "de",
            "Ich arbeite seit 6 Jahren Vollzeit als Koch ohne Abschluss",
            "4,5 Jahre",
            "6 Jahre",
        ),
        ("tr", "6 yıldır tam zamanlı aşçı olarak çalışıyorum, diplomam yok", "4,5 yıl", "6 yıl"),
        ("tr", "6 yildir tam zamanli asci olarak calisiyorum diplomam yok", "4,5 yıl", "6 yıl"),
        ("ru", "работаю поваром 6 лет на полную ставку без диплома", "4,5 года", "6 лет"),
        ("ru", "rabotayu povarom 6 let polnyy den bez diploma", "4,5 года", "6 лет"),
    ],
)
async def test_a_first_question_is_answered_directly(
    client: httpx.AsyncClient, language: str, text: str, needed: str, worked: str
) -> None:
    body = (await client.post("/api/chat", json={"session": None, "text": text})).json()
    shown = "\n".join(m["text"] for m in body["messages"])
    assert body["language"] == language
    assert needed in shown
    assert worked in shown
    assert "IHK zu Dortmund" in shown


async def test_a_link_payload_sets_region_and_source(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    body = (
        await client.post("/api/chat", json={"session": None, "start": "ru-luckenwalde-poster3"})
    ).json()
    assert body["language"] == "ru"
    state = await lotse.current_state(channel="web", user_key=body["session"])
    assert state is not None
    assert (state.region, state.source) == ("luckenwalde", "poster3")
    refused = await client.post("/api/chat", json={"session": None, "start": "<script>"})
    assert refused.status_code == 422


async def test_an_unknown_session_leaves_nothing_under_its_id(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    await client.post("/api/chat", json={"session": "made-up-id", "text": "hallo"})
    assert await lotse.current_state(channel="web", user_key="made-up-id") is None


async def test_a_start_link_opened_by_someone_who_talked_before_begins_from_the_link(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    """An atlas page's chat link, opened in a browser that has a session: the occupation and
    the language of the link count, not the old conversation's place."""
    first = (await client.post("/api/chat", json={"session": None, "text": "hallo"})).json()
    session = first["session"]
    await client.post("/api/chat", json={"session": session, "choice": "exam"})
    body = (
        await client.post("/api/chat", json={"session": session, "start": "ru-atlas-koch"})
    ).json()
    assert body["session"] == session
    assert body["language"] == "ru"
    state = await lotse.current_state(channel="web", user_key=session)
    assert state is not None
    assert state.slots.get("occupation") == "koch"
