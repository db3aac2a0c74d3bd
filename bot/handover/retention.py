"""Retention and erasure: nothing personal stays longer than needed, or after a request."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.handover.leads import FINAL_STATUSES, OPEN_STATUSES
from bot.store.models import (
    Booking,
    Consent,
    Conversation,
    DashboardSession,
    KompassDocument,
    Lead,
    LeadEvent,
    LeadMessage,
    LoginLimit,
    Notification,
    TelegramOutgoing,
    TelegramUpdate,
    utcnow,
)

TELEGRAM = "telegram"
DONE = "done"  # an answered Telegram update (see bot.channels.telegram._inbox)


async def erase_conversation(*, session: AsyncSession, conversation_id: int) -> None:
    """Delete a conversation and all that hangs off it, explicitly, not relying on cascades."""
    found = (
        await session.execute(
            select(Conversation.channel, Conversation.user_key).where(
                Conversation.id == conversation_id
            )
        )
    ).first()
    if found is not None and found.channel == TELEGRAM and found.user_key.lstrip("-").isdigit():
        await forget_telegram_chat(session=session, chat_id=int(found.user_key))
    leads = select(Lead.id).where(Lead.conversation_id == conversation_id)
    await session.execute(
        delete(KompassDocument).where(KompassDocument.conversation_id == conversation_id)
    )
    await session.execute(delete(Booking).where(Booking.lead_id.in_(leads)))
    await session.execute(delete(LeadEvent).where(LeadEvent.lead_id.in_(leads)))
    await session.execute(delete(LeadMessage).where(LeadMessage.conversation_id == conversation_id))
    await session.execute(delete(Lead).where(Lead.conversation_id == conversation_id))
    await session.execute(
        delete(Notification).where(Notification.conversation_id == conversation_id)
    )
    await session.execute(delete(Consent).where(Consent.conversation_id == conversation_id))
    await session.execute(delete(Conversation).where(Conversation.id == conversation_id))
    await session.flush()


async def forget_telegram_chat(*, session: AsyncSession, chat_id: int) -> None:
    """Answered updates of the chat keep only their bare ``update_id`` (against duplicates).

    Updates still open (the one that asked for the erasure, or later ones) are left to be
    answered; once done, the inbox clears their chat id and payload in the same way.
    """
    done = select(TelegramUpdate.update_id).where(
        TelegramUpdate.chat_id == chat_id, TelegramUpdate.status == DONE
    )
    await session.execute(delete(TelegramOutgoing).where(TelegramOutgoing.update_id.in_(done)))
    await session.execute(
        update(TelegramUpdate)
        .where(TelegramUpdate.chat_id == chat_id, TelegramUpdate.status == DONE)
        .values(chat_id=None, payload={})
    )


@dataclass(frozen=True)
class PurgeReport:
    leads: int
    conversations: int


async def purge(
    *, session: AsyncSession, retention_days: int, now: dt.datetime | None = None
) -> PurgeReport:
    """Apply the retention policy: finished leads and idle conversations older than the limit go."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=retention_days)
    old_leads = select(Lead.id).where(Lead.status.in_(FINAL_STATUSES), Lead.updated_at < cutoff)
    lead_ids = list((await session.execute(old_leads)).scalars())
    if lead_ids:
        await session.execute(delete(KompassDocument).where(KompassDocument.lead_id.in_(lead_ids)))
        await session.execute(delete(Booking).where(Booking.lead_id.in_(lead_ids)))
        await session.execute(delete(LeadEvent).where(LeadEvent.lead_id.in_(lead_ids)))
        # The counsellor conversation goes with the lead, also what was sent of it.
        await session.execute(delete(LeadMessage).where(LeadMessage.lead_id.in_(lead_ids)))
        conversations = select(Lead.conversation_id).where(Lead.id.in_(lead_ids))
        await session.execute(
            delete(Notification).where(
                Notification.kind == "thread", Notification.conversation_id.in_(conversations)
            )
        )
        await session.execute(delete(Lead).where(Lead.id.in_(lead_ids)))
    has_open_lead = exists().where(
        Lead.conversation_id == Conversation.id, Lead.status.in_(OPEN_STATUSES)
    )
    idle = select(Conversation.id).where(Conversation.updated_at < cutoff, ~has_open_lead)
    conversation_ids = list((await session.execute(idle)).scalars())
    for conversation_id in conversation_ids:
        await erase_conversation(session=session, conversation_id=conversation_id)
    await session.execute(delete(DashboardSession).where(DashboardSession.expires_at < now))
    day_ago = now - dt.timedelta(days=1)
    await session.execute(
        delete(LoginLimit).where(
            LoginLimit.last_failure_at < day_ago,
            LoginLimit.blocked_until.is_(None) | (LoginLimit.blocked_until < day_ago),
        )
    )
    await session.flush()
    return PurgeReport(leads=len(lead_ids), conversations=len(conversation_ids))
