"""A counsellor and a web chat person in one conversation: messages both ways, commands still
to the bot, the bot steps aside and comes back once each, in the person's language."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest

from bot.engine import Text
from bot.service import Lotse
from bot.store.models import utcnow
from bot.thread import texts, web
from bot.thread.deliver import collect_web
from tests.dashboard.conftest import staff
from tests.thread.conftest import close, counsellor, rows, text, to_lead, write


async def chat(client: httpx.AsyncClient, session: str, message: str) -> list[str]:
    response = await client.post("/api/chat", json={"session": session, "text": message})
    assert response.status_code == 200
    return [m["text"] for m in response.json()["messages"]]


async def polled(client: httpx.AsyncClient, session: str) -> list[str]:
    response = await client.post("/api/chat/notifications", json={"session": session})
    assert response.status_code == 200
    return [m["text"] for m in response.json()["messages"]]


async def test_a_counsellor_writes_and_the_person_answers_in_the_thread(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    lead_id = await to_lead(lotse, "web-de")
    anna = await counsellor(lotse, client, lead_id, "anna@example.org")
    assert (await write(client, anna, lead_id, "Guten Tag! Haben Sie Ihr Zeugnis da?")).endswith(
        "msg=thread_sent#thread"
    )
    shown = await polled(client, "web-de")
    assert shown == [
        text(lotse, "de", texts.OPENED, name="Anna"),
        text(lotse, "de", texts.MESSAGE, name="Anna", text="Guten Tag! Haben Sie Ihr Zeugnis da?"),
    ]
    assert "Schmidt" not in " ".join(shown)  # the first name only
    assert await polled(client, "web-de") == []  # delivered once

    # The reply goes to the lead, not the bot: no answer, kept for the counsellor, unread.
    assert await chat(client, "web-de", "Ja, aus Istanbul. Wie geht es weiter?") == []
    replies = await rows(lotse, lead_id=lead_id, author="person", kind="message")
    assert [r.text for r in replies] == ["Ja, aus Istanbul. Wie geht es weiter?"]
    queue = await client.get("/dashboard?mine=1", headers=anna.headers)
    assert "1 neue Nachricht" in queue.text
    page = await client.get(f"/dashboard/leads/{lead_id}", headers=anna.headers)
    assert "Ja, aus Istanbul. Wie geht es weiter?" in page.text
    assert "1 neu" in page.text
    assert "48 Stunden lang niemand schreibt" in page.text  # the conversation is open
    again = await client.get("/dashboard?mine=1", headers=anna.headers)
    assert "neue Nachricht" not in again.text  # seen on the lead page

    # Commands still reach the bot, and are not copied to the thread.
    my_data = await chat(client, "web-de", "Meine Daten")
    assert my_data
    assert "Ayşe Yılmaz" in " ".join(my_data)
    assert await chat(client, "web-de", "/menu")
    assert await chat(client, "web-de", "Mein Termin")
    assert await chat(client, "web-de", "/language")
    switched = await client.post("/api/chat", json={"session": "web-de", "language": "tr"})
    assert switched.json()["language"] == "tr"
    assert switched.json()["messages"]  # the bot shows where the person is, in Turkish
    await client.post("/api/chat", json={"session": "web-de", "language": "de"})
    assert len(await rows(lotse, lead_id=lead_id, author="person", kind="message")) == 1

    # The counsellor ends it: the bot says so once, then answers again.
    assert (await close(client, anna, lead_id)).endswith("msg=thread_closed#thread")
    assert await polled(client, "web-de") == [text(lotse, "de", texts.CLOSED)]
    assert await polled(client, "web-de") == []
    assert await chat(client, "web-de", "Was kostet die Prüfung?")  # the bot answers
    assert len(await rows(lotse, lead_id=lead_id, author="person", kind="message")) == 1
    assert (await close(client, anna, lead_id)).endswith("msg=thread_not_open#thread")


async def test_the_bot_steps_aside_once_in_the_persons_language(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    lead_id = await to_lead(lotse, "web-tr", language="tr")
    anna = await counsellor(lotse, client, lead_id, "anna@example.org")
    await write(client, anna, lead_id, "Merhaba!")
    await write(client, anna, lead_id, "Belgeniz var mı?")
    # What waits comes with the next answer too (the page was closed, this is the next visit).
    response = await client.post("/api/chat", json={"session": "web-tr"})
    shown = [m["text"] for m in response.json()["messages"]]
    opened = text(lotse, "tr", texts.OPENED, name="Anna")
    assert shown[:3] == [
        opened,
        text(lotse, "tr", texts.MESSAGE, name="Anna", text="Merhaba!"),
        text(lotse, "tr", texts.MESSAGE, name="Anna", text="Belgeniz var mı?"),
    ]
    assert "Danışmanlık ekibinden Anna" in opened
    assert await polled(client, "web-tr") == []


async def test_the_stream_shows_a_message_while_the_page_is_open(
    client: httpx.AsyncClient, lotse: Lotse, monkeypatch: pytest.MonkeyPatch
) -> None:
    lead_id = await to_lead(lotse, "web-ru", language="ru")
    anna = await counsellor(lotse, client, lead_id, "anna@example.org")
    assert await collect_web(lotse, "web", "web-ru") is None  # nothing waits: one read
    await write(client, anna, lead_id, "Здравствуйте!")
    monkeypatch.setattr(web, "LIFETIME", 0.3)
    monkeypatch.setattr(web, "TICK", 0.05)
    response = await client.get("/api/chat/stream", params={"session": "web-ru"})
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [line for line in response.text.splitlines() if line.startswith("data: ")]
    assert len(events) == 1
    data = json.loads(events[0].removeprefix("data: "))
    assert data["language"] == "ru"
    assert [m["text"] for m in data["messages"]] == [
        text(lotse, "ru", texts.OPENED, name="Anna"),
        text(lotse, "ru", texts.MESSAGE, name="Anna", text="Здравствуйте!"),
    ]
    assert await polled(client, "web-ru") == []  # streamed, so not again


async def test_an_idle_conversation_gives_the_bot_back_once(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    lead_id = await to_lead(lotse, "web-idle", language="tr")
    anna = await counsellor(lotse, client, lead_id, "anna@example.org")
    await write(client, anna, lead_id, "Merhaba!")
    await polled(client, "web-idle")
    later = utcnow() + lotse.settings.thread_idle - dt.timedelta(minutes=1)
    lotse.clock = lambda: later
    assert await chat(client, "web-idle", "Teşekkürler") == []  # still open: to the counsellor
    lotse.clock = lambda: later + lotse.settings.thread_idle + dt.timedelta(minutes=2)
    first = await chat(client, "web-idle", "Sınav ne kadar?")
    assert first[0] == text(lotse, "tr", texts.CLOSED)
    assert len(first) > 1  # and the bot answers the question
    second = await chat(client, "web-idle", "Sınav ne kadar?")
    assert text(lotse, "tr", texts.CLOSED) not in second
    assert len(await rows(lotse, lead_id=lead_id, kind="closed")) == 1
    assert [
        r.text for r in await rows(lotse, lead_id=lead_id, author="person", kind="message")
    ] == ["Teşekkürler"]


async def test_a_person_without_a_lead_is_not_in_a_thread(lotse: Lotse) -> None:
    outcome = await lotse.handle(channel="web", user_key="anon", events=[Text("Hallo")])
    assert outcome.messages
    state = await lotse.current_state(channel="web", user_key="anon")
    assert state is not None
    assert not state.lead


async def test_only_who_looks_after_the_lead_writes(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    lead_id = await to_lead(lotse, "web-x")
    anna = await counsellor(lotse, client, lead_id, "anna@example.org")
    berta = await staff(lotse, "berta@example.org", name="Berta Braun")
    refused = await client.post(
        f"/dashboard/leads/{lead_id}/messages",
        data={"csrf": berta.csrf, "message": "Hallo"},
        headers=berta.headers,
    )
    assert refused.status_code == 403
    assert await rows(lotse, lead_id=lead_id, kind="message") == []
    assert (await write(client, anna, lead_id, "   ")).endswith("msg=thread_empty#thread")
    page = await client.get(f"/dashboard/leads/{lead_id}", headers=berta.headers)
    assert f'action="/dashboard/leads/{lead_id}/messages"' not in page.text
    mine = await client.get(f"/dashboard/leads/{lead_id}", headers=anna.headers)
    assert f'action="/dashboard/leads/{lead_id}/messages"' in mine.text


async def test_closing_the_case_gives_the_bot_back(client: httpx.AsyncClient, lotse: Lotse) -> None:
    lead_id = await to_lead(lotse, "web-done")
    anna = await counsellor(lotse, client, lead_id, "anna@example.org")
    await write(client, anna, lead_id, "Alles klar, wir sind fertig.")
    await polled(client, "web-done")
    done = await client.post(
        f"/dashboard/leads/{lead_id}/status",
        data={"csrf": anna.csrf, "status": "done"},
        headers=anna.headers,
    )
    assert done.status_code == 303
    answer = await chat(client, "web-done", "Was kostet die Prüfung?")
    assert answer[0] == text(lotse, "de", texts.CLOSED)
    assert len(answer) > 1  # the bot answers the question
    assert await rows(lotse, lead_id=lead_id, author="person", kind="message") == []


async def test_giving_the_case_back_gives_the_bot_back(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    lead_id = await to_lead(lotse, "web-back", language="ru")
    anna = await counsellor(lotse, client, lead_id, "anna@example.org")
    await write(client, anna, lead_id, "Здравствуйте!")
    released = await client.post(
        f"/dashboard/leads/{lead_id}/release", data={"csrf": anna.csrf}, headers=anna.headers
    )
    assert released.status_code == 303
    answer = await chat(client, "web-back", "Сколько стоит экзамен?")
    assert text(lotse, "ru", texts.CLOSED) in answer  # after the counsellor's waiting messages
    assert answer[-1] != text(lotse, "ru", texts.CLOSED)  # and the bot answers
    assert await rows(lotse, lead_id=lead_id, author="person", kind="message") == []
