"""A counsellor's message on its way to the person.

The rows are notifications of kind ``thread`` (see ``talk``), so nothing is lost when a channel is
down: Telegram gets them pushed right after the counsellor's request (through the sender the
channel registered in ``Lotse.senders``) and otherwise from the scheduler's next round; the web
chat reads them from the database (``collect_web``: its event stream, and with its next answer),
which works whichever server process the page talks to.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine import RenderedMessage
from bot.handover.notify import MAX_ATTEMPTS
from bot.store.models import Conversation, Notification, utcnow
from bot.thread.talk import NOTIFICATION

if TYPE_CHECKING:
    from bot.service import Lotse, Outcome

log = logging.getLogger(__name__)


async def _due(
    session: AsyncSession, *where: ColumnElement[bool], limit: int = 50
) -> list[tuple[Notification, Conversation]]:
    """Unsent thread notifications, locked (two deliverers never send the same one)."""
    query = (
        select(Notification, Conversation)
        .join(Conversation, Conversation.id == Notification.conversation_id)
        .where(
            Notification.kind == NOTIFICATION,
            Notification.sent_at.is_(None),
            Notification.attempts < MAX_ATTEMPTS,
            *where,
        )
        .order_by(Notification.id)
        .limit(limit)
        .with_for_update(of=Notification, skip_locked=True)
    )
    return [(n, c) for n, c in (await session.execute(query)).all()]


async def push(lotse: Lotse, conversation_id: int) -> int:
    """Send what waits for one conversation through its channel's sender, now.

    Nothing to do for channels that do not push (the web chat reads it itself) or when this
    process has no sender for the channel (the scheduler's round of another process sends it).
    """
    sent = 0
    async with lotse.sessions() as session, session.begin():
        for notification, conversation in await _due(
            session, Notification.conversation_id == conversation_id
        ):
            sender = lotse.senders.get(conversation.channel)
            if sender is None or conversation.channel not in lotse.push_channels:
                return sent
            notification.attempts += 1
            text = lotse.render_notification(notification, conversation.language)
            if not await sender(conversation.user_key, text):
                log.warning("thread message %s not delivered yet", notification.id)
                return sent  # in order: the rest waits for the scheduler's round
            notification.sent_at = utcnow()
            sent += 1
    return sent


async def collect_web(lotse: Lotse, channel: str, user_key: str) -> Outcome | None:
    """The counsellor's messages (and the bot's word about them) waiting for a pull channel's
    page, marked as delivered. One read when there is nothing; ``None`` when nothing waits."""
    from bot.service import Outcome

    async with lotse.sessions() as session, session.begin():
        found = await _due(
            session, Conversation.channel == channel, Conversation.user_key == user_key
        )
        if not found:
            return None
        language = found[0][1].language
        messages = []
        for notification, _conversation in found:
            messages.append(RenderedMessage(lotse.render_notification(notification, language)))
            notification.sent_at = utcnow()
        return Outcome(language=language or "de", messages=messages)
