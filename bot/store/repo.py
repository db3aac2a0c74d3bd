"""Repository functions: keyword-only, with an explicit session, inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import Conversation, utcnow


async def lock_conversation(
    *, session: AsyncSession, channel: str, user_key: str
) -> Conversation | None:
    """Load a conversation for update (row lock on PostgreSQL; SQLite holds the write lock)."""
    query = (
        select(Conversation)
        .where(Conversation.channel == channel, Conversation.user_key == user_key)
        .with_for_update()
    )
    return (await session.execute(query)).scalar_one_or_none()


async def get_or_create_conversation(
    *, session: AsyncSession, channel: str, user_key: str
) -> Conversation:
    """Lock and return the row, created first if missing (safe under concurrency).

    Most events belong to a conversation that exists: one statement then.
    """
    conversation = await lock_conversation(session=session, channel=channel, user_key=user_key)
    if conversation is not None:
        return conversation
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(Conversation)
        .values(channel=channel, user_key=user_key, state={}, language=None)
        .on_conflict_do_nothing(index_elements=["channel", "user_key"])
    )
    conversation = await lock_conversation(session=session, channel=channel, user_key=user_key)
    assert conversation is not None  # just inserted or already there
    return conversation


async def save_state(
    *,
    session: AsyncSession,
    conversation: Conversation,
    state: dict[str, Any],
    language: str | None,
) -> None:
    conversation.state = state
    conversation.language = language
    conversation.updated_at = utcnow()
    await session.flush()
