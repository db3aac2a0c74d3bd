"""Deliver due notifications (confirmations, reminders) to people through their channel."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import msg
from bot.store.models import Conversation, Notification, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Notifications for the counsellors' Telegram group: sent by the sender under this key.
STAFF = "staff"
NEW_LEAD = msg("staff.new_lead")
# Messages a counsellor's action sends to the person.
SCHEDULED = msg("handover.scheduled")
CANCELLED_BY_COUNSELLOR = msg("handover.cancelled_by_counsellor")
# A sender delivers one rendered text to (user_key); it returns False if the channel refused.
Sender = Callable[[str, str], Awaitable[bool]]
# Render a notification for a conversation's language.
Render = Callable[[Notification, str | None], str]


async def due(
    *, session: AsyncSession, now: dt.datetime | None = None, limit: int = 50
) -> list[Notification]:
    """Due, unsent notifications, locked so that two workers never send the same one."""
    query = (
        select(Notification)
        .where(Notification.sent_at.is_(None), Notification.due_at <= (now or utcnow()))
        .where(Notification.attempts < MAX_ATTEMPTS)
        .order_by(Notification.due_at, Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(query)).scalars())


async def pending_for(
    *, session: AsyncSession, conversation_id: int, now: dt.datetime | None = None
) -> list[Notification]:
    """Due notifications of one conversation (the web chat collects them when it polls)."""
    query = (
        select(Notification)
        .where(
            Notification.conversation_id == conversation_id,
            Notification.kind != STAFF,
            Notification.sent_at.is_(None),
            Notification.due_at <= (now or utcnow()),
        )
        .order_by(Notification.due_at, Notification.id)
        .with_for_update()
    )
    return list((await session.execute(query)).scalars())


async def deliver_due(
    *,
    session: AsyncSession,
    senders: dict[str, Sender],
    render: Render,
    now: dt.datetime | None = None,
) -> int:
    """Send what is due through channels that push (Telegram); web chats collect their own."""
    sent = 0
    for notification in await due(session=session, now=now):
        conversation = await session.get(Conversation, notification.conversation_id)
        if conversation is None:
            continue
        staff = notification.kind == STAFF  # the counsellors read German
        sender = senders.get(STAFF if staff else conversation.channel)
        language = "de" if staff else conversation.language
        if sender is None:
            continue  # pull channels (web) pick it up on their next request
        notification.attempts += 1
        ok = await sender(conversation.user_key, render(notification, language))
        if ok:
            notification.sent_at = now or utcnow()
            sent += 1
        else:
            log.warning(
                "notification %s not delivered (attempt %s)", notification.id, notification.attempts
            )
    await session.flush()
    return sent
