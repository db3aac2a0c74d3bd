"""Recording: one upsert per counted event and none otherwise, rollback, races, what is counted."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.config import PROJECT_ROOT
from bot.engine import Choice, Resume, Start, Text
from bot.engine.loader import load_dialogs
from bot.handover.retention import purge
from bot.reports import kinds, record
from bot.service import Lotse
from bot.store.models import Lead, ReportCount


@contextmanager
def statements(lotse: Lotse) -> Iterator[list[str]]:
    """The SQL statements that touch report_counts while the block runs."""
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "report_counts" in statement:
            seen.append(statement)

    event.listen(lotse.db.sync_engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(lotse.db.sync_engine, "before_cursor_execute", before)


async def counts(lotse: Lotse) -> dict[tuple[str, str], int]:
    async with lotse.sessions() as session:
        rows = (await session.execute(select(ReportCount))).scalars().all()
    found: dict[tuple[str, str], int] = {}
    for r in rows:
        found[(r.kind, r.detail)] = found.get((r.kind, r.detail), 0) + r.count
    return found


async def test_one_statement_per_counted_event_and_none_otherwise(lotse: Lotse) -> None:
    with statements(lotse) as seen:
        await lotse.handle(channel="web", user_key="u1", events=[Start(language="de")])
    assert len(seen) == 1
    assert seen[0].lstrip().upper().startswith("INSERT")
    with statements(lotse) as seen:
        await lotse.handle(channel="web", user_key="u1", events=[Resume()])
        await lotse.handle(channel="web", user_key="u1", events=[Choice("exam")])
    assert seen == []  # no figure changed: not a single extra round trip
    with statements(lotse) as seen:
        # One message, three counts (the answer, its topic, and the one before): one upsert.
        await lotse.handle(
            channel="web", user_key="u2",
            events=[Start(language="de", silent=True), Text("Was kostet die Externenprüfung?")],
        )  # fmt: skip
    assert len(seen) == 1
    found = await counts(lotse)
    assert found[(kinds.CONVERSATION, "")] == 2
    assert found[(kinds.ANSWER, "exam_fees")] == 1
    assert found[(kinds.TOPIC, "external_exam")] == 1


async def test_a_rolled_back_transaction_counts_nothing(lotse: Lotse) -> None:
    async def crash() -> None:
        async with lotse.sessions() as session, session.begin():
            record.note(session, kinds.HANDOVER, channel="web", language="de", region="dortmund")
            assert record.pending(session)
            raise RuntimeError("a crash before the commit")

    with pytest.raises(RuntimeError):
        await crash()
    async with lotse.sessions() as session, session.begin():
        record.note(session, kinds.KOMPASS, channel="web", language="tr", region="dortmund")
    assert await counts(lotse) == {(kinds.KOMPASS, ""): 1}


async def test_concurrent_conversations_are_all_counted(lotse: Lotse) -> None:
    async def start(i: int) -> None:
        language = ("de", "tr", "ru")[i % 3]
        await lotse.handle(channel="web", user_key=f"race-{i}", events=[Start(language=language)])

    await asyncio.gather(*(start(i) for i in range(24)))
    async with lotse.sessions() as session:
        rows = (await session.execute(select(ReportCount))).scalars().all()
    assert {(r.language, r.count) for r in rows} == {("de", 8), ("tr", 8), ("ru", 8)}


async def test_counts_land_on_the_day_they_happen(
    lotse: Lotse, monkeypatch: pytest.MonkeyPatch
) -> None:
    days = (dt.date(2026, 11, 2), dt.date(2026, 11, 2), dt.date(2026, 11, 10))
    for i, day in enumerate(days):
        monkeypatch.setattr(record, "today", lambda day=day: day)
        await lotse.handle(channel="telegram", user_key=str(i), events=[Start(language="ru")])
    async with lotse.sessions() as session:
        rows = (await session.execute(select(ReportCount.day, ReportCount.count))).all()
    assert sorted((day, n) for day, n in rows) == [
        (dt.date(2026, 11, 2), 2), (dt.date(2026, 11, 10), 1),
    ]  # fmt: skip


def test_each_result_line_belongs_to_exactly_one_result_node() -> None:
    dialogs = load_dialogs(PROJECT_ROOT / "dialogs")
    for line, result in kinds.RESULT_LINES.items():
        owners = [n.key for n in dialogs.nodes.values() if line in n.say]
        assert len(owners) == 1, (line, owners)
        assert dialogs.nodes[owners[0]].result, owners
        assert result in kinds.RESULT_NAMES
        assert kinds.RESULT_TOPICS[result] == owners[0].split(".")[0]
    # Every result of the three decision trees is counted.
    for key, node in dialogs.nodes.items():
        if node.result and key.split(".")[0] in ("external_exam", "recognition", "funding"):
            assert set(node.say) & set(kinds.RESULT_LINES), key


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(0, kinds.SAME_DAY), (1, kinds.DAYS_1_2), (2, kinds.DAYS_1_2), (3, kinds.DAYS_3_7),
     (7, kinds.DAYS_3_7), (8, kinds.LATER), (40, kinds.LATER)],
)  # fmt: skip
def test_first_contact_buckets(days: int, bucket: str) -> None:
    handed_over = dt.date(2026, 11, 27)
    assert kinds.bucket(handed_over, handed_over + dt.timedelta(days=days)) == bucket


async def test_retention_purge_leaves_the_counts(lotse: Lotse) -> None:
    await lotse.handle(
        channel="web", user_key="old", events=[Start(language="tr"), Text("/human"),
                                               Choice("agree")],
    )  # fmt: skip
    before = await counts(lotse)
    assert before[(kinds.CONSENT, "handover")] == 1
    async with lotse.sessions() as session, session.begin():
        await purge(
            session=session, retention_days=1, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
        )
    async with lotse.sessions() as session:
        assert (await session.execute(select(Lead))).first() is None
    assert await counts(lotse) == before
