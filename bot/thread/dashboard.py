"""The lead page's conversation: a counsellor writes to the person, ends the conversation, and
reads the person's replies and own questions. German, like the rest of the dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bundle import Content
from bot.dashboard.auth import CheckedForm, CurrentViewer, Viewer
from bot.dashboard.regions import visible_lead
from bot.dashboard.web import DashboardRoute, Forbidden, LotseDep, NotFound, berlin, field, redirect
from bot.service import Lotse
from bot.store.models import Counsellor, Lead, LeadMessage
from bot.thread import deliver, talk

router = APIRouter(route_class=DashboardRoute)

MAX_MESSAGE = 2000
# Channels where Lotse can reach the person (not the terminal of ``lotse chat``).
REACHABLE = frozenset({"web", "telegram"})
NOTICES = {
    "thread_sent": "Die Nachricht ist gesendet.",
    "thread_empty": "Die Nachricht ist leer.",
    "thread_closed": "Das Gespräch ist beendet; Lotse antwortet der Person wieder.",
    "thread_not_open": "Es gibt kein offenes Gespräch.",
}


@dataclass(frozen=True)
class Said:
    """One message of the conversation as the counsellor reads it."""

    who: str
    at: str
    text: str
    mine: bool  # from the counselling team (or the bot), not from the person


@dataclass(frozen=True)
class Asked:
    text: str
    topic: str


@dataclass(frozen=True)
class ThreadView:
    lead_id: int
    seen: bool  # the person's new messages are seen now (by who looks after the lead)
    said: list[Said]
    asked: list[Asked]
    open: bool
    can_write: bool
    unread: int
    idle_hours: int  # an open conversation ends after this long without a message


def may_write(viewer: Viewer, lead: Lead) -> bool:
    """Who looks after the claimed lead (or an admin) writes, where the person can be reached."""
    mine = viewer.is_admin or lead.counsellor_id == viewer.id
    return mine and lead.status in talk.TALKING_STATUSES and lead.channel in REACHABLE


async def view(
    *, lotse: Lotse, session: AsyncSession, lead: Lead, viewer: Viewer, names: dict[int, str]
) -> ThreadView:
    """The lead's conversation and own words; the person's messages count as read once the
    counsellor who looks after the lead has seen them (``mark_seen``)."""
    rows = await talk.messages(session=session, lead_id=lead.id)
    unread = sum(1 for r in rows if _unread(r))
    now = lotse.clock()
    is_open = await talk.is_open(
        session=session, conversation_id=lead.conversation_id, now=now,
        idle=lotse.settings.thread_idle,
    )  # fmt: skip
    return ThreadView(
        lead_id=lead.id,
        seen=bool(unread) and (lead.counsellor_id == viewer.id or viewer.is_admin),
        said=[_said(r, names) for r in rows if r.kind != talk.ASKED],
        asked=[
            Asked(r.text or "", topic_name(lotse.content, r.topic))
            for r in rows
            if r.kind == talk.ASKED
        ],
        open=is_open,
        can_write=may_write(viewer, lead),
        unread=unread,
        idle_hours=round(lotse.settings.thread_idle.total_seconds() / 3600),
    )


async def mark_seen(lotse: Lotse, thread: ThreadView) -> None:
    """After the page's read (its own transaction: SQLite has one writer at a time)."""
    if thread.seen:
        async with lotse.sessions() as session, session.begin():
            await talk.mark_read(session=session, lead_id=thread.lead_id, now=lotse.clock())


def _unread(row: LeadMessage) -> bool:
    return row.author == talk.PERSON and row.kind == talk.MESSAGE and row.read_at is None


def _said(row: LeadMessage, names: dict[int, str]) -> Said:
    counsellor = names.get(row.counsellor_id, "Beratung") if row.counsellor_id else "Beratung"
    if row.kind == talk.OPENED:
        return Said("Lotse", berlin(row.created_at), f"Lotse übergibt an {counsellor}.", True)
    if row.kind == talk.CLOSED:
        how = f"von {counsellor} beendet" if row.counsellor_id else "ohne Nachricht zu lange offen"
        return Said(
            "Lotse", berlin(row.created_at), f"Gespräch {how}; Lotse antwortet wieder.", True
        )
    if row.author == talk.PERSON:
        return Said("Ratsuchende Person", berlin(row.created_at), row.text or "", False)
    return Said(counsellor, berlin(row.created_at), row.text or "", True)


def topic_name(content: Content, topic: str | None) -> str:
    """The German title of the answer entry or topic understood; the id if it has none."""
    if not topic:
        return "nicht erkannt"
    knowledge = content.knowledge
    entry = knowledge.answers.get(topic) or knowledge.topics.get(topic)
    return entry.title.de if entry is not None else topic


def _lead_url(lead_id: int, message: str) -> str:
    return f"/dashboard/leads/{lead_id}?msg={message}#thread"


async def _writable(session: AsyncSession, lead_id: int, viewer: Viewer) -> Lead:
    lead = await visible_lead(session=session, lead_id=lead_id, viewer=viewer, lock=True)
    if lead is None:
        raise NotFound
    if not may_write(viewer, lead):
        raise Forbidden("Nur wer den offenen Fall übernommen hat, schreibt der Person.")
    return lead


@router.post("/dashboard/leads/{lead_id}/messages")
async def write(
    lead_id: int, lotse: LotseDep, viewer: CurrentViewer, form: CheckedForm
) -> Response:
    """Send a message to the person on their channel; the bot steps aside."""
    text = field(form, "message", max_length=MAX_MESSAGE)
    if not text:
        return redirect(_lead_url(lead_id, "thread_empty"))
    async with lotse.sessions() as session, session.begin():
        lead = await _writable(session, lead_id, viewer)
        counsellor = await session.get(Counsellor, viewer.id)
        if counsellor is None:
            raise Forbidden
        await talk.write(
            session=session, lead=lead, counsellor=counsellor, text=text, now=lotse.clock(),
            idle=lotse.settings.thread_idle,
        )  # fmt: skip
        conversation_id = lead.conversation_id
    await deliver.push(lotse, conversation_id)
    return redirect(_lead_url(lead_id, "thread_sent"))


@router.post("/dashboard/leads/{lead_id}/thread/close")
async def close(
    lead_id: int, lotse: LotseDep, viewer: CurrentViewer, _form: CheckedForm
) -> Response:
    """End the conversation: the bot answers the person again and tells them so."""
    async with lotse.sessions() as session, session.begin():
        lead = await _writable(session, lead_id, viewer)
        closed = await talk.close(
            session=session, lead=lead, counsellor_id=viewer.id, now=lotse.clock(),
            idle=lotse.settings.thread_idle,
        )  # fmt: skip
        conversation_id = lead.conversation_id
    if closed:
        await deliver.push(lotse, conversation_id)
    return redirect(_lead_url(lead_id, "thread_closed" if closed else "thread_not_open"))
