"""Free text jumps into the right decision tree with the slots it names, in every language."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


async def _first(client: httpx.AsyncClient, text: str) -> dict[str, Any]:
    response = await client.post("/api/chat", json={"session": None, "text": text})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _options(body: dict[str, Any]) -> list[str]:
    return [o["id"] for m in body["messages"] for o in m["options"]]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Ich habe meinen Abschluss in der Ukraine gemacht, wie geht Anerkennung?", "de"),
        ("Ukrayna'dan diplomam var, denklik nasıl yapılır", "tr"),
        ("priznanie diploma iz ukrainy", "ru"),
        ("Признание диплома из Украины", "ru"),
    ],
)
async def test_recognition_skips_the_country_question(
    client: httpx.AsyncClient, text: str, language: str
) -> None:
    body = await _first(client, text)
    assert body["language"] == language
    options = _options(body)
    assert "pflege" in options  # the occupation question: the country was taken from the text
    assert "ua" not in options


@pytest.mark.parametrize(
    ("text", "language", "programme"),
    [
        ("Ich bekomme Bürgergeld, wer bezahlt meinen Kurs?", "de", "Bildungsgutschein"),
        ("İşsizim, kursu kim öder?", "tr", "Bildungsgutschein"),
        ("Я получаю Bürgergeld, кто оплатит курс?", "ru", "Bildungsgutschein"),
    ],
)
async def test_funding_with_status_goes_straight_to_the_programmes(
    client: httpx.AsyncClient, text: str, language: str, programme: str
) -> None:
    body = await _first(client, text)
    shown = "\n".join(m["text"] for m in body["messages"])
    assert body["language"] == language
    assert programme in shown
    assert "employed" not in _options(body)  # the status question was skipped


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Wie wird das Wetter morgen?", "de"),
        ("bana bir şiir yaz", "tr"),
        ("сколько стоит хлеб", "ru"),
    ],
)
async def test_out_of_scope_is_said_kindly_with_the_menu(
    client: httpx.AsyncClient, text: str, language: str
) -> None:
    body = await _first(client, text)
    assert body["language"] == language
    options = _options(body)
    assert "exam" in options or any(o.startswith("topic:") for o in options)
