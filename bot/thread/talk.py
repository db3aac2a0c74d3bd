"""The conversation on a lead: a counsellor writes, the bot steps aside, the person's replies go
to the lead, and the bot comes back when the counsellor ends it or it has been idle too long.

All of it is rows of ``lead_messages`` (the record the dashboard shows) and, for what the person
reads, ``notifications`` of kind ``thread`` (delivered as reminders are: pushed to Telegram, shown
by the web chat at once and with its next answer). Whether a conversation is open is read from
the database in the event's transaction, so every server process sees the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeGuard

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine import Event, Text
from bot.engine.runtime import Engine
from bot.handover.meeting import first_name
from bot.store.models import Counsellor, Lead, LeadMessage, Notification, utcnow
from bot.thread import texts

ASKED = "asked"  # the person's own question (``bot.thread.words``)
MESSAGE = "message"
OPENED = "opened"  # the bot stepped aside for a counsellor
CLOSED = "closed"  # the bot is back
TALK_KINDS = (OPENED, MESSAGE, CLOSED)
PERSON, COUNSELLOR, BOT = "person", "counsellor", "bot"
NOTIFICATION = "thread"  # the kind of the notification rows that carry it to the person
# A conversation needs someone who looks after the case: given back ("new") or closed, it ends.
TALKING_STATUSES = ("claimed", "scheduled")
MAX_TEXT = 4000


@dataclass(frozen=True)
class Talk:
    """An open conversation with a counsellor, as the event's transaction found it."""

    lead_id: int
    conversation_id: int


@dataclass(frozen=True)
class Found:
    talk: Talk | None = None
    ended: bool = False  # it had been idle too long and ended now: the bot says it is back


def aware(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; everything is stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


async def latest(*, session: AsyncSession, conversation_id: int) -> LeadMessage | None:
    """The conversation's last message or step aside/back (one indexed read)."""
    query = (
        select(LeadMessage)
        .where(LeadMessage.conversation_id == conversation_id, LeadMessage.kind.in_(TALK_KINDS))
        .order_by(LeadMessage.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


def _open(last: LeadMessage | None, now: dt.datetime, idle: dt.timedelta) -> bool:
    return last is not None and last.kind != CLOSED and aware(last.created_at) > now - idle


async def find(
    *,
    session: AsyncSession,
    conversation_id: int,
    has_lead: bool,
    now: dt.datetime,
    idle: dt.timedelta,
) -> Found:
    """Whether a counsellor conversation is open for this conversation.

    Without a lead no counsellor can write: no statement at all. An open one that has been
    idle too long, or whose case was given back or closed, ends here, once (a ``closed`` row),
    and the caller says the bot is back.
    """
    if not has_lead:
        return Found()
    query = (
        select(LeadMessage, Lead.status)
        .join(Lead, Lead.id == LeadMessage.lead_id)
        .where(LeadMessage.conversation_id == conversation_id, LeadMessage.kind.in_(TALK_KINDS))
        .order_by(LeadMessage.id.desc())
        .limit(1)
    )
    found = (await session.execute(query)).first()
    if found is None or found[0].kind == CLOSED:
        return Found()
    last, status = found
    if not _open(last, now, idle) or status not in TALKING_STATUSES:
        # Idle too long, or nobody looks after the case any more: the bot is back.
        session.add(_row(last.lead_id, conversation_id, CLOSED, BOT, now))
        return Found(ended=True)
    return Found(Talk(last.lead_id, conversation_id))


def for_counsellor(event: Event, engine: Engine) -> TypeGuard[Text]:
    """Typed text goes to the counsellor; commands ("Meine Daten", "/delete", "Menü", the
    language), buttons and the rest still reach the bot."""
    return (
        isinstance(event, Text) and bool(event.text.strip()) and not engine.is_command(event.text)
    )


async def hear(*, session: AsyncSession, talk: Talk, text: str, now: dt.datetime) -> None:
    """The person's reply, kept on the lead for the counsellor (unread until they look)."""
    session.add(_row(talk.lead_id, talk.conversation_id, MESSAGE, PERSON, now, text=text))
    await session.flush()


async def write(
    *,
    session: AsyncSession,
    lead: Lead,
    counsellor: Counsellor,
    text: str,
    now: dt.datetime,
    idle: dt.timedelta,
) -> None:
    """A counsellor's message to the person; the first one of a conversation comes after the
    bot's word that it steps aside for this counsellor (first name only)."""
    name = first_name(counsellor.name)
    last = await latest(session=session, conversation_id=lead.conversation_id)
    if not _open(last, now, idle):
        session.add(_row(lead.id, lead.conversation_id, OPENED, BOT, now, counsellor.id))
        _tell(session, lead.conversation_id, texts.OPENED, {"name": name})
    session.add(
        _row(lead.id, lead.conversation_id, MESSAGE, COUNSELLOR, now, counsellor.id, text=text)
    )
    _tell(session, lead.conversation_id, texts.MESSAGE, {"name": name, "text": text[:MAX_TEXT]})
    await session.flush()


async def close(
    *,
    session: AsyncSession,
    lead: Lead,
    counsellor_id: int | None,
    now: dt.datetime,
    idle: dt.timedelta,
) -> bool:
    """End an open conversation: the bot is back and tells the person so. False if none was."""
    last = await latest(session=session, conversation_id=lead.conversation_id)
    if not _open(last, now, idle):
        return False
    session.add(_row(lead.id, lead.conversation_id, CLOSED, BOT, now, counsellor_id))
    _tell(session, lead.conversation_id, texts.CLOSED, {})
    await session.flush()
    return True


async def is_open(
    *, session: AsyncSession, conversation_id: int, now: dt.datetime, idle: dt.timedelta
) -> bool:
    return _open(await latest(session=session, conversation_id=conversation_id), now, idle)


async def messages(*, session: AsyncSession, lead_id: int) -> list[LeadMessage]:
    query = select(LeadMessage).where(LeadMessage.lead_id == lead_id).order_by(LeadMessage.id)
    return list((await session.execute(query)).scalars())


async def unread_counts(*, session: AsyncSession, lead_ids: Sequence[int]) -> dict[int, int]:
    """The person's messages no counsellor has seen yet, per lead."""
    if not lead_ids:
        return {}
    query = (
        select(LeadMessage.lead_id, func.count(LeadMessage.id))
        .where(
            LeadMessage.lead_id.in_(lead_ids),
            LeadMessage.author == PERSON,
            LeadMessage.kind == MESSAGE,
            LeadMessage.read_at.is_(None),
        )
        .group_by(LeadMessage.lead_id)
    )
    return {lead_id: int(count) for lead_id, count in (await session.execute(query)).all()}


async def mark_read(*, session: AsyncSession, lead_id: int, now: dt.datetime) -> None:
    await session.execute(
        update(LeadMessage)
        .where(
            LeadMessage.lead_id == lead_id,
            LeadMessage.author == PERSON,
            LeadMessage.kind == MESSAGE,
            LeadMessage.read_at.is_(None),
        )
        .values(read_at=now)
    )


def _row(
    lead_id: int,
    conversation_id: int,
    kind: str,
    author: str,
    now: dt.datetime,
    counsellor_id: int | None = None,
    *,
    text: str | None = None,
    topic: str | None = None,
) -> LeadMessage:
    return LeadMessage(
        lead_id=lead_id, conversation_id=conversation_id, kind=kind, author=author,
        counsellor_id=counsellor_id, text=text[:MAX_TEXT] if text is not None else None,
        topic=topic, created_at=now,
    )  # fmt: skip


def _tell(
    session: AsyncSession, conversation_id: int, message_id: str, params: dict[str, str]
) -> None:
    """What the person reads goes as a notification: due at once (by the real clock)."""
    session.add(
        Notification(
            conversation_id=conversation_id, kind=NOTIFICATION, message_id=message_id,
            params=params, due_at=utcnow(), attempts=0,
        )
    )  # fmt: skip
