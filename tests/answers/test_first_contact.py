"""First messages through /api/chat: the question asked is answered first, with its sources."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.service import Content


async def _say(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/api/chat", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _options(body: dict[str, Any]) -> list[str]:
    return [o["id"] for m in body["messages"] for o in m["options"]]


@pytest.mark.parametrize(
    ("text", "language", "answer_id"),
    [
        ("Was kostet die Externenprüfung?", "de", "exam_fees"),
        ("Wie lange dauert die Anerkennung?", "de", "rec_duration"),
        ("sınavda kalırsam tekrar girebilir miyim", "tr", "exam_retake"),
        ("denklik başvurusu ne kadar sürer", "tr", "rec_duration"),
        ("сколько раз можно пересдать экзамен", "ru", "exam_retake"),
        ("skolko dlitsya priznanie diploma", "ru", "rec_duration"),
    ],
)
async def test_first_question_is_answered_with_links(
    client: httpx.AsyncClient, content: Content, text: str, language: str, answer_id: str
) -> None:
    body = await _say(client, {"session": None, "text": text})
    assert body["language"] == language
    first = body["messages"][0]
    entry = content.knowledge.answers[answer_id]
    assert first["text"].startswith(entry.answer.get(language).strip()[:30])
    assert [link["url"] for link in first["links"]] == [str(s.url) for s in entry.sources]
    assert all(link["url"].startswith("https://") for link in first["links"])
    # Then one offer of what fits: the person's own case, a counsellor or the menu.
    assert {"human", "menu"} <= set(_options(body))


async def test_messages_without_links_leave_the_field_out(client: httpx.AsyncClient) -> None:
    body = await _say(client, {"session": None, "language": "de"})
    assert all("links" not in m for m in body["messages"])


async def test_an_unsure_question_offers_entries_and_a_press_answers(
    client: httpx.AsyncClient, content: Content
) -> None:
    body = await _say(client, {"session": None, "language": "de"})
    session = body["session"]
    body = await _say(client, {"session": session, "text": "kosten?"})
    guesses = [o for o in _options(body) if o.startswith("answer:")]
    if not guesses:
        pytest.fail(f"no 'did you mean' for a vague question: {body}")
    pressed = await _say(client, {"session": session, "choice": guesses[0]})
    entry = content.knowledge.answers[guesses[0].removeprefix("answer:")]
    assert pressed["messages"][0]["text"].startswith(entry.answer.de.strip()[:30])


async def test_a_number_at_the_years_question_is_years_not_a_button(
    client: httpx.AsyncClient,
) -> None:
    body = await _say(client, {"session": None, "language": "de"})
    session = body["session"]
    await _say(client, {"session": session, "choice": "exam"})
    await _say(client, {"session": session, "choice": "koch"})
    body = await _say(client, {"session": session, "text": "2"})
    assert "full" in _options(body)  # the workload question: 2 was taken as two years


@pytest.mark.parametrize(
    "text",
    [
        "Hello, I worked as a cook for six years, can I get a certificate?",
        "Bonjour, je travaille comme cuisinier depuis six ans, comment faire?",
        "مرحبا، أريد معادلة شهادتي",
    ],
)
async def test_a_language_lotse_does_not_speak_gets_the_choice(
    client: httpx.AsyncClient, text: str
) -> None:
    body = await _say(client, {"session": None, "text": text})
    shown = "\n".join(m["text"] for m in body["messages"])
    assert "Deutsch, Türkisch und Russisch" in shown
    assert "Türkçe" in shown
    assert "по-русски" in shown
    assert {"de", "tr", "ru"} <= set(_options(body))
    chosen = await _say(client, {"session": body["session"], "choice": "tr"})
    assert chosen["language"] == "tr"


async def test_an_emoji_opens_the_conversation_once(client: httpx.AsyncClient) -> None:
    body = await _say(client, {"session": None, "text": "👍🙂", "language": "de"})
    menus = [m for m in body["messages"] if any(o["id"] == "exam" for o in m["options"])]
    assert len(menus) == 1
    assert len(body["messages"]) <= 2


async def test_an_answer_without_a_tree_offers_no_case_check(client: httpx.AsyncClient) -> None:
    body = await _say(client, {"session": None, "text": "Ist die Beratung bei euch kostenlos?"})
    shown = "\n".join(m["text"] for m in body["messages"])
    assert "human" in _options(body)
    assert not any(o.startswith("check_") for o in _options(body))
    assert "prüfen, was für Ihren Fall gilt" not in shown
