"""Helpers of the dashboard tests: counsellors with a session, leads, slots and bookings."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
from sqlalchemy import select

from bot.dashboard import auth
from bot.handover.counsellors import hash_password
from bot.service import Lotse
from bot.store.models import (
    Booking,
    Conversation,
    Counsellor,
    DashboardSession,
    Lead,
    LeadEvent,
)

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
CONTACT_NAME = "Zyxwerta Kanarienvogel"
CONTACT_PHONE = "+4915123456789"


@cache
def password_hash() -> str:
    """Argon2 is slow on purpose: hash the test password once per run."""
    return hash_password(PASSWORD)


@dataclass(frozen=True)
class Staff:
    """A logged-in counsellor: the cookie value and the session's CSRF token."""

    counsellor_id: int
    token: str
    csrf: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": f"{auth.SESSION_COOKIE}={self.token}"}


async def add_counsellor(
    lotse: Lotse,
    email: str,
    *,
    region: str = "dortmund",
    role: str = "counsellor",
    name: str = "Beraterin",
) -> int:
    async with lotse.sessions() as db, db.begin():
        counsellor = Counsellor(
            email=email, name=name, password_hash=password_hash(), languages=["de", "tr"],
            region=region, role=role, active=True,
        )  # fmt: skip
        db.add(counsellor)
        await db.flush()
        return counsellor.id


async def session_for(lotse: Lotse, counsellor_id: int) -> Staff:
    """A session without the slow password check."""
    async with lotse.sessions() as db, db.begin():
        token = await auth.start_session(session=db, counsellor_id=counsellor_id)
        stored = await db.get(DashboardSession, auth.session_id(token))
        assert stored is not None
        return Staff(counsellor_id, token, stored.csrf_token)


async def staff(lotse: Lotse, email: str, **kwargs: str) -> Staff:
    return await session_for(lotse, await add_counsellor(lotse, email, **kwargs))


async def add_leads(
    lotse: Lotse,
    count: int = 1,
    *,
    region: str | None = "dortmund",
    language: str = "tr",
    status: str = "new",
    counsellor_id: int | None = None,
    created_at: dt.datetime | None = None,
) -> list[int]:
    """Leads as the chat leaves them (with contact details), without driving the chat."""
    facts = {
        "outcome": "external_exam.result",
        "slots": {"occupation": "koch", "years": 5, "workload": 1, "country": "TR"},
        "questions": ["external_exam.occupation"],
        "exam": {"needed": "4.5", "worked": "5", "missing": "0"},
    }
    async with lotse.sessions() as db, db.begin():
        ids = []
        for _ in range(count):
            conversation = Conversation(
                channel="web", user_key=secrets.token_hex(8), language=language, state={}
            )
            db.add(conversation)
            await db.flush()
            lead = Lead(
                conversation_id=conversation.id, channel="web", language=language, region=region,
                topic="external_exam.result", facts=facts, contact_name=CONTACT_NAME,
                contact_via="phone", contact_phone=CONTACT_PHONE, callback_requested=False,
                interpreter_needed=False, status=status, counsellor_id=counsellor_id,
            )  # fmt: skip
            if created_at is not None:
                lead.created_at = created_at
            db.add(lead)
            await db.flush()
            ids.append(lead.id)
        return ids


async def add_lead(lotse: Lotse, **kwargs: Any) -> int:
    return (await add_leads(lotse, 1, **kwargs))[0]


async def book(lotse: Lotse, *, slot_id: int, lead_id: int, counsellor_id: int) -> None:
    """A booking as the chat or the dashboard makes it: the lead is scheduled with its owner."""
    async with lotse.sessions() as db, db.begin():
        db.add(Booking(slot_id=slot_id, lead_id=lead_id))
        lead = await db.get(Lead, lead_id)
        assert lead is not None
        lead.status = "scheduled"
        lead.counsellor_id = counsellor_id


async def get_lead(lotse: Lotse, lead_id: int) -> Lead:
    async with lotse.sessions() as db:
        lead = await db.get(Lead, lead_id)
        assert lead is not None
        return lead


async def events_of(lotse: Lotse, lead_id: int) -> list[LeadEvent]:
    async with lotse.sessions() as db:
        query = select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id)
        return list((await db.execute(query)).scalars())


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, "no CSRF field on the page"
    return found[1]


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    """The real login form, with its own CSRF token."""
    page = await client.get("/dashboard/login")
    return await client.post(
        "/dashboard/login", data={"csrf": csrf_of(page.text), "email": email, "password": password}
    )
