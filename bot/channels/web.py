"""The JSON chat API ``POST /api/chat`` (contract in docs/contracts.md)."""

from __future__ import annotations

import secrets
from typing import Annotated, Literal

from fastapi import APIRouter, Cookie, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field

from bot import metrics
from bot.engine import Choice, ConversationState, Event, RenderedMessage, Resume, Start, Text
from bot.handover import appointments, booking
from bot.kompass.store import latest_document
from bot.service import Lotse
from bot.store import repo

CHANNEL = "web"
router = APIRouter()


class ChatRequest(BaseModel):
    session: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    text: str | None = Field(default=None, max_length=4000)
    choice: str | None = Field(default=None, max_length=128)
    language: Literal["de", "tr", "ru"] | None = None
    # Optional: a link's payload (language, region, source: "tr-dortmund-flyer") for a new session.
    start: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class OptionOut(BaseModel):
    id: str
    label: str


class LinkOut(BaseModel):
    title: str
    url: str


class MessageOut(BaseModel):
    text: str
    options: list[OptionOut]
    # Source links from the knowledge base (never from user input); left out when there are none.
    links: list[LinkOut] | None = None


class ChatResponse(BaseModel):
    session: str
    language: str
    messages: list[MessageOut]


def get_lotse(request: Request) -> Lotse:
    lotse: Lotse = request.app.state.lotse
    return lotse


LotseDep = Annotated[Lotse, Depends(get_lotse)]


def _message_out(message: RenderedMessage) -> MessageOut:
    return MessageOut(
        text=message.text,
        options=[OptionOut(id=o.id, label=o.label) for o in message.options],
        links=[LinkOut(title=link.title, url=link.url) for link in message.links] or None,
    )


@router.post("/api/chat", response_model_exclude_none=True)
async def chat(body: ChatRequest, lotse: LotseDep) -> ChatResponse:
    """Answer one message or button press of a web chat session.

    The events are decided from the stored state inside the event's transaction (no read of
    its own first). An unknown or expired session starts a new one with a fresh id.
    """
    started = metrics.received(CHANNEL)
    outcome = None
    session = body.session
    if session:
        try:
            outcome = await lotse.handle(
                channel=CHANNEL,
                user_key=session,
                events=lambda state: _continued(body, state),
                language=body.language,
            )
        except _UnknownSession:
            outcome = None  # rolled back: nothing was stored under the unknown id
    if outcome is None:
        session = secrets.token_urlsafe(18)
        _, events = lotse.opening(body.text, language=body.language, payload=body.start)
        outcome = await lotse.handle(
            channel=CHANNEL, user_key=session, events=events, language=body.language
        )
    metrics.answered(CHANNEL, started)
    return ChatResponse(
        session=str(session),
        language=outcome.language,
        messages=[_message_out(m) for m in outcome.messages],
    )


class _UnknownSession(Exception):
    """The session id names no conversation (expired, erased, or made up)."""


def _continued(body: ChatRequest, state: ConversationState | None) -> list[Event]:
    if state is None:
        raise _UnknownSession
    if body.start:
        # A link with a start (an atlas page's "ask Lotse") opened by someone who has talked
        # before: begin again from what the link knows.
        return [Start(payload=body.start, language=body.language)]
    if body.choice:
        return [Choice(body.choice)]
    if body.text is not None:
        return [Text(body.text)]
    return [Resume()]  # a reload or a language switch: show the question again


class PollRequest(BaseModel):
    session: str = Field(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


@router.post("/api/chat/notifications", response_model_exclude_none=True)
async def notifications(body: PollRequest, lotse: LotseDep) -> ChatResponse:
    """Reminders and appointment news that are due, for a page left open (polled)."""
    outcome = await lotse.collect_notifications(channel=CHANNEL, user_key=body.session)
    if outcome is None:
        raise HTTPException(status_code=404, detail="unknown session")
    return ChatResponse(
        session=body.session,
        language=outcome.language,
        messages=[_message_out(m) for m in outcome.messages],
    )


@router.get("/api/kompass.pdf")
async def kompass_pdf(
    lotse: LotseDep,
    lotse_session: Annotated[str | None, Cookie(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")] = None,
) -> Response:
    """The latest Kom-Pass of this browser's conversation: found by the session cookie only."""
    if not lotse_session:
        raise HTTPException(status_code=404, detail="no Kom-Pass")
    async with lotse.sessions() as session:
        conversation = await repo.lock_conversation(
            session=session, channel=CHANNEL, user_key=lotse_session
        )
        document = (
            await latest_document(session=session, conversation_id=conversation.id)
            if conversation is not None
            else None
        )
        if document is None:
            raise HTTPException(status_code=404, detail="no Kom-Pass")
        return Response(
            document.pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": 'attachment; filename="kompetenz-kom-pass.pdf"',
                "Cache-Control": "no-store",
            },
        )


@router.get("/api/appointment.ics")
async def appointment_ics(
    lotse: LotseDep,
    lotse_session: Annotated[str | None, Cookie(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")] = None,
) -> Response:
    """The booked appointment of this browser's conversation as a calendar file, in its
    language: when, and how (LOCATION: the address, "Telefon" or the video link)."""
    if not lotse_session:
        raise HTTPException(status_code=404, detail="no appointment")
    async with lotse.sessions() as session:
        conversation = await repo.lock_conversation(
            session=session, channel=CHANNEL, user_key=lotse_session
        )
        found = (
            await booking.appointment_of(session=session, conversation_id=conversation.id)
            if conversation is not None
            else None
        )
    if conversation is None or found is None:
        raise HTTPException(status_code=404, detail="no appointment")
    translator = lotse.content.catalogs.translator(conversation.language)
    return Response(
        appointments.person_ics(found, lotse.renderer, translator),
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="termin.ics"',
            "Cache-Control": "no-store",
        },
    )
