"""Recording the anonymous report counts where things happen.

``note`` only adds to a tally kept on the session (no database round trip); when the
transaction commits, the whole tally is written with ONE upsert statement (rows sorted, so
two transactions incrementing the same rows on PostgreSQL lock them in the same order). A
rolled-back transaction takes its counts with it. The rows hold the calendar day (Berlin),
the kind and coarse dimensions: never a conversation, lead, user key, name or time of day.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, exists, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from bot.engine.events import (
    ConsentGiven,
    ConversationState,
    Event,
    KompassCompleted,
    Reply,
    Start,
)
from bot.reports import kinds
from bot.store.models import Conversation, Lead, LeadEvent, ReportCount

if TYPE_CHECKING:
    from bot.service import Lotse

BERLIN = ZoneInfo("Europe/Berlin")
_TALLY = "lotse.report_counts"  # key in Session.info
_DETAIL_LENGTH = 64
_COUNSELLOR = "counsellor:"


@dataclass(frozen=True, order=True)
class Key:
    kind: str
    channel: str
    language: str
    region: str
    detail: str


def today() -> dt.date:
    """The calendar day in Germany (tests replace it to spread counts over weeks)."""
    return dt.datetime.now(BERLIN).date()


def note(
    session: AsyncSession | Session,
    kind: str,
    *,
    channel: str | None,
    language: str | None,
    region: str | None,
    detail: str | None = None,
) -> None:
    """Count one event; written with the transaction's commit, dropped with its rollback."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    tally: Counter[Key] = sync.info.setdefault(_TALLY, Counter())
    key = Key(kind, channel or "", language or "", region or "", (detail or "")[:_DETAIL_LENGTH])
    tally[key] += 1


def pending(session: AsyncSession) -> dict[Key, int]:
    """What the current transaction will add (for tests)."""
    return dict(session.sync_session.info.get(_TALLY, {}))


@event.listens_for(Session, "before_commit")
def _write(session: Session) -> None:
    tally: Counter[Key] | None = session.info.pop(_TALLY, None)
    if tally:
        day = today()
        rows = [{"day": day, **key.__dict__, "count": n} for key, n in sorted(tally.items()) if n]
        if rows:
            session.execute(upsert(session.get_bind().dialect.name), rows)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended: a rollback drops the tally
        session.info.pop(_TALLY, None)


@functools.cache
def upsert(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO UPDATE of one count, run for all counts of a transaction at once
    (executemany). Built once: a statement with the rows in its VALUES could not be cached and
    was compiled anew at every commit."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(ReportCount)
    return statement.on_conflict_do_update(
        index_elements=["day", *Key.__dataclass_fields__],
        set_={"count": ReportCount.count + statement.excluded.count},
    )


# -- where things happen ------------------------------------------------------------------------


def observe(
    session: AsyncSession,
    lotse: Lotse,
    conversation: Conversation,
    event: Event,
    state: ConversationState,
    reply: Reply,
) -> None:
    """The counts of one chat event, read from the engine's reply after the service applied it:
    a conversation started, answers and topics, tree results, consents, a Kom-Pass issued."""
    knowledge = lotse.content.knowledge
    dims: dict[str, str | None] = {
        "channel": conversation.channel,
        "language": state.language,
        "region": state.region or lotse.settings.region,
    }
    if isinstance(event, Start):
        note(session, kinds.CONVERSATION, detail=state.source, **dims)
    for line in reply.lines:
        kind, _, ref = line.ref.partition(":")
        if kind == "answer" and ref in knowledge.answers:
            note(session, kinds.ANSWER, detail=ref, **dims)
            topic = knowledge.answers[ref].intent or kinds.ABOUT_LOTSE
            note(session, kinds.TOPIC, detail=topic, **dims)
        elif kind == "topic" and ref in knowledge.topics and ref != "greeting":
            note(session, kinds.TOPIC, detail=ref, **dims)
        elif (result := kinds.RESULT_LINES.get(line.ref)) is not None:
            note(session, kinds.RESULT, detail=result, **dims)
            note(session, kinds.TOPIC, detail=kinds.RESULT_TOPICS[result], **dims)
    for effect in reply.effects:
        if isinstance(effect, ConsentGiven):
            what = "kompass" if effect.version.startswith("kompass.") else "handover"
            note(session, kinds.CONSENT, detail=what, **dims)
        elif isinstance(effect, KompassCompleted) and state.slots.get("kompass_consent"):
            note(session, kinds.KOMPASS, **dims)


def _lead_dims(lead: Lead) -> dict[str, str | None]:
    return {"channel": lead.channel, "language": lead.language, "region": lead.region}


def handover(session: AsyncSession, lead: Lead) -> None:
    """A new lead; its detail is the tree of the case ("external_exam"), if any."""
    topic = lead.topic or ""
    tree = topic.removeprefix("topic:") if topic.startswith("topic:") else topic.split(".")[0]
    note(session, kinds.HANDOVER, detail=tree, **_lead_dims(lead))


def booking(session: AsyncSession, lead: Lead, actor: str) -> None:
    """An appointment booked, by the person in the chat or by a counsellor."""
    who = "counsellor" if actor.startswith(_COUNSELLOR) else "person"
    note(session, kinds.BOOKING, detail=who, **_lead_dims(lead))


def status_changed(session: AsyncSession, lead: Lead, to_status: str) -> None:
    """Called before the change: done (kept) and no-show, with whether there was an appointment."""
    if to_status == "done":
        had = "appointment" if lead.status == "scheduled" else "without_appointment"
        note(session, kinds.KEPT, detail=had, **_lead_dims(lead))
    elif to_status == "no_show":
        note(session, kinds.NO_SHOW, **_lead_dims(lead))


async def first_contact(*, session: AsyncSession, lead_id: int, actor: str) -> None:
    """Called before a counsellor's action on a lead is recorded: the first such action is the
    first contact, counted in buckets of calendar days since the lead was created."""
    if not actor.startswith(_COUNSELLOR):
        return  # the person's own actions: no query at all
    earlier = exists().where(LeadEvent.lead_id == lead_id, LeadEvent.actor.like(f"{_COUNSELLOR}%"))
    query = select(
        Lead.created_at, Lead.channel, Lead.language, Lead.region, earlier.label("earlier")
    ).where(Lead.id == lead_id)
    row = (await session.execute(query)).first()
    if row is None or row.earlier:
        return
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=dt.UTC)
    detail = kinds.bucket(created.astimezone(BERLIN).date(), today())
    note(
        session, kinds.FIRST_CONTACT, channel=row.channel, language=row.language,
        region=row.region, detail=detail,
    )  # fmt: skip
