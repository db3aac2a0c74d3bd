"""Helpers of the hardening tests: canaries, the real log handler, counsellors and logins."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from bot.engine import Choice, Event, Start, Text
from bot.handover.counsellors import hash_password
from bot.logs import handler
from bot.service import Lotse
from bot.store.models import Base, Counsellor

# Personal data that must never show up where it should not: a name no pattern would catch.
CANARY_NAME = "Zyxwerta Kanarienvogel"
CANARY_PHONE = "+49 151 98765432"
CANARY_EMAIL = "zyxwerta.canary@example.org"
PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Log:
    """What Lotse's own log handler (``bot.logs.handler``) writes, at every level."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def written_log() -> Iterator[Log]:
    stream = io.StringIO()
    attached = handler(stream)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(attached)
    root.setLevel(logging.DEBUG)
    try:
        yield Log(stream)
    finally:
        root.removeHandler(attached)
        root.setLevel(previous)


async def post_chat(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/chat", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


CONTACT_EVENTS: list[Event] = [
    Start(language="de"), Text("/human"), Choice("agree"), Text(CANARY_NAME), Choice("phone"),
    Text(CANARY_PHONE),
    # Back twice to the way of contact: the person leaves an e-mail address instead.
    Choice("nav:back"), Choice("nav:back"), Choice("email"), Text(CANARY_EMAIL), Choice("mornings"),
]  # fmt: skip
ERASE_EVENTS: list[Event] = [Text("/delete"), Choice("confirm")]


async def give_contact(lotse: Lotse, user_key: str, *, channel: str = "web") -> None:
    """A person asks for a counsellor and leaves name, phone and e-mail, one event at a time."""
    for event in CONTACT_EVENTS:
        await lotse.handle(channel=channel, user_key=user_key, events=[event])


async def dump(lotse: Lotse) -> str:
    """Every row of every table, as text (a logical dump)."""
    rows: list[str] = []
    async with lotse.sessions() as db:
        for table in Base.metadata.sorted_tables:
            result = await db.execute(text(f"SELECT * FROM {table.name}"))
            rows += [f"{table.name}: {tuple(row)}" for row in result]
    return "\n".join(rows)


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)


async def add_counsellor(lotse: Lotse, email: str, *, role: str = "counsellor") -> int:
    async with lotse.sessions() as db, db.begin():
        counsellor = Counsellor(
            email=email, name="Beraterin", password_hash=password_hash(), languages=["de"],
            region="dortmund", role=role, active=True,
        )  # fmt: skip
        db.add(counsellor)
        await db.flush()
        return counsellor.id


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, "no CSRF field on the page"
    return found[1]


async def login(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, **headers: str
) -> httpx.Response:
    page = await client.get("/dashboard/login")
    assert page.status_code == 200
    return await client.post(
        "/dashboard/login",
        data={"csrf": csrf_of(page.text), "email": email, "password": password},
        headers=headers,
    )
