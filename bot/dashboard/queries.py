"""Database work of the dashboard: keyword-only functions inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard.web import aware
from bot.handover import booking, leads, notify
from bot.reports import record as reports
from bot.store.models import (
    AvailabilityRule,
    Booking,
    Counsellor,
    DashboardSession,
    Lead,
    LeadEvent,
    Notification,
    Slot,
    utcnow,
)

# Queue rows per page; the order (oldest first, then by id) is total, so pages never overlap.
PAGE_SIZE = 100


@dataclass(frozen=True)
class QueueRow:
    lead: Lead
    counsellor: str | None
    appointment: dt.datetime | None


def _queue_conditions(
    *,
    region: str | None,
    statuses: tuple[str, ...],
    language: str | None,
    counsellor_id: int | None,
) -> list[ColumnElement[bool]]:
    """The queue's conditions; ``region=None`` means the leads without a region."""
    conditions = [
        Lead.region.is_(None) if region is None else Lead.region == region,
        Lead.status.in_(statuses),
    ]
    if language is not None:
        conditions.append(Lead.language == language)
    if counsellor_id is not None:
        conditions.append(Lead.counsellor_id == counsellor_id)
    return conditions


async def queue(
    *,
    session: AsyncSession,
    region: str | None,
    statuses: tuple[str, ...],
    language: str | None = None,
    counsellor_id: int | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> list[QueueRow]:
    """One page of a region's leads, oldest first, with their counsellor's name and appointment."""
    query = (
        select(Lead, Counsellor.name, Slot.starts_at)
        .outerjoin(Counsellor, Counsellor.id == Lead.counsellor_id)
        .outerjoin(Booking, Booking.lead_id == Lead.id)
        .outerjoin(Slot, Slot.id == Booking.slot_id)
        .where(
            *_queue_conditions(
                region=region, statuses=statuses, language=language, counsellor_id=counsellor_id
            )
        )
        .order_by(Lead.created_at, Lead.id)
        .offset(offset)
        .limit(limit)
    )
    rows = (await session.execute(query)).all()
    return [QueueRow(lead, name, aware(start) if start else None) for lead, name, start in rows]


async def queue_size(
    *,
    session: AsyncSession,
    region: str | None,
    statuses: tuple[str, ...],
    language: str | None = None,
    counsellor_id: int | None = None,
) -> int:
    """How many leads the queue holds over all its pages."""
    conditions = _queue_conditions(
        region=region, statuses=statuses, language=language, counsellor_id=counsellor_id
    )
    query = select(func.count(Lead.id)).where(*conditions)
    return int((await session.execute(query)).scalar_one())


async def lead_in_region(
    *, session: AsyncSession, lead_id: int, region: str, lock: bool = False
) -> Lead | None:
    """The lead if it belongs to the region; ``lock`` holds it until the transaction ends."""
    query = select(Lead).where(Lead.id == lead_id, Lead.region == region)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def claim(*, session: AsyncSession, lead_id: int, counsellor_id: int, region: str) -> bool:
    """Take a new lead; of two counsellors claiming at once exactly one succeeds."""
    now = utcnow()
    result = await session.execute(
        update(Lead)
        .where(Lead.id == lead_id, Lead.region == region, Lead.status == "new")
        .values(status="claimed", counsellor_id=counsellor_id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return False
    actor = f"counsellor:{counsellor_id}"  # the first counsellor action is the first contact
    await reports.first_contact(session=session, lead_id=lead_id, actor=actor)
    session.add(
        LeadEvent(
            lead_id=lead_id, at=now, actor=f"counsellor:{counsellor_id}",
            from_status="new", to_status="claimed",
        )
    )  # fmt: skip
    await session.flush()
    return True


async def claim_next(*, session: AsyncSession, counsellor_id: int, region: str) -> int | None:
    """Take the oldest new lead of the region; busy rows are skipped (PostgreSQL) not waited on.

    SQLite ignores ``FOR UPDATE``; there every write transaction holds the database lock already.
    """
    query = (
        select(Lead.id)
        .where(Lead.region == region, Lead.status == "new")
        .order_by(Lead.created_at, Lead.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    lead_id = (await session.execute(query)).scalar_one_or_none()
    if lead_id is None:
        return None
    claimed = await claim(
        session=session, lead_id=lead_id, counsellor_id=counsellor_id, region=region
    )
    return lead_id if claimed else None


async def own_free_slots(
    *, session: AsyncSession, counsellor_id: int, limit: int = 30
) -> list[Slot]:
    """A counsellor's coming slots that nobody has booked."""
    query = (
        select(Slot)
        .where(
            Slot.counsellor_id == counsellor_id,
            Slot.starts_at >= utcnow(),
            Slot.id.not_in(select(Booking.slot_id)),
        )
        .order_by(Slot.starts_at)
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def _tell_person(
    *, session: AsyncSession, lead: Lead, kind: str, message_id: str, starts_at: dt.datetime
) -> None:
    """Queue a message to the person; their channel delivers it in their language."""
    session.add(
        Notification(
            conversation_id=lead.conversation_id,
            kind=kind,
            message_id=message_id,
            params={"appointment": aware(starts_at).isoformat()},
            due_at=utcnow(),
            attempts=0,
        )
    )
    await session.flush()


async def schedule(
    *, session: AsyncSession, lead: Lead, slot_id: int, counsellor_id: int
) -> Slot | None:
    """Book one of the counsellor's own free slots for the lead and tell the person."""
    slot = await session.get(Slot, slot_id)
    if slot is None or slot.counsellor_id != counsellor_id:
        return None
    previous = await booking.booked_slot(session=session, lead=lead)
    before = aware(previous.starts_at) if previous is not None else None
    booked = await booking.book(
        session=session, lead=lead, slot_id=slot_id, actor=f"counsellor:{counsellor_id}"
    )
    if booked is None:
        return None
    lead.counsellor_id = counsellor_id
    # The person hears when and how, and of a move both times (see bot.handover.notify).
    appointment = await booking.appointment_of(
        session=session, conversation_id=lead.conversation_id
    )
    await notify.tell_person(
        session=session, lead=lead, kind="moved" if before else "scheduled",
        message_id=notify.MOVED_BY_COUNSELLOR if before else notify.SCHEDULED,
        starts_at=aware(booked.starts_at), previous=before,
        meeting=appointment.meeting if appointment is not None else None,
    )  # fmt: skip
    return booked


async def cancel(*, session: AsyncSession, lead: Lead, actor: str) -> bool:
    """Cancel the lead; a booked appointment is freed and the person is told."""
    slot = await booking.booked_slot(session=session, lead=lead)
    if not await leads.change_status(
        session=session, lead=lead, to_status="cancelled", actor=actor
    ):
        return False
    if slot is not None:
        await booking.cancel(session=session, lead=lead, actor=actor, reopen=False)
        if aware(slot.starts_at) > utcnow():
            await _tell_person(
                session=session, lead=lead, kind="cancelled",
                message_id=notify.CANCELLED_BY_COUNSELLOR, starts_at=slot.starts_at,
            )  # fmt: skip
    return True


async def events(*, session: AsyncSession, lead_id: int) -> list[LeadEvent]:
    query = (
        select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.at, LeadEvent.id)
    )
    return list((await session.execute(query)).scalars())


async def counsellor_names(*, session: AsyncSession) -> dict[int, str]:
    rows = await session.execute(select(Counsellor.id, Counsellor.name))
    return {cid: name for cid, name in rows}


# -- availability ------------------------------------------------------------------------------


async def rules_of(*, session: AsyncSession, counsellor_id: int) -> list[AvailabilityRule]:
    query = (
        select(AvailabilityRule)
        .where(AvailabilityRule.counsellor_id == counsellor_id)
        .order_by(AvailabilityRule.weekday, AvailabilityRule.start_minute)
    )
    return list((await session.execute(query)).scalars())


async def add_rule(
    *,
    session: AsyncSession,
    counsellor_id: int,
    weekday: int,
    start_minute: int,
    end_minute: int,
    slot_minutes: int,
    meeting: tuple[str, str | None, str | None] = ("phone", None, None),
) -> int:
    """Add a weekly window and cut it into slots right away; returns how many were created.

    ``meeting`` is the checked (mode, address, video link) of ``bot.handover.meeting.checked``.
    """
    mode, address, video_url = meeting
    session.add(
        AvailabilityRule(
            counsellor_id=counsellor_id, weekday=weekday, start_minute=start_minute,
            end_minute=end_minute, slot_minutes=slot_minutes, mode=mode, address=address,
            video_url=video_url,
        )
    )  # fmt: skip
    await session.flush()
    return await booking.materialise_rules(session=session, counsellor_id=counsellor_id)


async def delete_rule(*, session: AsyncSession, counsellor_id: int, rule_id: int) -> bool:
    """Delete an own rule and its future slots that nobody booked; booked ones stay."""
    rule = await session.get(AvailabilityRule, rule_id)
    if rule is None or rule.counsellor_id != counsellor_id:
        return False
    await session.execute(
        delete(Slot).where(
            Slot.rule_id == rule_id,
            Slot.starts_at >= utcnow(),
            ~exists().where(Booking.slot_id == Slot.id),
        )
    )
    await session.delete(rule)
    await session.flush()
    return True


@dataclass(frozen=True)
class SlotRow:
    slot: Slot
    lead_id: int | None  # the lead that booked it


async def upcoming_slots(
    *, session: AsyncSession, counsellor_id: int, limit: int = 200
) -> list[SlotRow]:
    query = (
        select(Slot, Booking.lead_id)
        .outerjoin(Booking, Booking.slot_id == Slot.id)
        .where(Slot.counsellor_id == counsellor_id, Slot.starts_at >= utcnow())
        .order_by(Slot.starts_at)
        .limit(limit)
    )
    return [SlotRow(slot, lead_id) for slot, lead_id in (await session.execute(query)).all()]


async def add_slot(
    *,
    session: AsyncSession,
    counsellor_id: int,
    starts_at: dt.datetime,
    minutes: int,
    meeting: tuple[str, str | None, str | None] = ("phone", None, None),
) -> bool:
    """Add a single slot; False when the counsellor has one at that time already."""
    mode, address, video_url = meeting
    try:
        async with session.begin_nested():
            session.add(
                Slot(
                    counsellor_id=counsellor_id, starts_at=starts_at,
                    ends_at=starts_at + dt.timedelta(minutes=minutes), mode=mode,
                    address=address, video_url=video_url,
                )
            )  # fmt: skip
    except IntegrityError:
        return False
    return True


async def delete_slot(*, session: AsyncSession, counsellor_id: int, slot_id: int) -> bool:
    """Delete an own slot unless it is booked."""
    result = await session.execute(
        delete(Slot).where(
            Slot.id == slot_id,
            Slot.counsellor_id == counsellor_id,
            ~exists().where(Booking.slot_id == Slot.id),
        )
    )
    return bool(getattr(result, "rowcount", 0))


# -- accounts ----------------------------------------------------------------------------------


async def all_counsellors(*, session: AsyncSession) -> list[Counsellor]:
    query = select(Counsellor).order_by(Counsellor.region, Counsellor.name, Counsellor.id)
    return list((await session.execute(query)).scalars())


async def set_active(*, session: AsyncSession, counsellor_id: int, active: bool) -> bool:
    """(De)activate an account; deactivating ends its sessions at once."""
    counsellor = await session.get(Counsellor, counsellor_id)
    if counsellor is None:
        return False
    counsellor.active = active
    if not active:
        await session.execute(
            delete(DashboardSession).where(DashboardSession.counsellor_id == counsellor_id)
        )
    await session.flush()
    return True
