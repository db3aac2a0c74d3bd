"""Storage: a restart resumes the conversation; concurrent events never lose or duplicate state."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.config import Settings
from bot.engine import Choice, Start, Text
from bot.service import Content, Lotse
from bot.store.db import create_engine
from bot.store.models import Conversation


async def test_restart_in_the_middle_resumes_exactly(settings: Settings, content: Content) -> None:
    first = Lotse(settings, content, create_engine(settings.effective_database_url))
    await first.handle(
        channel="web", user_key="anna", events=[Start(language="ru"), Choice("exam")]
    )
    await first.handle(channel="web", user_key="anna", events=[Text("повар")])
    await first.close()  # the process goes away

    second = Lotse(settings, content, create_engine(settings.effective_database_url))
    outcome = await second.handle(channel="web", user_key="anna", events=[Text("5 лет")])
    outcome = await second.handle(channel="web", user_key="anna", events=[Choice("full")])
    await second.close()
    shown = "\n".join(m.text for m in outcome.messages)
    assert outcome.language == "ru"
    assert "4,5 года" in shown
    assert "5 лет" in shown


async def test_concurrent_first_messages_create_one_conversation(lotse: Lotse) -> None:
    await asyncio.gather(
        *(
            lotse.handle(channel="web", user_key="same", events=[Start(language="de")])
            for _ in range(10)
        )
    )
    async with lotse.sessions() as session:
        count = (await session.execute(select(func.count(Conversation.id)))).scalar_one()
    assert count == 1


async def test_concurrent_events_are_applied_one_after_another(lotse: Lotse) -> None:
    await lotse.handle(channel="web", user_key="p", events=[Start(language="de")])
    # Ten events at once: each transaction sees the state the previous one left.
    await asyncio.gather(
        *(lotse.handle(channel="web", user_key="p", events=[Text("/help")]) for _ in range(10))
    )
    state = await lotse.current_state(channel="web", user_key="p")
    assert state is not None
    assert state.turns == 11


async def test_erasure_removes_the_conversation(lotse: Lotse) -> None:
    await lotse.handle(
        channel="web",
        user_key="erase-me",
        events=[Start(language="de"), Choice("exam"), Choice("koch")],
    )
    await lotse.handle(
        channel="web", user_key="erase-me", events=[Text("/delete"), Choice("confirm")]
    )
    async with lotse.sessions() as session:
        rows = (await session.execute(select(Conversation))).scalars().all()
    assert len(rows) == 1  # a fresh, empty conversation to go on with
    assert "koch" not in str(rows[0].state)
