"""Appointment conversation scripts (tests/conversations/appointments/*.yaml) in three languages:
the person through /api/chat, the counsellor through the dashboard's own functions, the clock by
making reminders due (format: tests/conversations/appointments/README.md)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import select

from bot.dashboard import queries
from bot.handover.counsellors import add_counsellor
from bot.service import Content, Lotse
from bot.store.models import Booking, Lead, Notification, Slot, utcnow

SCRIPTS = sorted((Path(__file__).parents[1] / "conversations" / "appointments").glob("*.yaml"))
LANGUAGES = ["de", "tr", "ru"]
_WHEN = re.compile(r"\{when#(\d+)\}")
_SLOT = re.compile(r"#(\d+)")


def _load(script: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(script.read_text(encoding="utf-8"))
    return data


def _in(language: str, value: Any) -> Any:
    return value[language] if isinstance(value, dict) and language in value else value


async def _seed(lotse: Lotse, slots: list[dict[str, Any]]) -> tuple[int, list[Slot]]:
    now = utcnow().replace(second=0, microsecond=0)
    async with lotse.sessions() as session, session.begin():
        counsellor = await add_counsellor(
            session=session, email="anna@example.org", name="Anna Schmidt", languages=LANGUAGES,
            region="dortmund", password="correct horse battery staple",
        )  # fmt: skip
        made = []
        for spec in slots:
            starts = now + dt.timedelta(hours=float(spec["in_hours"]))
            made.append(
                Slot(
                    counsellor_id=counsellor.id, starts_at=starts,
                    ends_at=starts + dt.timedelta(minutes=45), mode=spec["mode"],
                    address=spec.get("address"), video_url=spec.get("video_url"),
                )
            )  # fmt: skip
        session.add_all(made)
        await session.flush()
        return counsellor.id, made


async def _counsellor(
    lotse: Lotse, counsellor_id: int, action: dict[str, Any], ids: list[int]
) -> None:
    async with lotse.sessions() as session, session.begin():
        lead = (await session.execute(select(Lead))).scalar_one()
        if "cancel" in action:
            assert await queries.cancel(session=session, lead=lead, actor="counsellor:1")
            return
        if lead.status == "new":
            assert await queries.claim(
                session=session, lead_id=lead.id, counsellor_id=counsellor_id, region="dortmund"
            )
            await session.refresh(lead)
        slot_id = ids[int(action["schedule"]) - 1]
        assert await queries.schedule(
            session=session, lead=lead, slot_id=slot_id, counsellor_id=counsellor_id
        )


async def _reminders_due(lotse: Lotse) -> None:
    async with lotse.sessions() as session, session.begin():
        for note in (await session.execute(select(Notification))).scalars():
            if note.kind == "reminder" and note.sent_at is None:
                note.due_at = utcnow() - dt.timedelta(minutes=1)


async def _booked(lotse: Lotse) -> list[int]:
    async with lotse.sessions() as session:
        return list((await session.execute(select(Booking.slot_id))).scalars())


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
async def test_appointment_script(
    script: Path, language: str, client: httpx.AsyncClient, lotse: Lotse, content: Content
) -> None:
    data = _load(script)
    counsellor_id, slots = await _seed(lotse, data.get("slots", []))
    ids = [s.id for s in slots]
    translator = content.catalogs.translator(language)
    times = [translator.datetime(s.starts_at) for s in slots]

    def expand(value: str) -> str:
        value = _WHEN.sub(lambda m: times[int(m[1]) - 1], value)
        return _SLOT.sub(lambda m: str(ids[int(m[1]) - 1]), value)

    session: str | None = None
    for number, step in enumerate(data["steps"], start=1):
        answer: dict[str, Any] | None = None
        if "start" in step:
            body: dict[str, Any] = {"session": None, "language": language}
        elif "choice" in step:
            body = {"session": session, "choice": expand(_in(language, step["choice"]))}
        elif "text" in step:
            body = {"session": session, "text": expand(_in(language, step["text"]))}
        elif "counsellor" in step:
            await _counsellor(lotse, counsellor_id, step["counsellor"], ids)
            body = {}
        elif step.get("due") == "reminders":
            await _reminders_due(lotse)
            body = {}
        elif step.get("poll"):
            polled = await client.post("/api/chat/notifications", json={"session": session})
            assert polled.status_code == 200, polled.text
            answer = polled.json()
            body = {}
        else:
            raise AssertionError(f"{script.name} step {number}: unknown step {step}")
        if body:
            response = await client.post("/api/chat", json=body)
            assert response.status_code == 200, response.text
            answer = response.json()
            session = answer["session"]
            assert answer["language"] == language
        expect = step.get("expect") or {}
        if answer is not None:
            shown = "\n".join(m["text"] for m in answer["messages"])
            offered = [o["id"] for m in answer["messages"] for o in m["options"]]
            where = f"{script.name} step {number} ({language}): {shown!r} {offered}"
            for fragment in _in(language, expect.get("contains", [])):
                assert expand(fragment) in shown, f"missing {expand(fragment)!r} in {where}"
            for fragment in _in(language, expect.get("not_contains", [])):
                assert expand(fragment) not in shown, f"unexpected {expand(fragment)!r} in {where}"
            for option in expect.get("options", []):
                assert expand(option) in offered, f"option {expand(option)!r} not in {where}"
            for option in expect.get("not_options", []):
                assert expand(option) not in offered, f"option {expand(option)!r} in {where}"
        if "booked" in expect:
            wanted = [] if expect["booked"] == "none" else [ids[int(expect["booked"]) - 1]]
            assert await _booked(lotse) == wanted, f"{script.name} step {number}: booking"
