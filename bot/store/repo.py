"""Repository functions: keyword-only, with an explicit session, inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

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
    # One Core UPDATE, and the loaded object told the values as committed: the ORM's flush of a
    # changed object cost more than the statement itself on every turn.
    values = {"state": state, "language": language, "updated_at": utcnow()}
    connection = await session.connection()
    await connection.execute(
        update(Conversation).where(Conversation.id == conversation.id).values(**values)
    )
    for name, value in values.items():
        set_committed_value(conversation, name, value)
