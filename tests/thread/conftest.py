"""Helpers of the counsellor-conversation tests: a person up to their lead, a counsellor who has
claimed it and writes through the dashboard."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from bot.engine import Choice, Start, Text
from bot.service import Lotse
from bot.store.models import Lead, LeadMessage, Notification
from tests.dashboard.conftest import Staff, staff

COUNSELLOR = "Anna Schmidt"  # the person reads "Anna" only


async def to_lead(
    lotse: Lotse,
    user_key: str,
    *,
    language: str = "de",
    channel: str = "web",
    asked: tuple[str, ...] = (),
) -> int:
    """A person who typed ``asked``, agreed and chose "reach me here in the chat": their lead."""
    await lotse.handle(channel=channel, user_key=user_key, events=[Start(language=language)])
    for question in asked:
        await lotse.handle(channel=channel, user_key=user_key, events=[Text(question)])
    await lotse.handle(
        channel=channel,
        user_key=user_key,
        events=[Text("/human"), Choice("agree"), Text("Ayşe Yılmaz"), Choice("chat")],
    )
    await lotse.handle(channel=channel, user_key=user_key, events=[Choice("anytime")])
    async with lotse.sessions() as db:
        lead = (await db.execute(select(Lead).order_by(Lead.id.desc()).limit(1))).scalar_one()
        return lead.id


async def counsellor(lotse: Lotse, client: httpx.AsyncClient, lead_id: int, email: str) -> Staff:
    """A counsellor of the region who has claimed the lead."""
    anna = await staff(lotse, email, name=COUNSELLOR)
    claimed = await client.post(
        f"/dashboard/leads/{lead_id}/claim", data={"csrf": anna.csrf}, headers=anna.headers
    )
    assert claimed.headers["location"].endswith("msg=claimed")
    return anna


async def write(client: httpx.AsyncClient, who: Staff, lead_id: int, text: str) -> str:
    response = await client.post(
        f"/dashboard/leads/{lead_id}/messages",
        data={"csrf": who.csrf, "message": text},
        headers=who.headers,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


async def close(client: httpx.AsyncClient, who: Staff, lead_id: int) -> str:
    response = await client.post(
        f"/dashboard/leads/{lead_id}/thread/close", data={"csrf": who.csrf}, headers=who.headers
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


async def rows(lotse: Lotse, **where: Any) -> list[LeadMessage]:
    async with lotse.sessions() as db:
        query = select(LeadMessage).filter_by(**where).order_by(LeadMessage.id)
        return list((await db.execute(query)).scalars())


async def thread_notifications(lotse: Lotse) -> list[Notification]:
    async with lotse.sessions() as db:
        query = select(Notification).where(Notification.kind == "thread")
        return list((await db.execute(query)).scalars())


def text(lotse: Lotse, language: str, message_id: str, **params: str) -> str:
    """A catalog text as the person reads it."""
    return lotse.renderer.text(message_id, lotse.content.catalogs.translator(language), params)
