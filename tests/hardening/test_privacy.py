"""Issue 10, points 1–2: no personal data in logs or error answers; an erasure erases for real."""

from __future__ import annotations

import datetime as dt
import io
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.channels.telegram import _inbox
from bot.service import Lotse
from bot.store.models import Counsellor, TelegramOutgoing, TelegramUpdate

from .conftest import (
    CANARY_EMAIL,
    CANARY_NAME,
    CANARY_PHONE,
    CONTACT_EVENTS,
    ERASE_EVENTS,
    Log,
    dump,
    give_contact,
)

CANARIES = (CANARY_NAME, CANARY_EMAIL, CANARY_PHONE, "+4915198765432", "Zyxwerta", "zyxwerta")


def assert_clean(*texts: str) -> None:
    for text in texts:
        for canary in CANARIES:
            assert canary not in text, f"{canary!r} leaked"


# -- point 1: failures of every kind ------------------------------------------------------------


REFUSED_BODIES = [
    # A lone surrogate made FastAPI's default handler echo the input and fail: a 500.
    f'{{"text": "{CANARY_NAME}, {CANARY_PHONE}, {CANARY_EMAIL} \\ud800"}}',
    f'{{"text": "{CANARY_NAME}", "language": "{CANARY_EMAIL}"}}',
    f'{{"session": "{CANARY_NAME}", "text": "x"}}',
    f'{{"text": "{CANARY_NAME} {"x" * 4000}"}}',
    f'{{"text": ["{CANARY_NAME}"]}}',
    f'{{"text": "{CANARY_NAME}" ',
]


async def test_a_refused_request_echoes_nothing(
    client: httpx.AsyncClient, written_log: Log
) -> None:
    for body in REFUSED_BODIES:
        response = await client.post(
            "/api/chat", content=body.encode(), headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, body
        assert response.json()["detail"]  # where and why, for the web chat and API users
        assert_clean(response.text, written_log.text)


async def test_an_unexpected_exception_is_a_plain_500_and_logged_without_data(
    client: httpx.AsyncClient, lotse: Lotse, written_log: Log, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(**_kwargs: Any) -> Any:
        raise RuntimeError(f"could not greet {CANARY_NAME} at {CANARY_EMAIL}")

    monkeypatch.setattr(lotse, "handle", broken)
    response = await client.post("/api/chat", json={"text": CANARY_NAME})
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error"}
    assert "RuntimeError" in written_log.text  # the log still says what failed, and where
    assert "test_privacy.py" in written_log.text
    assert_clean(response.text, written_log.text)


async def test_a_database_failure_is_logged_without_data(
    client: httpx.AsyncClient, lotse: Lotse, written_log: Log, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real constraint violation: PostgreSQL's message quotes the value ("Key (email)=(…)")."""

    async def duplicate(**_kwargs: Any) -> Any:
        for _ in range(2):
            async with lotse.sessions() as db, db.begin():
                db.add(
                    Counsellor(
                        email=CANARY_EMAIL, name=CANARY_NAME, password_hash="x", languages=["de"],
                        region="dortmund", role="counsellor", active=True,
                    )
                )  # fmt: skip

    monkeypatch.setattr(lotse, "handle", duplicate)
    response = await client.post("/api/chat", json={"text": "hallo"})
    assert response.status_code == 500
    assert "IntegrityError" in written_log.text
    assert_clean(response.text, written_log.text)


def test_any_log_call_with_an_exception_withholds_its_message(written_log: Log) -> None:
    log = logging.getLogger("lotse.test.hardening")
    try:
        try:
            raise KeyError(CANARY_NAME)
        except KeyError as error:
            raise ValueError(f"contact {CANARY_EMAIL}, {CANARY_PHONE}") from error
    except ValueError:
        log.exception("handling failed for %s", CANARY_EMAIL)
    assert "ValueError: <message withheld>" in written_log.text
    assert "KeyError: <message withheld>" in written_log.text
    assert "direct cause" in written_log.text
    assert "<e-mail>" in written_log.text
    assert_clean(written_log.text)


# -- point 2: every file of the database --------------------------------------------------------


def database_files(url: str) -> dict[str, bytes]:
    main = Path(str(make_url(url).database))
    files = {name: Path(f"{main}{name}") for name in ("", "-wal", "-shm", "-journal")}
    return {name or "main": path.read_bytes() for name, path in files.items() if path.exists()}


def found_in_files(url: str) -> list[str]:
    hits = []
    for name, data in database_files(url).items():
        for canary in CANARIES:
            if canary.encode() in data:
                hits.append(f"{canary} in {name} ({data.count(canary.encode())}×)")
    return hits


async def test_erasure_leaves_no_byte_in_any_sqlite_file(lotse: Lotse, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("a byte search applies to SQLite's files (PostgreSQL: the dump test below)")
    for _ in range(3):  # more history in the write-ahead log
        await give_contact(lotse, "canary")
    assert found_in_files(database_url)  # the search does find what is there
    await lotse.handle(channel="web", user_key="canary", events=ERASE_EVENTS)
    assert found_in_files(database_url) == []
    assert_clean(await dump(lotse))
    assert len(database_files(database_url).get("-wal", b"")) == 0  # checkpointed, truncated
    # The connection settings behind it: overwritten deletes, a bounded log.
    async with lotse.db.connect() as connection:
        assert (await connection.exec_driver_sql("PRAGMA secure_delete")).scalar() == 1
        limit = (await connection.exec_driver_sql("PRAGMA journal_size_limit")).scalar()
        assert 0 < limit <= 16 * 1024 * 1024


async def test_erasure_clears_the_telegram_inbox_and_outbox(lotse: Lotse) -> None:
    """The chat's answered updates keep only their bare update_id; nothing names the chat."""
    chat = 987654321
    first_id = 500_000
    texts = [e.text if hasattr(e, "text") else "" for e in CONTACT_EVENTS]
    async with lotse.sessions() as db, db.begin():
        for offset, said in enumerate(texts):
            update_id = first_id + offset
            payload = {
                "update_id": update_id,
                "message": {
                    "message_id": offset, "date": 0, "text": said,
                    "chat": {"id": chat, "type": "private", "first_name": CANARY_NAME},
                    "from": {"id": chat, "is_bot": False, "first_name": CANARY_NAME},
                },
            }  # fmt: skip
            await _inbox.store(session=db, payload=payload)
            await _inbox.mark_handled(session=db, update_id=update_id, calls=[])
            if offset < len(texts) - 1:
                await _inbox.mark_done(session=db, update_id=update_id)
        # An answered update whose reply waits in the outbox (done rows from before this fix,
        # too, still carry the chat id: the erasure clears them).
        db.add(
            TelegramUpdate(
                update_id=first_id - 1, chat_id=chat, status="done",
                payload={"message": {"text": CANARY_EMAIL}},
                received_at=dt.datetime.now(dt.UTC),
            )
        )  # fmt: skip
    await give_contact(lotse, str(chat), channel="telegram")
    await lotse.handle(channel="telegram", user_key=str(chat), events=ERASE_EVENTS)
    # The update that asked for the erasure is answered and done like any other.
    async with lotse.sessions() as db, db.begin():
        await _inbox.mark_done(session=db, update_id=first_id + len(texts) - 1)
    async with lotse.sessions() as db:
        rows = (await db.execute(select(TelegramUpdate))).scalars().all()
        outbox = (await db.execute(select(TelegramOutgoing))).scalars().all()
    assert {r.update_id for r in rows} == {first_id - 1, *range(first_id, first_id + len(texts))}
    assert all(r.chat_id is None and r.payload == {} for r in rows)
    assert outbox == []
    everything = await dump(lotse)
    assert_clean(everything)
    # Only the new, empty conversation the chat goes on with knows the chat (to answer it).
    naming = [line for line in everything.splitlines() if str(chat) in line]
    assert len(naming) == 1
    assert naming[0].startswith("conversations:")
    assert CANARY_NAME not in naming[0]


def test_a_record_seen_by_two_redacting_handlers_keeps_its_traceback(
    written_log: Log,
) -> None:
    """A second handler (a command run in the same process adds one) must not blank the
    traceback the first one already cleaned."""
    from bot.logs import handler

    extra = handler(io.StringIO())
    root = logging.getLogger()
    root.handlers.insert(0, extra)
    try:
        try:
            raise RuntimeError(CANARY_EMAIL)
        except RuntimeError:
            logging.getLogger("lotse.test.hardening").exception("failed")
    finally:
        root.removeHandler(extra)
    assert "RuntimeError: <message withheld>" in written_log.text
    assert "Traceback" in written_log.text
    assert_clean(written_log.text)
