"""The cost of one Telegram update in SQL: counted at the engine, bounded per database.

A text update in a running conversation is stored (its own short transaction, so the webhook
can answer), answered in one transaction (claim, state, outbox) and finished in one more after
its reply went out. Background rounds (heartbeat, sweep) are left out of the count.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from bot.service import Lotse
from tests.telegram.conftest import FAST, running

# The bound this test holds the hot path to (PostgreSQL adds its two advisory locks, and the
# shared send budget's one statement per message; SQLite needs two statements to finish).
MOST_STATEMENTS = 10
QUIET = dataclasses.replace(FAST, heartbeat=3600.0, sweep_every=3600.0)
# Background rounds write or read only their leases; transaction control is not a statement.
_BACKGROUND = ("INSERT INTO job_leases", "DELETE FROM job_leases")
_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")


@contextmanager
def counting(lotse: Lotse) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        flat = " ".join(statement.split())
        if not flat.startswith(_BACKGROUND + _CONTROL):
            statements.append(flat)

    target = lotse.db.sync_engine
    event.listen(target, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(target, "before_cursor_execute", count)


async def test_a_text_update_costs_at_most_ten_statements(
    database_url: str, lotse: Lotse, bot_api: Any
) -> None:
    async with running(database_url, lotse, bot_api, tuning=QUIET) as tg:
        chat = 7301
        await tg.send(tg.message(chat, "/start"))
        await tg.send(tg.message(chat, "Hallo"))  # the conversation exists and has moved on
        before = len(tg.api.of("sendMessage", chat))
        with counting(lotse) as statements:
            await tg.send(tg.message(chat, "Ich arbeite seit fünf Jahren als Koch"))
            await asyncio.sleep(0)
        assert len(tg.api.of("sendMessage", chat)) > before  # it was answered
        listing = "\n".join(s[:120] for s in statements)
        assert len(statements) <= MOST_STATEMENTS, f"{len(statements)} statements:\n{listing}"
        # One transaction answers it: the state and the outbox are written together.
        assert sum("UPDATE conversations" in s for s in statements) == 1, listing
        assert sum("INSERT INTO telegram_outbox" in s for s in statements) == 1, listing


async def test_an_update_reads_the_conversation_once(
    database_url: str, lotse: Lotse, bot_api: Any
) -> None:
    """No extra read of the state before the answer's transaction (it used to read it twice)."""
    async with running(database_url, lotse, bot_api, tuning=QUIET) as tg:
        chat = 7302
        await tg.send(tg.message(chat, "/start"))
        with counting(lotse) as statements:
            await tg.send(tg.message(chat, "/help"))
        reads = [s for s in statements if s.startswith("SELECT") and "FROM conversations" in s]
        assert len(reads) == 1, "\n".join(s[:120] for s in statements)
