"""Shared set-up of the appointment tests: a counsellor with slots of each mode, a person's chat."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bot.engine import Choice, Event, Start, Text
from bot.handover.counsellors import add_counsellor
from bot.service import Lotse, Outcome
from bot.store.models import Lead, Slot, utcnow

LANGUAGES = ["de", "tr", "ru"]
OFFICE = "Beispielweg 1, 44135 Dortmund"
VIDEO = "https://meet.example.org/lotse-42"
PHONE = "0151 23456789"
PHONE_E164 = "+4915123456789"
# "Wann ist mein Termin?" as people type it.
WHEN_IS_MY_APPOINTMENT = {
    "de": "Wann ist mein Termin?",
    "tr": "Randevum ne zaman?",
    "ru": "Когда моя запись?",
}


@dataclass(frozen=True)
class Seeded:
    counsellor_id: int
    slot_ids: list[int]


async def seed(
    lotse: Lotse,
    modes: Sequence[str] = ("phone", "office", "video"),
    *,
    starts_in: dt.timedelta = dt.timedelta(days=2),
    email: str = "anna@example.org",
) -> Seeded:
    """A counsellor "Anna Schmidt" speaking de/tr/ru with one slot per mode, an hour apart."""
    start = (utcnow() + starts_in).replace(second=0, microsecond=0)
    async with lotse.sessions() as session, session.begin():
        counsellor = await add_counsellor(
            session=session,
            email=email,
            name="Anna Schmidt",
            languages=LANGUAGES,
            region="dortmund",
            password="correct horse battery staple",
        )
        slots = [
            Slot(
                counsellor_id=counsellor.id,
                starts_at=start + dt.timedelta(hours=i),
                ends_at=start + dt.timedelta(hours=i, minutes=45),
                mode=mode,
                address=OFFICE if mode == "office" else None,
                video_url=VIDEO if mode == "video" else None,
            )
            for i, mode in enumerate(modes)
        ]
        session.add_all(slots)
        await session.flush()
        return Seeded(counsellor.id, [s.id for s in slots])


def to_booking(language: str, *, phone: bool = False) -> list[Event]:
    """Consent, a name, how to be reached (this chat, or a phone number), any time."""
    reach: list[Event] = [Choice("phone"), Text(PHONE)] if phone else [Choice("chat")]
    return [
        Start(language=language),
        Text("/human"),
        Choice("agree"),
        Text("Name Nachname"),
        *reach,
        Choice("anytime"),
    ]


async def say(lotse: Lotse, user: str, *events: Event) -> Outcome:
    return await lotse.handle(channel="web", user_key=user, events=list(events))


def text(outcome: Outcome) -> str:
    return "\n".join(m.text for m in outcome.messages)


def option_ids(outcome: Outcome) -> list[str]:
    return [o.id for m in outcome.messages for o in m.options]


def labels(outcome: Outcome) -> dict[str, str]:
    return {o.id: o.label for m in outcome.messages for o in m.options}


async def the_lead(lotse: Lotse) -> Lead:
    async with lotse.sessions() as session:
        return (await session.execute(select(Lead))).scalar_one()


async def slot(lotse: Lotse, slot_id: int) -> Slot:
    async with lotse.sessions() as session:
        found = await session.get(Slot, slot_id)
    assert found is not None
    return found


def aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def tr(content: Any, language: str, message_id: str) -> str:
    """A catalog text, for comparing with what was shown."""
    text_: str = content.catalogs.translator(language).text(message_id)
    return text_
