"""Issue 10, points 3–4: control characters, huge numbers and deep nesting are never a 500."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.channels.telegram import _inbox
from bot.config import Settings
from bot.service import Lotse
from bot.store.models import Conversation, Lead, LeadEvent, TelegramUpdate
from bot.web.app import create_app

from .conftest import Log, dump, post_chat

SECRET = "webhook-secret-0123456789"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "content-type": "application/json"}
CONTROL = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


class Inbox:
    """The storing half of the Telegram channel (``receive``), without workers or a Bot API."""

    webhook_secret = SECRET

    def __init__(self, lotse: Lotse) -> None:
        self.lotse = lotse

    async def receive(self, payload: Mapping[str, Any]) -> bool:
        async with self.lotse.sessions() as session, session.begin():
            return await _inbox.store(session=session, payload=payload)


@pytest.fixture
async def webhook(settings: Settings, lotse: Lotse) -> Any:
    app = create_app(settings, lotse)
    app.state.telegram = Inbox(lotse)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://lotse.test") as http:
        yield http


def has_control(text: str) -> bool:
    return any(ch in text for ch in CONTROL) or "\\u0000" in text


# -- point 3 ---------------------------------------------------------------------------------


async def test_a_name_with_nul_and_control_characters_is_stored_clean(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    """NUL passed parse_name and crashed lead creation on PostgreSQL, on every retry."""
    session = (await post_chat(client, session=None, language="de"))["session"]
    for step in ({"choice": "human"}, {"choice": "agree"}, {"text": "Ay\x00şe\x07 Yıl\x1bmaz"},
                 {"choice": "chat"}, {"choice": "mornings"}):  # fmt: skip
        await post_chat(client, session=session, **step)
    async with lotse.sessions() as db:
        lead = (await db.execute(select(Lead))).scalar_one()
    assert lead.contact_name == "Ayşe Yılmaz"
    assert not has_control(await dump(lotse))


async def test_every_text_column_is_cleaned_on_both_databases(lotse: Lotse) -> None:
    """The last line of defence: whatever a layer above forgets, the store cleans."""
    dirty = f"a{CONTROL}b\ud800c\udfffd\ufffe"
    async with lotse.sessions() as db, db.begin():
        conversation = Conversation(
            channel="web", user_key=f"k{dirty}", language="de",
            state={"slots": {f"key{dirty}": [dirty, {"deep": dirty}]}},
        )  # fmt: skip
        db.add(conversation)
        await db.flush()
        lead = Lead(
            conversation_id=conversation.id, channel="web", language="de", facts={"x": dirty},
            contact_name=dirty, status="new",
        )  # fmt: skip
        db.add(lead)
        await db.flush()
        db.add(LeadEvent(lead_id=lead.id, at=dt.datetime.now(dt.UTC), actor="person", note=dirty))
    async with lotse.sessions() as db:
        stored = (await db.execute(select(Lead))).scalar_one()
        note = (await db.execute(select(LeadEvent.note))).scalar_one()
        state = (await db.execute(select(Conversation.state))).scalar_one()
    assert stored.contact_name == "abcd"
    assert stored.facts == {"x": "abcd"}
    assert note == "abcd"
    assert state == {"slots": {"keyabcd": ["abcd", {"deep": "abcd"}]}}


async def test_a_telegram_update_with_control_characters_is_stored_clean(
    webhook: httpx.AsyncClient, lotse: Lotse
) -> None:
    update = {"update_id": 77, "message": {"message_id": 1, "date": 0, "text": "Ay\x00şe \ud800",
              "chat": {"id": 4242, "type": "private", "first_name": "Z\x00"}}}  # fmt: skip
    response = await webhook.post("/telegram/webhook", content=json.dumps(update), headers=HEADERS)
    assert response.status_code == 200
    async with lotse.sessions() as db:
        row = (await db.execute(select(TelegramUpdate))).scalar_one()
    assert row.payload["message"]["text"] == "Ayşe "
    assert row.chat_id == 4242


# -- point 4 ---------------------------------------------------------------------------------


REFUSED = [
    b'{"update_id": 18446744073709551616}',  # beyond 64 bits: OverflowError, a 500
    b'{"update_id": 9223372036854775808}',
    b'{"update_id": -1}',
    b"[" * 100_000 + b"]" * 100_000,  # RecursionError, a 500
    b'{"update_id": 1, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    b"not json",
    b'{"update_id": true}',
]
DROPPED = [
    ({"message": {"chat": {"id": 2**64, "type": "private"}, "text": "hi"}}, "64-bit"),
    ({"message": {"text": "x", "date": 1e999}}, "not finite"),
    ({"message": {"entities": json.loads("[" * 40 + "]" * 40)}}, "deeper than"),
]


async def test_unusable_webhook_bodies_are_refused_with_400(
    webhook: httpx.AsyncClient, lotse: Lotse
) -> None:
    for body in REFUSED:
        response = await webhook.post("/telegram/webhook", content=body, headers=HEADERS)
        assert response.status_code == 400, body[:40]
    async with lotse.sessions() as db:
        assert (await db.execute(select(TelegramUpdate))).first() is None


async def test_a_readable_update_that_cannot_be_stored_is_acknowledged_and_dropped(
    webhook: httpx.AsyncClient, lotse: Lotse, written_log: Log
) -> None:
    """Telegram must not send it again and again: 200, a log line, nothing stored."""
    for update, reason in DROPPED:
        body = json.dumps({"update_id": 31337, **update}).replace("Infinity", "1e999")
        response = await webhook.post("/telegram/webhook", content=body, headers=HEADERS)
        assert response.status_code == 200
        assert "update 31337 dropped: " in written_log.text
        assert reason in written_log.text
    async with lotse.sessions() as db:
        assert (await db.execute(select(TelegramUpdate))).first() is None


async def test_the_largest_update_id_is_stored(webhook: httpx.AsyncClient, lotse: Lotse) -> None:
    update = {"update_id": 2**63 - 1, "message": {"chat": {"id": -(2**63), "type": "group"}}}
    response = await webhook.post("/telegram/webhook", content=json.dumps(update), headers=HEADERS)
    assert response.status_code == 200
    async with lotse.sessions() as db:
        row = (await db.execute(select(TelegramUpdate))).scalar_one()
    assert (row.update_id, row.chat_id) == (2**63 - 1, -(2**63))
