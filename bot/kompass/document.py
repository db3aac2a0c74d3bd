"""Making and keeping the Kom-Pass PDF for a conversation (after consent), on its lead."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.courses import matching
from bot.courses.present import course_lines
from bot.engine.events import ConversationState
from bot.engine.runtime import EXAM_COURSE_KINDS
from bot.handover import leads
from bot.kompass.competences import answers_of, competence_lines
from bot.kompass.plan import PlanLine, build_plan
from bot.kompass.store import save_document
from bot.store.models import Conversation, KompassDocument

if TYPE_CHECKING:
    from bot.service import Lotse

BERLIN = ZoneInfo("Europe/Berlin")
# The web chat's download: bound to the session cookie, never a guessable address of its own.
KOMPASS_URL = "/api/kompass.pdf"
KOMPASS_FILENAME = "kompetenz-kom-pass.pdf"


async def make_document(
    lotse: Lotse,
    session: AsyncSession,
    conversation: Conversation,
    state: ConversationState,
    *,
    created_by: str = "person",
    notes: str | None = None,
) -> KompassDocument:
    """Plan and PDF from the conversation's facts and Kom-Pass answers, stored as a new version."""
    lead = await leads.open_lead(session=session, conversation_id=conversation.id)
    return await _issue(
        lotse, session, conversation.id, lead.id if lead is not None else None, state,
        created_by=created_by, notes=notes,
    )  # fmt: skip


async def new_version(
    lotse: Lotse,
    session: AsyncSession,
    previous: KompassDocument,
    *,
    created_by: str,
    notes: str | None,
) -> KompassDocument:
    """A counsellor's version: the stored answers of ``previous`` planned again today, with
    their notes (the conversation may have moved on; the answers the person gave stay)."""
    answers = dict(previous.answers)
    kept = dict(answers.pop("slots", None) or {})
    language = kept.pop("_language", None) or previous.language
    region = kept.pop("_region", None)
    state = ConversationState(language=language, region=region, slots={**answers, **kept})
    return await _issue(
        lotse, session, previous.conversation_id, previous.lead_id, state,
        created_by=created_by, notes=notes,
    )  # fmt: skip


async def _issue(
    lotse: Lotse,
    session: AsyncSession,
    conversation_id: int,
    lead_id: int | None,
    state: ConversationState,
    *,
    created_by: str,
    notes: str | None,
) -> KompassDocument:
    facts = lotse.engine.facts(state)
    today = dt.datetime.now(BERLIN).date()
    courses: list[PlanLine] = []
    if facts.occupation is not None and facts.has_chamber_exam:
        found = await matching(
            session=session,
            occupation=facts.occupation.id,
            region=facts.region_id,
            kinds=EXAM_COURSE_KINDS,
            today=today,
        )
        courses = [
            PlanLine(line.ref, line.params)
            for line in course_lines(found, facts.occupation.id, today)
        ]
    answers = answers_of(state.slots)
    appointment = state.slots.get("appointment")
    plan = build_plan(
        facts,
        courses=courses,
        appointment=dt.datetime.fromisoformat(str(appointment)) if appointment else None,
        competences=competence_lines(answers, lotse.content.knowledge),
    )
    from bot.kompass.pdf import render_pdf  # fpdf2 only in a process that makes a PDF

    language = state.language or "de"
    catalogs = lotse.content.catalogs
    pdf = render_pdf(
        plan,
        renderer=lotse.renderer,
        reader=catalogs.translator(language),
        german=catalogs.translator("de"),
        name=state.slots.get("contact_name"),
        created=today,
        stored_days=lotse.settings.retention_days,
        notes=notes,
    )
    return await save_document(
        session=session,
        conversation_id=conversation_id,
        lead_id=lead_id,
        language=language,
        answers=answers | {"slots": _plan_slots(state)},
        pdf=pdf,
        created_by=created_by,
        notes=notes,
    )


def _plan_slots(state: ConversationState) -> dict[str, object]:
    """What a new version needs to compute the plan again (the case, the region, the name)."""
    keep = ("occupation", "years", "workload", "hours", "periods", "country", "employment",
            "contact_name", "appointment", "kompass_consent")  # fmt: skip
    return {k: state.slots[k] for k in keep if k in state.slots} | {
        "_language": state.language, "_region": state.region,
    }  # fmt: skip
