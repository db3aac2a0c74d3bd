"""A scripted week of Lotse: eight people in three languages, two handovers, a booking, a no-show.

Everything goes through the chat API and the dashboard, as in production; the reports then
read only what was counted on the way.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.dashboard import auth
from bot.reports.record import today
from bot.service import Lotse
from bot.store.models import Counsellor, DashboardSession, Lead, Slot, utcnow

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PHONE = "0151 23456789"


@dataclass(frozen=True)
class Person:
    name: str  # what they type as their name, if they hand over
    language: str
    start: str | None  # a link payload
    steps: tuple[dict[str, Any], ...]
    first_text: str | None = None


def _handover(name: str, reach: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
    return ({"choice": "human"}, {"choice": "agree"}, {"text": name}, *reach)


PEOPLE = {
    # Admission possible, hands over, books a slot (later marked as a no-show).
    "anna": Person(
        "Anna Schmidt", "de", None,
        ({"choice": "exam"}, {"choice": "koch"}, {"text": "5"}, {"choice": "full"},
         *_handover("Anna Schmidt", ({"choice": "phone"}, {"text": PHONE},
                                     {"choice": "mornings"}, {"choice": "SLOT"}))),
    ),
    # Time missing, hands over without an appointment (claimed, then done).
    "ayse": Person(
        "Ayşe Yılmaz", "tr", None,
        ({"choice": "exam"}, {"choice": "koch"}, {"text": "2"}, {"choice": "full"},
         *_handover("Ayşe Yılmaz", ({"choice": "chat"}, {"choice": "anytime"},
                                    {"choice": "later"}))),
    ),
    "olga": Person(
        "Ольга", "ru", None, ({"choice": "recognition"}, {"choice": "ua"}, {"choice": "pflege"})
    ),
    "bernd": Person("Bernd", "de", None, ({"choice": "funding"}, {"choice": "employed"})),
    "emre": Person("Emre", "tr", None, (), first_text="Sınav ne kadar tutar?"),
    "flyer1": Person("-", "de", "de-dortmund-flyer", ()),
    "flyer2": Person("-", "de", "de-dortmund-flyer", ()),
    "flyer3": Person("-", "de", "de-dortmund-flyer", ()),
}  # fmt: skip


@dataclass(frozen=True)
class Staff:
    counsellor_id: int
    token: str
    csrf: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": f"{auth.SESSION_COOKIE}={self.token}"}


@dataclass(frozen=True)
class Scenario:
    sessions: dict[str, str]  # person -> web chat session id
    leads: dict[str, int]  # person -> lead id
    counsellor: Staff
    admin: Staff
    today: dt.date


async def add_staff(lotse: Lotse, email: str, *, role: str, slots: int = 0) -> Staff:
    """An account with a session (no password check: not what these tests are about)."""
    start = (utcnow() + dt.timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    async with lotse.sessions() as db, db.begin():
        counsellor = Counsellor(
            email=email, name=f"Beratung {role}", password_hash="-", languages=["de", "tr", "ru"],
            region="dortmund", role=role, active=True,
        )  # fmt: skip
        db.add(counsellor)
        await db.flush()
        db.add_all(
            Slot(
                counsellor_id=counsellor.id,
                starts_at=start + dt.timedelta(hours=i),
                ends_at=start + dt.timedelta(hours=i, minutes=45),
            )
            for i in range(slots)
        )
        token = await auth.start_session(session=db, counsellor_id=counsellor.id)
        stored = await db.get(DashboardSession, auth.session_id(token))
        assert stored is not None
        return Staff(counsellor.id, token, stored.csrf_token)


async def chat(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/chat", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def talk(client: httpx.AsyncClient, person: Person) -> str:
    opening: dict[str, Any] = {"session": None, "language": person.language}
    if person.start:
        opening["start"] = person.start
    if person.first_text:
        opening["text"] = person.first_text
    answer = await chat(client, **opening)
    session = str(answer["session"])
    for step in person.steps:
        if step.get("choice") == "SLOT":
            offered = [o["id"] for m in answer["messages"] for o in m["options"]]
            step = {"choice": next(o for o in offered if o.startswith("slot:"))}
        answer = await chat(client, session=session, **step)
    return session


async def dashboard_post(
    client: httpx.AsyncClient, staff: Staff, path: str, **form: str
) -> httpx.Response:
    response = await client.post(path, data={"csrf": staff.csrf, **form}, headers=staff.headers)
    assert response.status_code == 303, response.text
    return response


@pytest.fixture
async def scenario(client: httpx.AsyncClient, lotse: Lotse) -> Scenario:
    counsellor = await add_staff(lotse, "beratung@example.org", role="counsellor", slots=3)
    admin = await add_staff(lotse, "verwaltung@example.org", role="admin")
    sessions = {key: await talk(client, person) for key, person in PEOPLE.items()}
    async with lotse.sessions() as db:
        rows = (await db.execute(select(Lead.id, Lead.contact_name))).all()
    by_name = {name: lead_id for lead_id, name in rows}
    leads = {key: by_name[PEOPLE[key].name] for key in ("anna", "ayse")}
    # The counsellor marks Anna's appointment as missed, takes Ayşe's case and closes it.
    await dashboard_post(
        client, counsellor, f"/dashboard/leads/{leads['anna']}/status", status="no_show"
    )
    await dashboard_post(client, counsellor, f"/dashboard/leads/{leads['ayse']}/claim")
    await dashboard_post(
        client, counsellor, f"/dashboard/leads/{leads['ayse']}/status", status="done"
    )
    async with lotse.sessions() as db:
        statuses = {i: s for i, s in (await db.execute(select(Lead.id, Lead.status))).all()}
    assert statuses == {leads["anna"]: "no_show", leads["ayse"]: "done"}
    return Scenario(sessions, leads, counsellor, admin, today())
