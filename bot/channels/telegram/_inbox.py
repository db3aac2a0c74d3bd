"""The durable inbox and outbox of Telegram updates (tables ``telegram_updates``/``_outbox``).

Outbox rows: ``queued`` -> ``sending`` (committed with a fresh attempt id before the Bot API call)
-> ``sent`` (Telegram's message id recorded in the same transaction) or ``dropped``. The rows of an
update are deleted in one statement when the update is done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.channels.telegram._render import Outgoing
from bot.store import leases
from bot.store.models import TelegramOutgoing, TelegramUpdate

PENDING = "pending"  # stored, not yet answered
HANDLED = "handled"  # answered: the replies wait in the outbox
DONE = "done"  # all replies made (or given up); the payload is cleared
OPEN = (PENDING, HANDLED)

QUEUED = "queued"  # not yet tried
SENDING = "sending"  # an attempt may be in flight: its outcome is not recorded
SENT = "sent"  # made; ``message_id`` holds Telegram's id when the call returns a message
DROPPED = "dropped"  # given up (refused, too many real failures, or past the deadline)
UNKNOWN = "unknown"  # the request may have reached Telegram without an answer: not repeated
UNFINISHED = (QUEUED, SENDING)

# Advisory locks of the Telegram chats on PostgreSQL (two-key form; other locks use other keys).
_CHAT_LOCKS = 0x7467

_CHAT_PATHS = (
    ("message", "chat"),
    ("edited_message", "chat"),
    ("channel_post", "chat"),
    ("edited_channel_post", "chat"),
    ("business_message", "chat"),
    ("my_chat_member", "chat"),
    ("chat_member", "chat"),
    ("chat_join_request", "chat"),
    ("callback_query", "message", "chat"),
    ("callback_query", "from"),
)


async def _run(session: AsyncSession, statement: Any, params: Any = None) -> Any:
    """Execute a write on the session's connection, in its transaction, as Core: the ORM's
    statement machinery (bulk persistence, synchronizing loaded objects) cost a good share of
    the hot path's CPU, and no caller reads a loaded object these writes change."""
    connection = await session.connection()
    return await connection.execute(statement, params)


def chat_of(payload: Mapping[str, Any]) -> int | None:
    """The chat an update belongs to, read from the raw JSON (updates of a chat run in order)."""
    for path in _CHAT_PATHS:
        node: Any = payload
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        if isinstance(node, Mapping) and isinstance(node.get("id"), int):
            return int(node["id"])
    return None


def _lock_key(chat_id: int) -> int:
    """A chat id (up to 52 bits) folded into PostgreSQL's signed 32-bit lock key."""
    folded = (chat_id ^ (chat_id >> 32)) & 0xFFFFFFFF
    return folded - (1 << 32) if folded >= 1 << 31 else folded


async def store(*, session: AsyncSession, payload: Mapping[str, Any]) -> bool:
    """Insert an update unless its ``update_id`` is known; ``True`` when it is new.

    On PostgreSQL the storing transaction holds the chat's advisory lock in shared mode until it
    commits, so that ``next_update`` (exclusive) of any process waits for it.
    """
    chat_id = chat_of(payload)
    values = {
        "update_id": int(payload["update_id"]),
        "chat_id": chat_id,
        "status": PENDING,
        "payload": dict(payload),
    }
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql" and chat_id is not None:
        # One statement: the row comes from a select that takes the lock first.
        keys = (cast(literal(_CHAT_LOCKS), Integer), cast(literal(_lock_key(chat_id)), Integer))
        lock = select(func.pg_advisory_xact_lock_shared(*keys)).subquery("chat_lock")
        columns = TelegramUpdate.__table__.c
        row = select(*(literal(v, columns[k].type) for k, v in values.items())).select_from(lock)
        statement: Any = pg_insert(TelegramUpdate).from_select(list(values), row)
    else:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(TelegramUpdate).values(**values)
    result = await _run(session, statement.on_conflict_do_nothing())
    return bool(getattr(result, "rowcount", 0))


async def open_chats(*, session: AsyncSession) -> list[int | None]:
    """Chats with updates that are stored but not finished (after a crash or restart)."""
    rows = await session.execute(
        select(TelegramUpdate.chat_id).where(TelegramUpdate.status.in_(OPEN)).distinct()
    )
    return list(rows.scalars())


async def next_update(
    *, session: AsyncSession, chat_id: int | None
) -> tuple[TelegramUpdate, bool] | None:
    """The chat's lowest unfinished update, and whether the worker that claimed it is alive.

    A chat's updates are taken in ``update_id`` order. On PostgreSQL this first takes the
    chat's advisory lock exclusively (released at the end of the transaction): it waits for the
    storing transactions of the chat that are under way in any process, so a lower update
    committed a moment later is not overtaken.
    """
    if chat_id is not None and session.get_bind().dialect.name == "postgresql":
        await _run(
            session,
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": _CHAT_LOCKS, "key": _lock_key(chat_id)},
        )
    chat = (
        TelegramUpdate.chat_id.is_(None) if chat_id is None else TelegramUpdate.chat_id == chat_id
    )
    rows = await session.execute(
        select(TelegramUpdate, leases.alive(session, TelegramUpdate.claimed_by))
        .where(chat, TelegramUpdate.status.in_(OPEN))
        .order_by(TelegramUpdate.update_id)
        .limit(1)
    )
    found = rows.first()
    return (found[0], bool(found[1])) if found is not None else None


@dataclass(frozen=True)
class Queued:
    """An outbox row as the deliverer needs it (read back, or known from its insert)."""

    id: int
    update_id: int
    position: int
    method: str
    params: dict[str, Any]
    status: str
    attempt: str | None
    queued_at: dt.datetime | None


async def mark_handled(
    *,
    session: AsyncSession,
    update_id: int,
    calls: Sequence[Outgoing],
    first: int = 0,
    claim: Claim | None = None,
    attempt: str | None = None,
) -> list[Queued]:
    """Put the replies into the outbox and mark the update answered, in one transaction.

    With ``attempt`` the first call is stored ``sending`` already: the update's transaction
    doubles as the record before that call, which saves a transaction per answer. With
    ``claim`` the update stays claimed by this worker while it delivers.
    """
    now = dt.datetime.now(dt.UTC)  # the reply deadline counts from here (to the microsecond)
    queued = [
        Queued(
            id=0,
            update_id=update_id,
            position=i,
            method=c.method,
            params=c.params,
            status=SENDING if attempt is not None and i == first else QUEUED,
            attempt=attempt if i == first else None,
            queued_at=now,
        )
        for i, c in enumerate(calls, start=first)
    ]
    if queued:
        inserted = await _run(
            session,
            insert(TelegramOutgoing).returning(TelegramOutgoing.id, sort_by_parameter_order=True),
            [{k: v for k, v in vars(q).items() if k != "id"} for q in queued],
        )
        ids = list(inserted.scalars())
        queued = [replace(q, id=id_) for q, id_ in zip(queued, ids, strict=True)]
    values: dict[str, Any] = {"status": HANDLED, "handled_at": func.now()}
    if claim is not None:
        values |= {"claimed_by": claim.worker, "claimed_at": func.now()}
    await _run(
        session,
        update(TelegramUpdate).where(TelegramUpdate.update_id == update_id).values(**values),
    )
    return queued


@dataclass(frozen=True)
class Claim:
    """This worker answers or delivers an update; its heartbeat keeps the claim (``leases``)."""

    worker: str

    def held_by_other(self, row: TelegramUpdate, claimant_alive: bool) -> bool:
        """Does another worker, still alive, work on ``row``?"""
        return row.claimed_by not in (None, self.worker) and claimant_alive


async def take(*, session: AsyncSession, update_id: int, claim: Claim) -> None:
    """Claim an answered update for delivery (after a crash, or a worker that died)."""
    await _run(
        session,
        update(TelegramUpdate)
        .where(TelegramUpdate.update_id == update_id)
        .values(claimed_by=claim.worker, claimed_at=func.now()),
    )


async def stale_chats(*, session: AsyncSession, older_than: dt.timedelta) -> list[int | None]:
    """Chats whose unfinished updates nobody works on: never claimed and older than
    ``older_than`` (the worker that stored them died first), or claimed by a worker whose
    heartbeat has stopped (it died)."""
    now = dt.datetime.now(dt.UTC)
    rows = await session.execute(
        select(TelegramUpdate.chat_id)
        .where(
            TelegramUpdate.status.in_(OPEN),
            or_(
                and_(
                    TelegramUpdate.claimed_by.is_(None),
                    TelegramUpdate.received_at < now - older_than,
                ),
                and_(
                    TelegramUpdate.claimed_by.is_not(None),
                    ~leases.alive(session, TelegramUpdate.claimed_by),
                ),
            ),
        )
        .distinct()
    )
    return list(rows.scalars())


async def outbox(*, session: AsyncSession, update_id: int) -> list[Queued]:
    """The calls of an update that are still to be made (``queued``, or ``sending`` after a
    crash), in order."""
    rows = await session.execute(
        select(
            TelegramOutgoing.id,
            TelegramOutgoing.update_id,
            TelegramOutgoing.position,
            TelegramOutgoing.method,
            TelegramOutgoing.params,
            TelegramOutgoing.status,
            TelegramOutgoing.attempt,
            TelegramOutgoing.queued_at,
        )
        .where(TelegramOutgoing.update_id == update_id, TelegramOutgoing.status.in_(UNFINISHED))
        .order_by(TelegramOutgoing.position)
    )
    return [Queued(*row) for row in rows]


async def mark_sending(*, session: AsyncSession, call_id: int, attempt: str) -> None:
    """Before the Bot API call: from now on the call may be in flight."""
    await _run(session, _SENDING, {"call": call_id, "new_attempt": attempt})


async def record(
    *, session: AsyncSession, call_id: int, attempt: str, status: str, message_id: int | None
) -> None:
    """After the call: its outcome, with Telegram's message id; only for the attempt made."""
    params = {"call": call_id, "made": attempt, "outcome": status, "telegram_id": message_id}
    await _run(session, _RECORD, params)


async def forget_call(*, session: AsyncSession, call_id: int) -> None:
    """A call was made (or given up): it must never be made again."""
    await session.execute(
        update(TelegramOutgoing).where(TelegramOutgoing.id == call_id).values(status=SENT)
    )


async def mark_done(*, session: AsyncSession, update_id: int, chat_id: int | None = None) -> bool:
    """Finished: clear the payload (it holds personal text), the chat id and the claim; keep
    the bare ``update_id`` against duplicates.

    It also tells whether ``chat_id`` has more open updates (stored by any worker), so the
    worker needs no further claim to know. One statement on PostgreSQL.
    """
    params = {"finished": update_id, "chat": chat_id}
    if session.get_bind().dialect.name == "postgresql":
        found = (await _run(session, _FINISH_ON_POSTGRESQL, params)).scalar()
    else:
        await _run(session, _FORGET_CALLS, params)
        await _run(session, _CLEAR, params)
        found = (await _run(session, _ANY_MORE, params)).scalar() if chat_id is not None else False
    return bool(found) and chat_id is not None


# The statements of every update, built once: building them (an alias, an exists, a CTE) and
# computing their cache keys cost more than running them. Parameters are named apart from
# the columns the statements set.
_SENDING = (
    update(TelegramOutgoing)
    .where(TelegramOutgoing.id == bindparam("call"))
    .values(status=SENDING, attempt=bindparam("new_attempt"))
)
_RECORD = (
    update(TelegramOutgoing)
    .where(TelegramOutgoing.id == bindparam("call"), TelegramOutgoing.attempt == bindparam("made"))
    .values(status=bindparam("outcome"), message_id=bindparam("telegram_id"))
)
_FORGET_CALLS = delete(TelegramOutgoing).where(TelegramOutgoing.update_id == bindparam("finished"))
_CLEAR = (
    update(TelegramUpdate)
    .where(TelegramUpdate.update_id == bindparam("finished"))
    .values(status=DONE, payload={}, chat_id=None, claimed_by=None, claimed_at=None)
)
_OTHER = aliased(TelegramUpdate)
_MORE = (
    select(_OTHER.update_id)
    .where(
        _OTHER.chat_id == bindparam("chat"),
        _OTHER.status.in_(OPEN),
        _OTHER.update_id != bindparam("finished"),
    )
    .exists()
)
_ANY_MORE = select(_MORE)
_FINISH_ON_POSTGRESQL = _CLEAR.add_cte(
    _FORGET_CALLS.returning(TelegramOutgoing.id).cte("gone")
).returning(_MORE)


async def purge(*, session: AsyncSession, older_than: dt.timedelta) -> int:
    """Forget finished updates that Telegram can no longer deliver again (it keeps them 24 h)."""
    cutoff = dt.datetime.now(dt.UTC) - older_than
    result = await session.execute(
        delete(TelegramUpdate).where(
            TelegramUpdate.status == DONE, TelegramUpdate.received_at < cutoff
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
