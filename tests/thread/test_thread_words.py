"""The person's own words on the lead (after consent only), and erasure and retention of
everything said on a lead."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import func, select, text, update

from bot.engine import Choice, Event, Start, Text
from bot.handover.retention import purge
from bot.service import Lotse
from bot.store.models import Base, Consent, Lead, LeadMessage, Notification, utcnow
from bot.thread import words
from tests.thread.conftest import counsellor, rows, thread_notifications, to_lead, write

QUESTIONS = ("Wie lange dauert die Anerkennung?", "Was kostet die Prüfung?")


async def dump(lotse: Lotse, *, without: str = "") -> str:
    """Every row of every table (but ``without``), as text."""
    found: list[str] = []
    async with lotse.sessions() as db:
        for table in Base.metadata.sorted_tables:
            if table.name != without:
                result = await db.execute(text(f"SELECT * FROM {table.name}"))
                found += [str(tuple(row)) for row in result]
    return "\n".join(found)


async def test_own_words_reach_the_lead_with_consent(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    lead_id = await to_lead(lotse, "words", asked=(QUESTIONS[0], "Danke", QUESTIONS[1]))
    asked = await rows(lotse, lead_id=lead_id, kind="asked")
    assert [r.text for r in asked] == list(QUESTIONS)  # questions; not "Danke", not the name
    assert all(r.topic for r in asked)  # with the topic understood
    async with lotse.sessions() as db:
        consent = (await db.execute(select(Consent))).scalar_one()
    assert consent.version == "v3"
    # A question typed later goes to the lead at once; button presses never do.
    await lotse.handle(channel="web", user_key="words", events=[Text("Gibt es Geld vom Staat?")])
    await lotse.handle(channel="web", user_key="words", events=[Text("/menu")])
    asked = await rows(lotse, lead_id=lead_id, kind="asked")
    assert [r.text for r in asked][-1] == "Gibt es Geld vom Staat?"
    assert len(asked) == 3
    anna = await counsellor(lotse, client, lead_id, "anna@example.org")
    page = await client.get(f"/dashboard/leads/{lead_id}", headers=anna.headers)
    assert "In eigenen Worten" in page.text
    for question in QUESTIONS:
        assert question in page.text


async def test_the_consent_text_names_the_questions(lotse: Lotse) -> None:
    for language, word in (("de", "Fragen"), ("tr", "sorular"), ("ru", "вопросы")):
        outcome = await lotse.handle(
            channel="web",
            user_key=f"c-{language}",
            events=[Start(language=language), Text("/human")],
        )
        assert word in " ".join(m.text for m in outcome.messages)


async def test_own_words_stay_in_the_state_on_refusal(lotse: Lotse) -> None:
    await lotse.handle(
        channel="web",
        user_key="shy",
        events=[Start(language="de"), Text(QUESTIONS[0]), Text("/human"), Choice("refuse")],
    )
    await lotse.handle(channel="web", user_key="shy", events=[Text(QUESTIONS[1])])
    async with lotse.sessions() as db:
        assert (await db.execute(select(func.count(LeadMessage.id)))).scalar_one() == 0
        assert (await db.execute(select(func.count(Lead.id)))).scalar_one() == 0
    state = await lotse.current_state(channel="web", user_key="shy")
    assert state is not None
    assert [entry[0] for entry in state.asked] == list(QUESTIONS)
    assert QUESTIONS[0] not in await dump(lotse, without="conversations")


async def test_the_state_keeps_a_bounded_number_of_short_questions(lotse: Lotse) -> None:
    await lotse.handle(channel="web", user_key="many", events=[Start(language="de")])
    long = "Wie lange dauert die Anerkennung " + "sehr " * 200 + "?"
    events: list[Event] = [Text(f"Was kostet die Prüfung Nummer {i}?") for i in range(25)]
    events.append(Text(long))
    await lotse.handle(channel="web", user_key="many", events=events)
    state = await lotse.current_state(channel="web", user_key="many")
    assert state is not None
    assert len(state.asked) == words.KEPT
    assert len(state.asked[-1][0] or "") == words.MAX_CHARS
    assert state.asked[0][0] == "Was kostet die Prüfung Nummer 6?"


async def test_erasure_removes_the_conversation_with_the_counsellor(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    lead_id = await to_lead(lotse, "gone", asked=QUESTIONS)
    anna = await counsellor(lotse, client, lead_id, "anna@example.org")
    await write(client, anna, lead_id, "Kanarienvogel-Nachricht der Beraterin")
    await lotse.handle(channel="web", user_key="gone", events=[Text("Kanarienvogel-Antwort")])
    assert len(await rows(lotse, lead_id=lead_id)) > 3
    await lotse.handle(channel="web", user_key="gone", events=[Text("/delete"), Choice("confirm")])
    assert await rows(lotse) == []
    assert await thread_notifications(lotse) == []
    everything = await dump(lotse)
    for canary in ("Kanarienvogel-Nachricht", "Kanarienvogel-Antwort", QUESTIONS[0]):
        assert canary not in everything


async def test_retention_takes_the_messages_with_the_lead(
    client: httpx.AsyncClient, lotse: Lotse
) -> None:
    lead_id = await to_lead(lotse, "old", asked=QUESTIONS)
    anna = await counsellor(lotse, client, lead_id, "anna@example.org")
    await write(client, anna, lead_id, "Alte Nachricht")
    long_ago = utcnow() - dt.timedelta(days=lotse.settings.retention_days + 1)
    async with lotse.sessions() as db, db.begin():
        await db.execute(
            update(Lead).where(Lead.id == lead_id).values(status="done", updated_at=long_ago)
        )
    async with lotse.sessions() as db, db.begin():
        report = await purge(session=db, retention_days=lotse.settings.retention_days)
    assert report.leads == 1
    assert await rows(lotse) == []
    async with lotse.sessions() as db:
        kinds = (await db.execute(select(Notification.kind))).scalars().all()
    assert "thread" not in kinds
