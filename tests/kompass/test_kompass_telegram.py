"""The Kom-Pass in a Telegram chat: where the web chat links the PDF, the chat gets the file
itself (``sendDocument``), through the outbox, after the done message and before the next
question; the outbox keeps a reference, the sender loads the bytes when it sends."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import delete, select

from bot.channels.telegram import _codec
from bot.channels.telegram._render import Outgoing
from bot.channels.telegram._sender import Result
from bot.service import Lotse
from bot.store.models import KompassDocument, TelegramOutgoing
from tests.telegram.conftest import FakeBotApi, Telegram, running
from tests.telegram.conftest import bot_api as bot_api  # the fake Bot API server (fixture)

CHAT = 4711
BUTTON_SECRET = "test-secret-key-for-buttons"  # LOTSE_SECRET_KEY of the Telegram test settings
# A cook from Turkey, in German: work period with two ticked tasks and own words, certificates,
# one language; the social step is answered with one choice.
STEPS: list[dict[str, str]] = [
    {"choice": "exam"}, {"text": "Koch"}, {"text": "5 Jahre"}, {"choice": "full"},
    {"choice": "kompass"}, {"choice": "agree"}, {"text": "Türkei"}, {"text": "2015-2020"},
    {"choice": "task:cook"}, {"choice": "task:hygiene"}, {"text": "Hochzeitsessen"},
    {"choice": "done"}, {"choice": "enough"}, {"text": "Hygieneschulung, Erste Hilfe"},
    {"choice": "de"}, {"choice": "b1"}, {"choice": "enough"}, {"choice": "team"},
    {"choice": "done"},
]  # fmt: skip


@pytest.fixture
async def tg(database_url: str, lotse: Lotse, bot_api: FakeBotApi) -> AsyncIterator[Telegram]:
    async with running(database_url, lotse, bot_api) as harness:
        yield harness


async def choose(tg: Telegram, lotse: Lotse, option: str) -> None:
    """Press the button of ``option`` on the last message, as the chat shows it."""
    state = await lotse.current_state(channel="telegram", user_key=str(CHAT))
    assert state is not None
    assert option in state.offered, (option, state.node, state.offered)
    data = _codec.encode(secret=BUTTON_SECRET, chat_id=CHAT, node=state.node, option_id=option)
    await tg.send(tg.press_data(CHAT, data, tg.last(CHAT)))


async def complete(tg: Telegram, lotse: Lotse) -> None:
    await tg.send(tg.message(CHAT, "/start"))
    for step in STEPS:
        if "choice" in step:
            await choose(tg, lotse, step["choice"])
        else:
            await tg.send(tg.message(CHAT, step["text"]))


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data), strict=True)
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def sent(api: FakeBotApi) -> list[tuple[str, dict[str, Any]]]:
    return [(c.method, c.params) for c in api.calls if c.params.get("chat_id") == CHAT]


async def test_the_kompass_arrives_as_a_document(
    tg: Telegram, lotse: Lotse, bot_api: FakeBotApi
) -> None:
    await complete(tg, lotse)
    documents = bot_api.of("sendDocument", CHAT)
    assert len(documents) == 1
    document = documents[0]
    assert document.status == 200
    assert document.params["document_name"] == "kompetenz-kom-pass.pdf"
    assert document.params["caption"] == "Mein Kompetenz-Kom-Pass (PDF)"
    text = pdf_text(document.params["document"])
    assert "Mein Kompetenz-Kom-Pass" in text
    assert "Warme Gerichte kochen: Fleisch, Fisch, Gemüse" in text  # a ticked task
    assert "Hygieneregeln einhalten und aufschreiben" in text
    assert "Hochzeitsessen" in text  # own words
    assert "Hygieneschulung, Erste Hilfe" in text
    assert "Ich arbeite gern im Team" in text
    assert "IHK zu Dortmund" in text  # the plan
    async with lotse.sessions() as db:
        stored = (await db.scalars(select(KompassDocument))).one()
        assert stored.pdf == document.params["document"]
        assert stored.version == 1
    # The done message, then the file, then the next question with its buttons; the web
    # chat's relative link is nowhere.
    calls = sent(bot_api)
    at = next(i for i, (method, _) in enumerate(calls) if method == "sendDocument")
    before = [p["text"] for m, p in calls[:at] if m == "sendMessage"]
    assert "Fertig! Ihr Kompetenz-Kom-Pass mit Ihrem Bildungsplan ist da." in before[-1]
    after = [p for m, p in calls[at + 1 :] if m == "sendMessage"]
    assert after
    assert after[-1].get("reply_markup")
    assert not any("/api/kompass.pdf" in p.get("text", "") for _, p in calls)
    # Delivered: the outbox holds nothing any more, and never held the PDF itself.
    async with lotse.sessions() as db:
        assert (await db.scalars(select(TelegramOutgoing))).all() == []


async def test_a_document_erased_before_it_went_out_is_not_sent(
    tg: Telegram, lotse: Lotse, bot_api: FakeBotApi
) -> None:
    """The sender loads the PDF when it sends; if it is gone (erased), the call is dropped."""
    sender = tg.channel.sender
    async with lotse.sessions() as db, db.begin():
        await db.execute(delete(KompassDocument))
    call = Outgoing(
        "sendDocument",
        {"chat_id": CHAT, "kompass_document_id": 1, "filename": "x.pdf", "caption": "x"},
    )
    delivery = await sender.call(call)
    assert delivery.result is Result.FAILED
    assert bot_api.of("sendDocument") == []
