"""Kom-Pass documents in the database: each version with its answers and PDF, on the lead."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import Conversation, KompassDocument


async def save_document(
    *,
    session: AsyncSession,
    conversation_id: int,
    lead_id: int | None,
    language: str,
    answers: Mapping[str, Any],
    pdf: bytes,
    created_by: str = "person",
    notes: str | None = None,
) -> KompassDocument:
    """A new version (1, 2, …) of the conversation's Kom-Pass."""
    latest = await session.scalar(
        select(func.max(KompassDocument.version)).where(
            KompassDocument.conversation_id == conversation_id
        )
    )
    document = KompassDocument(
        conversation_id=conversation_id,
        lead_id=lead_id,
        version=(latest or 0) + 1,
        language=language,
        answers=dict(answers),
        pdf=pdf,
        notes=notes,
        created_by=created_by,
    )
    session.add(document)
    await session.flush()
    return document


async def latest_document(*, session: AsyncSession, conversation_id: int) -> KompassDocument | None:
    return await session.scalar(
        select(KompassDocument)
        .where(KompassDocument.conversation_id == conversation_id)
        .order_by(KompassDocument.version.desc())
        .limit(1)
    )


async def documents_of_lead(*, session: AsyncSession, lead_id: int) -> list[KompassDocument]:
    found = await session.scalars(
        select(KompassDocument)
        .where(KompassDocument.lead_id == lead_id)
        .order_by(KompassDocument.version.desc())
    )
    return list(found)


async def document_pdf(*, session: AsyncSession, document_id: int) -> bytes | None:
    """The PDF of one version, or None when it was erased meanwhile (Telegram's outbox)."""
    pdf: bytes | None = await session.scalar(
        select(KompassDocument.pdf).where(KompassDocument.id == document_id)
    )
    return pdf


async def latest_document_id(*, session: AsyncSession, channel: str, user_key: str) -> int | None:
    """The newest version of a chat's Kom-Pass (a channel that sends it as a file)."""
    found: int | None = await session.scalar(
        select(KompassDocument.id)
        .join(Conversation, Conversation.id == KompassDocument.conversation_id)
        .where(Conversation.channel == channel, Conversation.user_key == user_key)
        .order_by(KompassDocument.version.desc())
        .limit(1)
    )
    return found
