"""The done criterion in the web chat: a Turkish speaker completes the Kom-Pass and downloads the
PDF (Turkish and German, the plan, the tasks); it hangs on the lead; only the session's cookie
gets it; erasure and retention delete it."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import httpx
from pypdf import PdfReader
from sqlalchemy import func, select

from bot.handover.retention import purge
from bot.service import Lotse
from bot.store.models import KompassDocument, Lead

STEPS: list[dict[str, Any]] = [
    {"choice": "exam"}, {"text": "aşçı"}, {"text": "5 yıl"}, {"choice": "full"},
    {"choice": "kompass"}, {"choice": "agree"}, {"text": "Türkiye"}, {"text": "2015-2020"},
    {"choice": "task:cook"}, {"choice": "task:hygiene"}, {"text": "Düğün yemekleri"},
    {"choice": "done"}, {"choice": "enough"}, {"text": "Hijyen eğitimi, ilk yardım"},
    {"choice": "tr"}, {"choice": "c2"}, {"choice": "more"}, {"choice": "de"}, {"choice": "b1"},
    {"choice": "enough"}, {"choice": "team"}, {"choice": "done"},
]  # fmt: skip


async def complete(client: httpx.AsyncClient) -> tuple[str, dict[str, Any]]:
    first = (await client.post("/api/chat", json={"session": None, "text": "merhaba",
                                                  "language": "tr"})).json()  # fmt: skip
    session = first["session"]
    data: dict[str, Any] = first
    for step in STEPS:
        response = await client.post("/api/chat", json={"session": session, **step})
        assert response.status_code == 200, step
        data = response.json()
    return session, data


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data), strict=True)
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


async def test_turkish_kompass_downloaded_from_the_web_chat(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    session, last = await complete(client)
    done = next(m for m in last["messages"] if "pusulanız hazır" in m["text"])
    assert done["links"] == [{"title": "Yetkinlik pusulam (PDF)", "url": "/api/kompass.pdf"}]
    response = await client.get("/api/kompass.pdf", headers={"Cookie": f"lotse_session={session}"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    text = pdf_text(response.content)
    assert "Yetkinlik pusulam" in text
    assert "Mein Kompetenz-Kom-Pass" in text
    assert "Sıcak yemek pişirmek: et, balık, sebze" in text  # a ticked task, in Turkish
    assert "Warme Gerichte kochen: Fleisch, Fisch, Gemüse" in text  # and in German
    assert "Düğün yemekleri" in text
    assert "Hijyen eğitimi, ilk yardım" in text
    assert "C2" in text
    assert "B1" in text
    assert "Ekip içinde çalışmayı severim" in text
    assert "4,5 yıl iş deneyimi gerekir. Sizin 5 yıl" in text  # the computed plan
    assert "IHK zu Dortmund" in text
    async with lotse.sessions() as db:
        document = (await db.scalars(select(KompassDocument))).one()
        lead = await db.get(Lead, document.lead_id)
        assert lead is not None
        assert document.version == 1
        assert document.language == "tr"
    # Another browser, no cookie, or a forged one: nothing.
    assert (await client.get("/api/kompass.pdf")).status_code == 404
    other = await client.get("/api/kompass.pdf", headers={"Cookie": "lotse_session=forged-session"})
    assert other.status_code == 404


async def test_without_consent_nothing_is_kept(client: httpx.AsyncClient, lotse: Lotse) -> None:
    first = (await client.post("/api/chat", json={"session": None, "text": "merhaba",
                                                  "language": "tr"})).json()  # fmt: skip
    session = first["session"]
    for step in ({"choice": "kompass"}, {"choice": "refuse"}):
        await client.post("/api/chat", json={"session": session, **step})
    async with lotse.sessions() as db:
        assert await db.scalar(select(func.count()).select_from(KompassDocument)) == 0
        assert await db.scalar(select(func.count()).select_from(Lead)) == 0
    response = await client.get("/api/kompass.pdf", headers={"Cookie": f"lotse_session={session}"})
    assert response.status_code == 404


async def test_erasure_and_retention_delete_the_document(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    session, _ = await complete(client)
    for step in ({"text": "/delete"}, {"choice": "confirm"}):
        await client.post("/api/chat", json={"session": session, **step})
    async with lotse.sessions() as db:
        assert await db.scalar(select(func.count()).select_from(KompassDocument)) == 0
    assert (
        await client.get("/api/kompass.pdf", headers={"Cookie": f"lotse_session={session}"})
    ).status_code == 404
    # Retention: a finished lead past the limit takes its Kom-Pass along.
    session, _ = await complete(client)
    async with lotse.sessions() as db, db.begin():
        lead = (await db.scalars(select(Lead))).one()
        lead.status = "done"
        lead.updated_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    async with lotse.sessions() as db, db.begin():
        await purge(session=db, retention_days=180)
    async with lotse.sessions() as db:
        assert await db.scalar(select(func.count()).select_from(KompassDocument)) == 0
