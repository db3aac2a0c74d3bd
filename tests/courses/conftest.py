"""Helpers of the course tests: counsellors with a session, demo courses, a chat to the result."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx

from bot.courses import CourseInput, add_course
from bot.dashboard import auth
from bot.handover.counsellors import hash_password
from bot.service import Lotse
from bot.store.models import Counsellor, DashboardSession

DEMO_CSV = Path(__file__).resolve().parents[1] / "data" / "courses_demo.csv"


@cache
def password_hash() -> str:
    return hash_password("correct horse battery staple")


@dataclass(frozen=True)
class Staff:
    counsellor_id: int
    token: str
    csrf: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": f"{auth.SESSION_COOKIE}={self.token}"}


async def staff(lotse: Lotse, email: str, *, role: str, region: str = "dortmund") -> Staff:
    """A counsellor of the role with a session (without the slow login)."""
    async with lotse.sessions() as db, db.begin():
        counsellor = Counsellor(
            email=email, name="Beraterin", password_hash=password_hash(), languages=["de"],
            region=region, role=role, active=True,
        )  # fmt: skip
        db.add(counsellor)
        await db.flush()
        token = await auth.start_session(session=db, counsellor_id=counsellor.id)
        stored = await db.get(DashboardSession, auth.session_id(token))
        assert stored is not None
        return Staff(counsellor.id, token, stored.csrf_token)


def course(**changes: Any) -> CourseInput:
    """A course to the external exam for cooks in Dortmund, part-time, starting in 2099."""
    values: dict[str, Any] = {
        "provider": "Träger A", "title": "Kochkurs", "kind": "exam_preparation",
        "occupations": ("koch",), "region": "dortmund", "address": None,
        "format": "part_time", "duration_months": 6, "start_dates": (dt.date(2099, 3, 1),),
        "voucher": True, "languages": ("de",), "url": "https://example.org/koch",
        "checked": dt.date.today(),
    }  # fmt: skip
    return CourseInput(**(values | changes))


async def store(lotse: Lotse, *courses: CourseInput) -> list[int]:
    async with lotse.sessions() as db, db.begin():
        return [(await add_course(session=db, data=c)).id for c in courses]


COOK = {"de": "Koch", "tr": "aşçı", "ru": "повар"}
YEARS = {"de": "5 Jahre", "tr": "5 yıl", "ru": "5 лет"}


async def exam_result(client: httpx.AsyncClient, language: str) -> list[dict[str, Any]]:
    """A cook with five years of full-time work asks about the external exam; the result."""
    answer = (await client.post("/api/chat", json={"session": None, "language": language})).json()
    session = answer["session"]
    for body in (
        {"choice": "exam"},
        {"text": COOK[language]},
        {"text": YEARS[language]},
        {"choice": "full"},
    ):
        response = await client.post("/api/chat", json={"session": session, **body})
        assert response.status_code == 200
        answer = response.json()
    messages: list[dict[str, Any]] = answer["messages"]
    return messages
