"""The person's own words: the questions they typed (not button presses), in their language,
with the topic Lotse understood.

Before consent they live in the conversation's state only (the last ``KEPT``, each cut to
``MAX_CHARS``); the consent text names them; with consent they are copied to the lead, and
later questions go there directly. A refusal copies nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine import ConversationState
from bot.engine.runtime import Engine
from bot.handover.leads import open_lead
from bot.store.models import Lead, LeadMessage
from bot.thread.talk import ASKED, PERSON
from bot.understanding.questions import is_question

KEPT = 20
MAX_CHARS = 500
NOT_QUESTIONS = frozenset({"greeting"})


class Understanding(Protocol):
    def analyse(self, text: str, *, language_hint: str | None = None) -> object: ...


def topic_of(
    understanding: Understanding, text: str, answer: str | None, language: str | None
) -> str | None:
    """The answer entry shown for it, else the intent understood (``None``: neither)."""
    if answer is not None:
        return answer
    intent = getattr(understanding.analyse(text, language_hint=language), "intent", None)
    return str(intent) if intent else None


async def notice(
    *,
    session: AsyncSession,
    engine: Engine,
    understanding: Understanding,
    conversation_id: int,
    before: ConversationState,
    state: ConversationState,
    text: str,
    answer: str | None,
    now: dt.datetime,
) -> None:
    """Keep typed text that is a question or was understood as one; a lead gets it at once."""
    if not engine.own_words(before, text):
        return
    text = text.strip()[:MAX_CHARS]
    topic = topic_of(understanding, text, answer, state.language)
    if topic in NOT_QUESTIONS or (topic is None and not is_question(text, state.language)):
        return  # "ja", "5", "Danke": an answer or a greeting, not the person's own question
    state.asked = [*state.asked, [text, topic]][-KEPT:]
    if not state.lead:
        return  # no consent yet (or refused): the state only
    lead = await open_lead(session=session, conversation_id=conversation_id)
    if lead is not None:
        session.add(_asked(lead, text, topic, now))


async def keep(
    *, session: AsyncSession, lead: Lead, asked: Sequence[Sequence[str | None]], now: dt.datetime
) -> None:
    """Copy the state's questions to the lead (called with consent, when the lead is made or
    updated); those already there are not copied twice."""
    if not asked:
        return
    query = select(LeadMessage.text, LeadMessage.topic).where(
        LeadMessage.lead_id == lead.id, LeadMessage.kind == ASKED
    )
    there = {(text, topic) for text, topic in (await session.execute(query)).all()}
    for entry in asked:
        text, topic = (str(entry[0] or ""), entry[1] if len(entry) > 1 else None)
        if text and (text, topic) not in there:
            session.add(_asked(lead, text, topic, now))
            there.add((text, topic))
    await session.flush()


def _asked(lead: Lead, text: str, topic: str | None, now: dt.datetime) -> LeadMessage:
    return LeadMessage(
        lead_id=lead.id, conversation_id=lead.conversation_id, kind=ASKED, author=PERSON,
        text=text[:MAX_CHARS], topic=(topic or None) and topic[:64], created_at=now,
    )  # fmt: skip
