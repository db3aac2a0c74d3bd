"""The application core that every channel calls: one transaction per incoming event."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.content import Knowledge, load_knowledge
from bot.content.models import LANGUAGES
from bot.engine import (
    ConversationState,
    DataDeletionRequested,
    DialogSet,
    Engine,
    Event,
    HandoverRequested,
    RenderedMessage,
    Renderer,
    load_dialogs,
)
from bot.engine.validate import content_errors
from bot.i18n import Catalogs
from bot.store import repo
from bot.store.db import create_engine, session_factory
from bot.understanding import Understander

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What a channel shows after one event."""

    language: str
    messages: list[RenderedMessage]


@dataclass(frozen=True)
class Content:
    """Everything loaded from the content folders, validated together."""

    dialogs: DialogSet
    knowledge: Knowledge
    catalogs: Catalogs

    @classmethod
    def load(cls, root: Path) -> Content:
        """Load and cross-check all content; raises ``ContentError`` on the first problem."""
        knowledge = load_knowledge(root / "knowledge")
        dialogs = load_dialogs(root / "dialogs")
        catalogs = Catalogs(root / "locales")
        for error in content_errors(dialogs, knowledge, catalogs.has_message, LANGUAGES):
            raise error
        return cls(dialogs=dialogs, knowledge=knowledge, catalogs=catalogs)


class Lotse:
    """Engine, content and storage wired together; adapters call ``handle``."""

    def __init__(self, settings: Settings, content: Content, db: AsyncEngine) -> None:
        self.settings = settings
        self.content = content
        self.db = db
        self.sessions: async_sessionmaker[AsyncSession] = session_factory(db)
        self.understander = Understander(content.knowledge)
        self.engine = Engine(
            content.dialogs,
            content.knowledge,
            self.understander,
            lambda language, message_id: content.catalogs.translator(language).text(message_id),
            default_region=settings.region,
        )
        self.renderer = Renderer(content.knowledge)

    @classmethod
    def create(cls, settings: Settings) -> Lotse:
        return cls(
            settings,
            Content.load(settings.content_root),
            create_engine(settings.effective_database_url),
        )

    async def close(self) -> None:
        await self.db.dispose()

    async def handle(
        self, *, channel: str, user_key: str, events: list[Event], language: str | None = None
    ) -> Outcome:
        """Apply events to one conversation in one transaction and render the replies.

        ``language`` switches the conversation's language first (a language switcher).
        """
        messages: list[RenderedMessage] = []
        async with self.sessions() as session, session.begin():
            conversation = await repo.get_or_create_conversation(
                session=session, channel=channel, user_key=user_key
            )
            state = ConversationState.from_json(conversation.state or {})
            if language in LANGUAGES:
                state.language = language
            for event in events:
                state, reply = self.engine.handle(state, event)
                for effect in reply.effects:
                    if isinstance(effect, HandoverRequested):
                        await repo.add_handover_request(
                            session=session,
                            conversation=conversation,
                            facts={**effect.facts, "channel": channel},
                        )
                    elif isinstance(effect, DataDeletionRequested):
                        await repo.delete_conversation(session=session, conversation=conversation)
                        conversation = await repo.get_or_create_conversation(
                            session=session, channel=channel, user_key=user_key
                        )
                        log.info("conversation erased on request (channel %s)", channel)
                translator = self.content.catalogs.translator(state.language)
                messages += self.renderer.render(reply, translator)
            await repo.save_state(
                session=session,
                conversation=conversation,
                state=state.to_json(),
                language=state.language,
            )
        return Outcome(language=state.language or "de", messages=messages)

    async def current_state(self, *, channel: str, user_key: str) -> ConversationState | None:
        async with self.sessions() as session:
            conversation = await repo.lock_conversation(
                session=session, channel=channel, user_key=user_key
            )
            return ConversationState.from_json(conversation.state) if conversation else None
