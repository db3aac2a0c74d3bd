"""The application core that every channel calls: one transaction per incoming event."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.answers import Decision
from bot.bundle import Content as Content  # re-exported: channels and tests import it here
from bot.config import Settings
from bot.content.models import LANGUAGES
from bot.courses import matching
from bot.courses.present import course_lines
from bot.engine import (
    ConversationState,
    Event,
    RenderedMessage,
    RenderedOption,
    Renderer,
    Reply,
    Start,
    Text,
)
from bot.engine.events import (
    AppointmentCancelled,
    BookingFailed,
    BookingRequested,
    CallbackRequested,
    ConsentGiven,
    CoursesWanted,
    DataDeletionRequested,
    HandoverRequested,
    KompassCompleted,
    Line,
    OptionsWanted,
)
from bot.engine.runtime import COURSES_NONE
from bot.handover import appointments, booking, leads, notify
from bot.handover.retention import erase_conversation
from bot.kompass.document import KOMPASS_URL, make_document
from bot.reports import record as reports
from bot.store import repo
from bot.store.db import create_engine, scrub, session_factory
from bot.store.leases import worker_id
from bot.store.models import Conversation, Notification, utcnow
from bot.store.types import clean_text
from bot.thread import talk, words
from bot.thread.texts import CLOSED as THREAD_CLOSED

log = logging.getLogger(__name__)
BERLIN = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class Outcome:
    """What a channel shows after one event."""

    language: str
    messages: list[RenderedMessage]
    erased: bool = False  # the person's data was erased: scrub after the commit


# Called inside the event's transaction with the rendered outcome and the new state.
Finish = Callable[[AsyncSession, Outcome, ConversationState], Awaitable[None]]
# The events, decided from the stored state (``None``: a conversation not started yet), so a
# channel needs no read of its own before the event's transaction.
Plan = Callable[[ConversationState | None], list[Event]]


class Lotse:
    """Engine, content and storage wired together; adapters call ``handle``."""

    # Channels that deliver notifications themselves; the others show them with the next answer.
    push_channels: frozenset[str] = frozenset({"telegram"})

    def __init__(self, settings: Settings, content: Content, db: AsyncEngine) -> None:
        self.settings = settings
        self.content = content
        self.db = db
        self.sessions: async_sessionmaker[AsyncSession] = session_factory(db)
        self.understander = content.understander
        self.engine = content.engine(region=settings.region, retention_days=settings.retention_days)
        self.renderer = Renderer(content.knowledge)
        # Channels that push register a sender here (Telegram); see bot.handover.notify.
        self.senders: dict[str, notify.Sender] = {}
        # ... and one that shows buttons under a notification (a reminder's move and cancel).
        self.button_senders: dict[str, notify.ButtonSender] = {}
        # This process among the workers that share the database (claims, job leases).
        self.worker = worker_id()
        # The clock of counsellor conversations (their idle end); tests set their own.
        self.clock: Callable[[], dt.datetime] = utcnow

    @classmethod
    def create(cls, settings: Settings) -> Lotse:
        return cls(
            settings,
            Content.load(settings.content_root, cache_dir=settings.cache_dir),
            create_engine(settings.effective_database_url),
        )

    async def close(self) -> None:
        await self.db.dispose()

    def opening(
        self, text: str | None, *, language: str | None, payload: str | None = None
    ) -> tuple[str | None, list[Event]]:
        """The language and events that open a conversation with its first message.

        A greeting gets the welcome; a question is answered at once, without the welcome;
        anything else gets the welcome and then the reply to the message.
        """
        text = clean_text(text) if text is not None else None
        if not text or not any(ch.isalnum() for ch in text):
            # Nothing to read ("", "👍"): the welcome is the whole answer.
            return language, [Start(payload=payload, language=language)]
        if self.understander.foreign_language(text) is not None:
            # Not a language Lotse speaks: no guess; the engine offers the language choice.
            return language, [Start(payload=payload, language=language, silent=True), Text(text)]
        analysis = self.understander.analyse(text)
        language = language or analysis.language
        if analysis.intent == "greeting" or text.startswith("/"):
            return language, [Start(payload=payload, language=language)]
        answerable = self.content.answers.select(text).decision != Decision.NONE
        direct = answerable or analysis.intent is not None
        return language, [Start(payload=payload, language=language, silent=direct), Text(text)]

    async def handle(
        self,
        *,
        channel: str,
        user_key: str,
        events: list[Event] | Plan,
        language: str | None = None,
        finish: Finish | None = None,
        session: AsyncSession | None = None,
    ) -> Outcome:
        """Apply events to one conversation in one transaction and render the replies.

        ``events`` may be a ``Plan`` that decides them from the stored state. ``language``
        switches the conversation's language first (a language switcher); ``finish`` runs
        inside the same transaction, so a channel can record its delivery (an outbox)
        atomically with the new state. With ``session`` the work joins the caller's
        transaction, and the caller scrubs after its commit when ``Outcome.erased``.
        """
        if session is not None:
            return await self._handle_in(session, channel, user_key, events, language, finish)
        async with self.sessions() as session, session.begin():
            outcome = await self._handle_in(session, channel, user_key, events, language, finish)
        if outcome.erased:
            await scrub(self.db)  # no copy of the erased data stays in SQLite's write-ahead log
        return outcome

    async def _handle_in(
        self,
        session: AsyncSession,
        channel: str,
        user_key: str,
        events: list[Event] | Plan,
        language: str | None,
        finish: Finish | None,
    ) -> Outcome:
        messages: list[RenderedMessage] = []
        erased = False
        conversation = await repo.get_or_create_conversation(
            session=session, channel=channel, user_key=user_key
        )
        stored = conversation.state or {}
        state = ConversationState.from_json(stored)
        # A counsellor may have set, moved or cancelled the appointment since the last event.
        await appointments.sync(session=session, conversation_id=conversation.id, state=state)
        if callable(events):
            events = events(state if stored else None)
        # Control characters and lone surrogates never reach the engine or the database.
        events = [_cleaned(event) for event in events]
        if language in LANGUAGES:
            state.language = language
        # A counsellor conversation is looked up only where there is a lead (one read).
        now = self.clock()
        found = await talk.find(
            session=session, conversation_id=conversation.id, has_lead=state.lead, now=now,
            idle=self.settings.thread_idle,
        )  # fmt: skip
        if found.ended:
            translator = self.content.catalogs.translator(state.language)
            messages.append(RenderedMessage(self.renderer.text(THREAD_CLOSED, translator)))
        for event in events:
            if found.talk is not None and talk.for_counsellor(event, self.engine):
                await talk.hear(session=session, talk=found.talk, text=event.text, now=now)
                continue  # to the counsellor, not the bot
            before = state
            state, reply = self.engine.handle(state, event)
            conversation, state, reply = await self._apply(
                session, conversation, before, state, reply
            )
            if isinstance(event, Text):
                await words.notice(
                    session=session, engine=self.engine, understanding=self.understander,
                    conversation_id=conversation.id, before=before, state=state,
                    text=event.text, answer=reply.answer, now=now,
                )  # fmt: skip
            reports.observe(session, self, conversation, event, state, reply)
            erased |= any(isinstance(e, DataDeletionRequested) for e in reply.effects)
            if erased:
                found = talk.Found()  # the conversation with the counsellor went with it
            translator = self.content.catalogs.translator(state.language)
            messages += self.renderer.render(reply, translator)
        messages = appointments.with_notifications(
            await self._pending_notifications(session, conversation),
            [m for m in messages if m.text or m.options or m.links],  # a silent start says nothing
        )
        await repo.save_state(
            session=session,
            conversation=conversation,
            state=state.to_json(),
            language=state.language,
        )
        outcome = Outcome(language=state.language or "de", messages=messages, erased=erased)
        if finish is not None:
            await finish(session, outcome, state)
        return outcome

    async def _apply(
        self,
        session: AsyncSession,
        conversation: Conversation,
        before: ConversationState,
        state: ConversationState,
        reply: Reply,
    ) -> tuple[Conversation, ConversationState, Reply]:
        """Carry out the side effects of one reply inside the event's transaction."""
        region = state.region or self.settings.region
        language = state.language or "de"
        for effect in list(reply.effects):
            match effect:
                case ConsentGiven(version=version):
                    await leads.record_consent(
                        session=session, conversation=conversation, version=version
                    )
                case HandoverRequested(facts=facts):
                    handed = await leads.upsert_lead(
                        session=session,
                        conversation=conversation,
                        facts={**facts, "channel": conversation.channel},
                        language=language,
                        region=region,
                        tell_counsellors=self.settings.telegram_counsellor_chat_id is not None,
                    )
                    state.lead = True  # a counsellor may write now (bot.thread)
                    await words.keep(
                        session=session, lead=handed, asked=state.asked, now=self.clock()
                    )
                case BookingRequested(slot_id=slot_id):
                    lead = await leads.open_lead(session=session, conversation_id=conversation.id)
                    booked = lead and await booking.book(
                        session=session, lead=lead, slot_id=slot_id
                    )
                    if not booked:
                        state, reply = self.engine.handle(before, BookingFailed())
                        return await self._apply(session, conversation, before, state, reply)
                case AppointmentCancelled():
                    lead = await leads.open_lead(session=session, conversation_id=conversation.id)
                    if lead is not None:
                        await booking.cancel(session=session, lead=lead, actor="person")
                case CallbackRequested():
                    lead = await leads.open_lead(session=session, conversation_id=conversation.id)
                    if lead is not None:
                        lead.callback_requested = True
                        await leads.add_event(
                            session=session, lead=lead, actor="person", note="call-back requested"
                        )
                case DataDeletionRequested():
                    await erase_conversation(session=session, conversation_id=conversation.id)
                    conversation = await repo.get_or_create_conversation(
                        session=session,
                        channel=conversation.channel,
                        user_key=conversation.user_key,
                    )
                    log.info("conversation erased on request (channel %s)", conversation.channel)
                case OptionsWanted(source="free_slots"):
                    await self._offer_slots(session, state, reply, region, language)
                case CoursesWanted(occupation=occupation, region=near, kinds=kinds):
                    await self._show_courses(session, reply, occupation, near, kinds)
                case KompassCompleted() if state.slots.get("kompass_consent"):
                    await make_document(self, session, conversation, state)
                    done = next(
                        (i for i, x in enumerate(reply.lines) if x.ref == "kompass.done"), None
                    )
                    if done is not None:
                        title = self.content.catalogs.translator(language).text("kompass.download")
                        line = reply.lines[done]
                        reply.lines[done] = Line(line.ref, line.params, ((title, KOMPASS_URL),))
        if conversation.channel == "web" and state.slots.get("appointment"):
            # The relative link serves the web chat's session cookie only.
            appointments.link_calendar(reply, self.content.catalogs.translator(language))
        return conversation, state, reply

    async def _offer_slots(
        self,
        session: AsyncSession,
        state: ConversationState,
        reply: Reply,
        region: str | None,
        language: str,
    ) -> None:
        slots = await booking.free_slots(session=session, region=region, language=language)
        appointments.offer(slots, state, reply)

    async def _show_courses(
        self,
        session: AsyncSession,
        reply: Reply,
        occupation: str,
        region: str | None,
        kinds: tuple[str, ...],
    ) -> None:
        """Up to three courses of the catalogue instead of "none known", when there are any."""
        today = dt.datetime.now(BERLIN).date()
        found = await matching(
            session=session, occupation=occupation, region=region, kinds=kinds, today=today
        )
        lines = course_lines(found, occupation, today)
        at = next((i for i, line in enumerate(reply.lines) if line.ref == COURSES_NONE), None)
        if lines and at is not None:
            reply.lines[at : at + 1] = lines

    async def _pending_notifications(
        self, session: AsyncSession, conversation: Conversation
    ) -> list[RenderedMessage]:
        """Pull channels (web, terminal) show due notifications with the next answer."""
        if conversation.channel in self.push_channels:
            return []
        due = await notify.pending_for(session=session, conversation_id=conversation.id)
        messages = [
            RenderedMessage(
                self.render_notification(n, conversation.language),
                tuple(self.notification_buttons(n, conversation.language)),
            )
            for n in due
        ]
        for notification in due:
            notification.sent_at = utcnow()
        return messages

    def render_notification(self, notification: Notification, language: str | None) -> str:
        translator = self.content.catalogs.translator(language)
        params = appointments.notification_params(notification.params)
        return self.renderer.text(notification.message_id, translator, params)

    def notification_buttons(
        self, notification: Notification, language: str | None
    ) -> tuple[RenderedOption, ...]:
        translator = self.content.catalogs.translator(language)
        return appointments.notification_buttons(notification, self.renderer, translator)

    async def collect_notifications(self, *, channel: str, user_key: str) -> Outcome | None:
        """Due notifications of a pull channel, marked as delivered; None if no such chat."""
        async with self.sessions() as session, session.begin():
            conversation = await repo.lock_conversation(
                session=session, channel=channel, user_key=user_key
            )
            if conversation is None:
                return None
            messages = await self._pending_notifications(session, conversation)
            return Outcome(language=conversation.language or "de", messages=messages)

    async def current_state(self, *, channel: str, user_key: str) -> ConversationState | None:
        async with self.sessions() as session:
            conversation = await repo.lock_conversation(
                session=session, channel=channel, user_key=user_key
            )
            return ConversationState.from_json(conversation.state) if conversation else None


def _cleaned(event: Event) -> Event:
    return Text(clean_text(event.text)) if isinstance(event, Text) else event
