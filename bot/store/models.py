"""ORM tables. The schema changes only through Alembic migrations in ``migrations/``.

Text and JSON columns use the ``Safe*`` types: no control character reaches either database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.store.types import SafeJSON, SafeString, SafeText

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Conversation(Base):
    """One conversation per (channel, user); ``state`` lets a restart resume it exactly."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "user_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(SafeString(16))
    user_key: Mapped[str] = mapped_column(SafeString(128))
    language: Mapped[str | None] = mapped_column(SafeString(8))
    state: Mapped[dict[str, Any]] = mapped_column(SafeJSON)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Counsellor(Base):
    """A counsellor or admin of the dashboard; ``languages`` decides who gets which person."""

    __tablename__ = "counsellors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(SafeString(254), unique=True)
    name: Mapped[str] = mapped_column(SafeString(120))
    password_hash: Mapped[str] = mapped_column(SafeString(256))
    languages: Mapped[list[str]] = mapped_column(SafeJSON)
    region: Mapped[str] = mapped_column(SafeString(64))
    role: Mapped[str] = mapped_column(SafeString(16), default="counsellor")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class AvailabilityRule(Base):
    """A weekly recurring window (Europe/Berlin wall time) that is cut into bookable slots."""

    __tablename__ = "availability_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    counsellor_id: Mapped[int] = mapped_column(
        ForeignKey("counsellors.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    start_minute: Mapped[int] = mapped_column(Integer)  # minutes after midnight
    end_minute: Mapped[int] = mapped_column(Integer)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=45)
    # How the meeting happens (copied to each slot): see ``bot.handover.meeting``.
    mode: Mapped[str] = mapped_column(SafeString(16), default="phone", server_default="phone")
    address: Mapped[str | None] = mapped_column(SafeString(300))
    video_url: Mapped[str | None] = mapped_column(SafeString(500))


class Slot(Base):
    """One bookable appointment time of one counsellor."""

    __tablename__ = "slots"
    __table_args__ = (UniqueConstraint("counsellor_id", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    counsellor_id: Mapped[int] = mapped_column(
        ForeignKey("counsellors.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("availability_rules.id", ondelete="SET NULL")
    )
    # phone (the counsellor calls), office (``address``, or the region's sourced office address)
    # or video (``video_url``, https), entered by the counsellor: see ``bot.handover.meeting``.
    mode: Mapped[str] = mapped_column(SafeString(16), default="phone", server_default="phone")
    address: Mapped[str | None] = mapped_column(SafeString(300))
    video_url: Mapped[str | None] = mapped_column(SafeString(500))


class Consent(Base):
    """Consent to store contact data: which text version, and when."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[str] = mapped_column(SafeString(16))
    given_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Lead(Base):
    """A person who wants a counsellor: the facts of the case and how to reach them."""

    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(SafeString(16))
    language: Mapped[str] = mapped_column(SafeString(8))
    region: Mapped[str | None] = mapped_column(SafeString(64), index=True)
    topic: Mapped[str | None] = mapped_column(SafeString(64))
    facts: Mapped[dict[str, Any]] = mapped_column(SafeJSON)
    contact_name: Mapped[str | None] = mapped_column(SafeString(120))
    contact_via: Mapped[str | None] = mapped_column(SafeString(16))
    contact_phone: Mapped[str | None] = mapped_column(SafeString(32))
    contact_email: Mapped[str | None] = mapped_column(SafeString(254))
    availability: Mapped[str | None] = mapped_column(SafeString(32))
    callback_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    interpreter_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(SafeString(16), default="new", index=True)
    counsellor_id: Mapped[int | None] = mapped_column(
        ForeignKey("counsellors.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class LeadEvent(Base):
    """Every status change and note on a lead, with who and when."""

    __tablename__ = "lead_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(SafeString(32))  # "counsellor:<id>", "person" or "system"
    from_status: Mapped[str | None] = mapped_column(SafeString(16))
    to_status: Mapped[str | None] = mapped_column(SafeString(16))
    note: Mapped[str | None] = mapped_column(SafeText)


class Booking(Base):
    """A booked slot. The unique slot id is what makes double booking impossible."""

    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id", ondelete="CASCADE"), unique=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Notification(Base):
    """A message to a person, due at a time: confirmations now, reminders 24 hours ahead."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(SafeString(16))
    message_id: Mapped[str] = mapped_column(SafeString(64))
    params: Mapped[dict[str, Any]] = mapped_column(SafeJSON)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class DashboardSession(Base):
    """A counsellor's login session; only a hash of the cookie value is stored."""

    __tablename__ = "dashboard_sessions"

    id: Mapped[str] = mapped_column(SafeString(64), primary_key=True)
    counsellor_id: Mapped[int] = mapped_column(
        ForeignKey("counsellors.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(SafeString(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LoginLimit(Base):
    """A login failure counter (address and account, account, or address), keyed by an HMAC."""

    __tablename__ = "login_limits"

    key: Mapped[str] = mapped_column(SafeString(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    blocked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class TelegramUpdate(Base):
    """The Telegram inbox: every update stored before it is acknowledged, keyed by ``update_id``.

    ``status`` goes ``pending`` -> ``handled`` (the engine answered, the replies are in the outbox)
    -> ``done``; the payload is cleared once done, the row stays a while to drop duplicates.
    """

    __tablename__ = "telegram_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    status: Mapped[str] = mapped_column(SafeString(16), default="pending")
    payload: Mapped[dict[str, Any]] = mapped_column(SafeJSON)
    received_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    handled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Which worker answers or delivers the update, since when (several workers, one database).
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index(
            "ix_telegram_updates_open",
            "chat_id",
            "update_id",
            postgresql_where=text("status IN ('pending', 'handled')"),
            sqlite_where=text("status IN ('pending', 'handled')"),
        ),
    )


class TelegramOutgoing(Base):
    """The Telegram outbox: Bot API calls of a handled update, deleted once the update is done.

    ``status`` goes ``queued`` -> ``sending`` (committed with a fresh ``attempt`` id before the
    call) -> ``sent`` (with Telegram's ``message_id``, in one transaction) or ``dropped``. A row
    found in ``sending`` after a crash is replayed (see ``_channel.TelegramChannel._deliver``).
    """

    __tablename__ = "telegram_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    update_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("telegram_updates.update_id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(SafeString(64))
    params: Mapped[dict[str, Any]] = mapped_column(SafeJSON)
    status: Mapped[str] = mapped_column(String(16), default="queued", server_default="queued")
    attempt: Mapped[str | None] = mapped_column(String(32))
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    queued_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Course(Base):
    """A course in the catalogue (``bot.courses``): kept by counsellors who know the region.

    ``edited`` marks an entry a person changed: an import never overwrites it. ``retired_at``
    hides a course from answers but keeps it for the record; ``checked_at`` is the last time a
    person confirmed the entry (older than six months: a warning in the dashboard).
    """

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(SafeString(200))
    title: Mapped[str] = mapped_column(SafeString(200))
    kind: Mapped[str] = mapped_column(SafeString(32))
    occupations: Mapped[list[str]] = mapped_column(SafeJSON)
    region: Mapped[str | None] = mapped_column(SafeString(64), index=True)
    address: Mapped[str | None] = mapped_column(SafeString(300))
    format: Mapped[str] = mapped_column(SafeString(16))
    duration_months: Mapped[int | None] = mapped_column(Integer)
    start_dates: Mapped[list[str]] = mapped_column(SafeJSON)
    voucher: Mapped[bool] = mapped_column(Boolean, default=False)
    languages: Mapped[list[str]] = mapped_column(SafeJSON)
    url: Mapped[str | None] = mapped_column(SafeString(500))
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(SafeString(16), default="dashboard")
    external_id: Mapped[str | None] = mapped_column(SafeString(64), unique=True)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class KompassDocument(Base):
    """One version of a person's Kompetenz-Kom-Pass: the answers and the PDF, kept only after
    consent, attached to their lead; a counsellor may note and issue a new version."""

    __tablename__ = "kompass_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(SafeString(8))
    answers: Mapped[dict[str, Any]] = mapped_column(SafeJSON)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    notes: Mapped[str | None] = mapped_column(SafeText)
    created_by: Mapped[str] = mapped_column(SafeString(32))  # "person" or "counsellor:<id>"
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class PasswordReset(Base):
    """A one-time link an admin made for a counsellor; only a SHA-256 of its token is stored.

    Valid for a day from ``created_at`` and once: ``used_at`` is set by the one request that
    changes the password.
    """

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(SafeString(64), unique=True)
    counsellor_id: Mapped[int] = mapped_column(
        ForeignKey("counsellors.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("counsellors.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class JobLease(Base):
    """A background job (polling, reminders, sweeps) runs in one worker at a time: its lease."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ReportCount(Base):
    """Anonymous counts for the funders' reports (``bot.reports``): events per calendar day,
    kind and dimensions, incremented when they happen. No person, conversation or time of day:
    an erasure never changes a past figure. Unknown dimensions are "" (never NULL, so the
    primary key is what the upsert conflicts on)."""

    __tablename__ = "report_counts"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    region: Mapped[str] = mapped_column(String(64), primary_key=True)
    detail: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class TelegramPacing(Base):
    """Telegram's limits shared by the bot's worker processes (``bot.channels.telegram._pacing``).

    One row per schedule: ``overall`` (the whole bot, with Telegram's ``flood_until``) and one
    per recently used chat, keyed by a keyed hash of the chat id (never the id) and deleted once
    its bucket is full again. ``full_at``: when the schedule's bucket is full again (GCRA);
    ``booked_at``: the send time booked last.
    """

    __tablename__ = "telegram_pacing"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    full_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    booked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    flood_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LeadMessage(Base):
    """What is said on a lead (``bot.thread``): the person's own questions (``asked``, kept after
    consent, with the topic understood), and the conversation between counsellor and person:
    ``message`` (by ``counsellor`` or ``person``), and the bot stepping aside (``opened``) and
    back (``closed``). ``read_at``: when a counsellor saw a person's message."""

    __tablename__ = "lead_messages"
    __table_args__ = (Index("ix_lead_messages_conversation_kind", "conversation_id", "kind", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(SafeString(16))
    author: Mapped[str] = mapped_column(SafeString(16))  # "person", "counsellor" or "bot"
    counsellor_id: Mapped[int | None] = mapped_column(
        ForeignKey("counsellors.id", ondelete="SET NULL")
    )
    text: Mapped[str | None] = mapped_column(SafeText)
    topic: Mapped[str | None] = mapped_column(SafeString(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
