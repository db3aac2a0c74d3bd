"""Slots and bookings: a unique slot id in ``bookings`` makes double booking impossible."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import metrics
from bot.engine.facts import REMINDER_AHEAD, reminder_at
from bot.handover.leads import OPEN_STATUSES, add_event, drop_reminders
from bot.handover.meeting import Meeting, meeting_of
from bot.i18n import msg
from bot.reports import record as reports
from bot.store.models import (
    AvailabilityRule,
    Booking,
    Counsellor,
    Lead,
    Notification,
    Slot,
    utcnow,
)

BERLIN = ZoneInfo("Europe/Berlin")
# Nobody should be offered a slot that starts before they could read the confirmation.
MIN_LEAD_TIME = dt.timedelta(hours=2)


@dataclass(frozen=True)
class FreeSlot:
    slot_id: int
    starts_at: dt.datetime
    speaks_language: bool
    meeting: Meeting


@dataclass(frozen=True)
class Appointment:
    """A person's booked appointment: when and how it happens."""

    slot_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    meeting: Meeting


async def free_slots(
    *,
    session: AsyncSession,
    region: str | None,
    language: str,
    now: dt.datetime | None = None,
    limit: int = 4,
) -> list[FreeSlot]:
    """The next free slots of counsellors of the region who speak the language, else of anyone."""
    earliest = (now or utcnow()) + MIN_LEAD_TIME
    booked = select(Booking.slot_id)
    query = (
        select(Slot, Counsellor)
        .join(Counsellor, Counsellor.id == Slot.counsellor_id)
        .where(Slot.starts_at >= earliest, Counsellor.active.is_(True), Slot.id.not_in(booked))
        .order_by(Slot.starts_at, Slot.id)
    )
    if region is not None:
        query = query.where(Counsellor.region == region)
    rows = (await session.execute(query.limit(200))).all()
    speaking = [_free(s, c, True) for s, c in rows if language in c.languages]
    if speaking:
        return speaking[:limit]
    return [_free(s, c, False) for s, c in rows[:limit]]


def _free(slot: Slot, counsellor: Counsellor, speaks: bool) -> FreeSlot:
    return FreeSlot(slot.id, _aware(slot.starts_at), speaks, _meeting(slot, counsellor))


def _meeting(slot: Slot, counsellor: Counsellor | None) -> Meeting:
    return meeting_of(
        mode=slot.mode, address=slot.address, video_url=slot.video_url,
        name=counsellor.name if counsellor is not None else "",
    )  # fmt: skip


async def slot_meeting(*, session: AsyncSession, slot: Slot) -> Meeting:
    """How the meeting of a slot happens, with its counsellor's first name."""
    return _meeting(slot, await session.get(Counsellor, slot.counsellor_id))


async def appointment_of(*, session: AsyncSession, conversation_id: int) -> Appointment | None:
    """The booked appointment of the conversation's open lead, however it was booked.

    One statement of plain columns: it runs before every event of a person who gave consent.
    """
    query = (
        select(
            Slot.id,
            Slot.starts_at,
            Slot.ends_at,
            Slot.mode,
            Slot.address,
            Slot.video_url,
            Counsellor.name,
        )
        .join(Booking, Booking.slot_id == Slot.id)
        .join(Lead, Lead.id == Booking.lead_id)
        .outerjoin(Counsellor, Counsellor.id == Slot.counsellor_id)
        .where(Lead.conversation_id == conversation_id, Lead.status.in_(OPEN_STATUSES))
        .order_by(Lead.id.desc())
        .limit(1)
    )
    row = (await session.execute(query)).first()
    if row is None:
        return None
    slot_id, starts_at, ends_at, mode, address, video_url, name = row
    meeting = meeting_of(mode=mode, address=address, video_url=video_url, name=name or "")
    return Appointment(slot_id, _aware(starts_at), _aware(ends_at), meeting)


async def book(
    *,
    session: AsyncSession,
    lead: Lead,
    slot_id: int,
    actor: str = "person",
    now: dt.datetime | None = None,
) -> Slot | None:
    """Book a slot for a lead, or return None when it is gone (taken, deleted, past).

    A previous appointment of the lead is replaced, and kept when the new slot is gone (the
    person confirms a move first; see ``dialogs/handover.yaml``).
    """
    slot = await session.get(Slot, slot_id)
    if slot is None or _aware(slot.starts_at) < (now or utcnow()):
        return None
    try:
        async with session.begin_nested():
            await _drop_booking(session=session, lead=lead)
            session.add(Booking(slot_id=slot_id, lead_id=lead.id))
    except IntegrityError:
        return None  # another transaction booked it first; the savepoint restored the old one
    counsellor = await session.get(Counsellor, slot.counsellor_id)
    lead.counsellor_id = slot.counsellor_id
    lead.interpreter_needed = counsellor is not None and lead.language not in counsellor.languages
    await add_event(session=session, lead=lead, actor=actor, to_status="scheduled")
    reports.booking(session, lead, actor)
    metrics.count_on_commit(session, metrics.BOOKINGS.labels(lead.channel, actor.split(":")[0]))
    await schedule_reminder(
        session=session, lead=lead, starts_at=_aware(slot.starts_at),
        meeting=_meeting(slot, counsellor), now=now,
    )  # fmt: skip
    return slot


async def schedule_reminder(
    *,
    session: AsyncSession,
    lead: Lead,
    starts_at: dt.datetime,
    meeting: Meeting,
    now: dt.datetime | None = None,
) -> None:
    """Stored in the database, so a restart does not lose it; none when there is no time."""
    due = reminder_at(starts_at, now or utcnow())
    if due is None:
        return
    day_ahead = starts_at - due == REMINDER_AHEAD
    session.add(
        Notification(
            conversation_id=lead.conversation_id,
            kind="reminder",
            message_id=msg("handover.reminder") if day_ahead else msg("handover.reminder_soon"),
            # No personal data: the counsellor's first name and the meeting's place only.
            params={"appointment": starts_at.isoformat(), **meeting.as_params()},
            due_at=due,
            attempts=0,
        )
    )
    await session.flush()


async def booked_slot(*, session: AsyncSession, lead: Lead) -> Slot | None:
    query = select(Slot).join(Booking, Booking.slot_id == Slot.id).where(Booking.lead_id == lead.id)
    return (await session.execute(query)).scalar_one_or_none()


async def cancel(*, session: AsyncSession, lead: Lead, actor: str, reopen: bool = True) -> bool:
    """Free the slot and drop pending reminders; ``reopen`` puts the lead back in the queue."""
    had_booking = await _drop_booking(session=session, lead=lead)
    if had_booking and reopen:
        lead.counsellor_id = None
        await add_event(
            session=session, lead=lead, actor=actor, to_status="new", note="appointment cancelled"
        )
    return had_booking


async def _drop_booking(*, session: AsyncSession, lead: Lead) -> bool:
    removed = await session.execute(delete(Booking).where(Booking.lead_id == lead.id))
    await drop_reminders(session=session, lead=lead)
    return bool(getattr(removed, "rowcount", 0))


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes; everything is stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


async def materialise_rules(
    *,
    session: AsyncSession,
    counsellor_id: int | None = None,
    weeks: int = 4,
    today: dt.date | None = None,
) -> int:
    """Cut weekly rules (Berlin wall time) into concrete slots for the coming weeks; idempotent."""
    start_day = today or dt.datetime.now(BERLIN).date()
    query = select(AvailabilityRule)
    if counsellor_id is not None:
        query = query.where(AvailabilityRule.counsellor_id == counsellor_id)
    created = 0
    for rule in (await session.execute(query)).scalars():
        existing = set(
            _aware(t)
            for t in (
                await session.execute(
                    select(Slot.starts_at).where(Slot.counsellor_id == rule.counsellor_id)
                )
            ).scalars()
        )
        for offset in range(weeks * 7):
            day = start_day + dt.timedelta(days=offset)
            if day.weekday() != rule.weekday:
                continue
            minute = rule.start_minute
            while minute + rule.slot_minutes <= rule.end_minute:
                local = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=BERLIN)
                starts = local.astimezone(dt.UTC)
                if starts not in existing:
                    session.add(
                        Slot(
                            counsellor_id=rule.counsellor_id,
                            starts_at=starts,
                            ends_at=starts + dt.timedelta(minutes=rule.slot_minutes),
                            rule_id=rule.id,
                            mode=rule.mode,
                            address=rule.address,
                            video_url=rule.video_url,
                        )
                    )
                    existing.add(starts)
                    created += 1
                minute += rule.slot_minutes
    await session.flush()
    return created
