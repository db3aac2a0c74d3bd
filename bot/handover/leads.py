"""Consent, leads and their history: keyword-only functions inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import metrics
from bot.handover.notify import NEW_LEAD, STAFF
from bot.reports import record as reports
from bot.store.models import Consent, Conversation, Lead, LeadEvent, Notification, utcnow

OPEN_STATUSES = ("new", "claimed", "scheduled")
FINAL_STATUSES = ("done", "no_show", "cancelled")
# Allowed status changes: new → claimed → scheduled → done / no-show / cancelled.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("claimed", "cancelled"),
    "claimed": ("scheduled", "new", "done", "no_show", "cancelled"),
    "scheduled": ("done", "no_show", "cancelled", "claimed"),
    "done": (),
    "no_show": ("claimed",),
    "cancelled": ("new",),
}


async def record_consent(
    *,
    session: AsyncSession,
    conversation: Conversation,
    version: str,
    now: dt.datetime | None = None,
) -> Consent:
    consent = Consent(conversation_id=conversation.id, version=version, given_at=now or utcnow())
    session.add(consent)
    await session.flush()
    return consent


async def open_lead(*, session: AsyncSession, conversation_id: int) -> Lead | None:
    query = (
        select(Lead)
        .where(Lead.conversation_id == conversation_id, Lead.status.in_(OPEN_STATUSES))
        .order_by(Lead.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def add_event(
    *,
    session: AsyncSession,
    lead: Lead,
    actor: str,
    to_status: str | None = None,
    note: str | None = None,
) -> LeadEvent:
    """Record a status change (applied to the lead here) or a note, with who and when."""
    await reports.first_contact(session=session, lead_id=lead.id, actor=actor)
    now = utcnow()
    event = LeadEvent(
        lead_id=lead.id, at=now, actor=actor, from_status=lead.status if to_status else None,
        to_status=to_status, note=note,
    )  # fmt: skip
    if to_status is not None:
        lead.status = to_status
    lead.updated_at = now
    session.add(event)
    await session.flush()
    return event


async def upsert_lead(
    *,
    session: AsyncSession,
    conversation: Conversation,
    facts: dict[str, Any],
    language: str,
    region: str | None,
    tell_counsellors: bool = False,
) -> Lead:
    """One open lead per conversation: a second request updates the first.

    ``tell_counsellors`` queues a note for the counsellors' Telegram group (when there is one).
    """
    slots = facts.get("slots", {})
    lead = await open_lead(session=session, conversation_id=conversation.id)
    created = lead is None
    if lead is None:
        lead = Lead(conversation_id=conversation.id, channel=conversation.channel, status="new")
        session.add(lead)
    lead.language = language
    lead.region = region
    lead.topic = facts.get("outcome")
    lead.facts = {k: v for k, v in facts.items() if k != "slots"} | {
        "slots": {k: v for k, v in slots.items() if not k.startswith("contact_")}
    }
    lead.contact_name = slots.get("contact_name")
    lead.contact_via = slots.get("contact_via")
    lead.contact_phone = slots.get("contact_phone") if slots.get("contact_via") == "phone" else None
    lead.contact_email = slots.get("contact_email") if slots.get("contact_via") == "email" else None
    lead.availability = slots.get("availability")
    lead.updated_at = utcnow()
    await session.flush()
    if created:
        await add_event(session=session, lead=lead, actor="person", note="created")
        reports.handover(session, lead)
        metrics.count_on_commit(session, metrics.LEADS.labels(lead.channel))
        if tell_counsellors:
            await _tell_counsellors(session=session, lead=lead)
    return lead


async def _tell_counsellors(*, session: AsyncSession, lead: Lead) -> None:
    """A note for the counsellors' group: case number, language, region, topic; nothing personal.

    It hangs off the person's conversation, so an erasure before it is sent takes it along.
    """
    session.add(
        Notification(
            conversation_id=lead.conversation_id,
            kind=STAFF,
            message_id=NEW_LEAD,
            params={"lead": lead.id, "language": lead.language, "region": lead.region or "-"},
            due_at=utcnow(),
            attempts=0,
        )
    )
    await session.flush()


async def change_status(*, session: AsyncSession, lead: Lead, to_status: str, actor: str) -> bool:
    """Apply an allowed status change; refuse (False) anything else."""
    if to_status not in TRANSITIONS.get(lead.status, ()):
        return False
    reports.status_changed(session, lead, to_status)  # before: it reads the old status
    await add_event(session=session, lead=lead, actor=actor, to_status=to_status)
    if to_status in FINAL_STATUSES:
        await drop_reminders(session=session, lead=lead)
    return True


async def drop_reminders(*, session: AsyncSession, lead: Lead) -> None:
    """Unsent reminders go with the appointment (cancelled, replaced or the case closed)."""
    await session.execute(
        delete(Notification).where(
            Notification.conversation_id == lead.conversation_id,
            Notification.kind == "reminder",
            Notification.sent_at.is_(None),
        )
    )
