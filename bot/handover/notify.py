"""Deliver due notifications (confirmations, reminders) to people through their channel."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.render import RenderedOption
from bot.handover.meeting import Meeting
from bot.i18n import msg
from bot.store.models import Conversation, Lead, Notification, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Notifications for the counsellors' Telegram group: sent by the sender under this key.
STAFF = "staff"
NEW_LEAD = msg("staff.new_lead")
# Messages a counsellor's action sends to the person.
SCHEDULED = msg("handover.scheduled")
MOVED_BY_COUNSELLOR = msg("handover.moved_by_counsellor")
CANCELLED_BY_COUNSELLOR = msg("handover.cancelled_by_counsellor")
# Buttons that go with a notification, by kind: they work at any point of the conversation.
BUTTONS: dict[str, tuple[tuple[str, str], ...]] = {
    "reminder": (
        ("nav:appointment_move", msg("handover.opt_move")),
        ("nav:appointment_cancel", msg("handover.opt_cancel")),
    ),
    "scheduled": (("nav:appointment", msg("nav.appointment")),),
    "moved": (("nav:appointment", msg("nav.appointment")),),
}
# A sender delivers one rendered text to (user_key); it returns False if the channel refused.
Sender = Callable[[str, str], Awaitable[bool]]
# The same with buttons under the text (a channel that can show them registers one).
ButtonSender = Callable[[str, str, Sequence[RenderedOption]], Awaitable[bool]]
# Render a notification for a conversation's language.
Render = Callable[[Notification, str | None], str]
# Its buttons, labelled in that language.
RenderButtons = Callable[[Notification, str | None], Sequence[RenderedOption]]


async def tell_person(
    *,
    session: AsyncSession,
    lead: Lead,
    kind: str,
    message_id: str,
    starts_at: dt.datetime,
    meeting: Meeting | None = None,
    previous: dt.datetime | None = None,
) -> None:
    """Queue news of the appointment for the person, delivered in their language."""
    params: dict[str, str] = {"appointment": starts_at.isoformat()}
    if meeting is not None:
        params |= meeting.as_params()
    if previous is not None:
        params["previous"] = previous.isoformat()
    session.add(
        Notification(
            conversation_id=lead.conversation_id, kind=kind, message_id=message_id,
            params=params, due_at=utcnow(), attempts=0,
        )
    )  # fmt: skip
    await session.flush()


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
    button_senders: dict[str, ButtonSender] | None = None,
    buttons: RenderButtons | None = None,
) -> int:
    """Send what is due through channels that push (Telegram); web chats collect their own.

    A notification with buttons (a reminder: move, cancel) goes through the channel's button
    sender when it has one.
    """
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
        text = render(notification, language)
        options = buttons(notification, language) if buttons is not None and not staff else ()
        with_buttons = (button_senders or {}).get(conversation.channel)
        if options and with_buttons is not None:
            ok = await with_buttons(conversation.user_key, text, options)
        else:
            ok = await sender(conversation.user_key, text)
        if ok:
            notification.sent_at = now or utcnow()
            sent += 1
        else:
            log.warning(
                "notification %s not delivered (attempt %s)", notification.id, notification.attempts
            )
    await session.flush()
    return sent
