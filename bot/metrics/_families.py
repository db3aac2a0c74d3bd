"""The metrics Lotse keeps while it runs; the queue depths are read at scrape time instead.

Every call site is one line (``metrics.UPDATES.labels("web").inc()``), so instrumenting a module
costs nothing to read. In multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``) the values live in
memory-mapped files of each process and a scrape adds them up (``bot.metrics.exposition``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import Counter, Histogram, disable_created_metrics
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

# No ``*_created`` series: multiprocess mode has none either, so one worker or many look alike.
_disable_created: Callable[[], None] = disable_created_metrics  # unannotated in the library
_disable_created()
UPDATES = Counter(
    "lotse_updates_received",
    "Incoming messages and button presses accepted (Telegram: stored in the inbox, not duplicates)",
    ["channel"],
)
ANSWERS = Counter(
    "lotse_answers_sent",
    "Incoming messages answered (web: the response; Telegram: every reply of the update made)",
    ["channel"],
)
LATENCY = Histogram(
    "lotse_reply_latency_seconds",
    "From an incoming message to its answer (Telegram: stored -> last reply made; web: request)",
    ["channel"],
    # Telegram replies can wait out rate limits and outages: the upper buckets count those.
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800),
)
TELEGRAM_REDELIVERED = Counter(
    "lotse_telegram_redelivered",
    "Telegram updates delivered again though already stored (an earlier answer to Telegram was "
    "lost or not 200)",
)
TELEGRAM_API_ERRORS = Counter(
    "lotse_telegram_api_errors",
    "Failed Bot API calls by kind: refused (4xx), server_error (5xx), unreachable (no "
    "connection), unknown_outcome (no answer: maybe carried out); 429s are counted apart",
    ["kind"],
)
TELEGRAM_RATE_LIMITED = Counter(
    "lotse_telegram_rate_limited",
    "Bot API answers 429 (flood wait): every call of the bot paused for retry_after",
)
TELEGRAM_CALLS = Counter(
    "lotse_telegram_calls",
    "Outbox calls finished, by Bot API method and result (sent, failed, expired, unknown)",
    ["method", "result"],
)
LEADS = Counter(
    "lotse_leads_created", "Leads created (a person asked for a counsellor), committed", ["channel"]
)
BOOKINGS = Counter(
    "lotse_bookings_made",
    "Appointments booked, committed; by the person's channel and who booked (person, counsellor)",
    ["channel", "by"],
)

CHANNELS = ("web", "telegram")
ERROR_KINDS = ("refused", "server_error", "unreachable", "unknown_outcome")
# Every series exists from the start at 0, so that rate() sees the first increment.
for _channel in CHANNELS:
    UPDATES.labels(_channel)
    ANSWERS.labels(_channel)
    LATENCY.labels(_channel)
    LEADS.labels(_channel)
for _kind in ERROR_KINDS:
    TELEGRAM_API_ERRORS.labels(_kind)

# Telegram updates since they were stored in this process (update id -> monotonic time): the
# latency then comes from one clock. Bounded: an update finished elsewhere (another worker
# process, after a restart) leaves its entry behind.
_STORED: dict[int, float] = {}
_MAX_TRACKED = 20_000


def received(channel: str) -> float:
    """Count an incoming message; returns its start time for ``answered``."""
    UPDATES.labels(channel).inc()
    return time.perf_counter()


def answered(channel: str, started: float) -> None:
    """Count an answer and its latency since ``received`` returned ``started``."""
    ANSWERS.labels(channel).inc()
    LATENCY.labels(channel).observe(time.perf_counter() - started)


def telegram_received(update_id: int, new: bool = True) -> None:
    """An update reached the inbox: ``new`` when stored now, else it was there already."""
    if not new:
        TELEGRAM_REDELIVERED.inc()
        return
    UPDATES.labels("telegram").inc()
    if len(_STORED) >= _MAX_TRACKED:
        del _STORED[next(iter(_STORED))]
    _STORED[update_id] = time.perf_counter()


def telegram_not_sent(*, unreachable: bool) -> None:
    """A Bot API call certainly not carried out: no connection, or a server error (5xx)."""
    TELEGRAM_API_ERRORS.labels("unreachable" if unreachable else "server_error").inc()


def telegram_answered(update_id: int, received_at: dt.datetime | None = None) -> None:
    """The update is finished, every reply made: count it and its latency.

    The latency runs from ``telegram_received`` in this process; an update stored by another
    process (or before a restart) uses ``received_at`` when given, else has none.
    """
    ANSWERS.labels("telegram").inc()
    started = _STORED.pop(update_id, None)
    if started is not None:
        LATENCY.labels("telegram").observe(time.perf_counter() - started)
    elif received_at is not None:
        if received_at.tzinfo is None:  # SQLite keeps UTC without a zone
            received_at = received_at.replace(tzinfo=dt.UTC)
        waited = (dt.datetime.now(dt.UTC) - received_at).total_seconds()
        LATENCY.labels("telegram").observe(max(0.0, waited))


_PENDING = "lotse_metrics_pending"


def count_on_commit(session: Any, counter: Counter) -> None:
    """Increment ``counter`` (a labelled child) once the session's transaction commits.

    A lead or booking whose transaction rolls back (a lost race, a crash) is not counted.
    ``session`` is a SQLAlchemy ``Session`` or ``AsyncSession``.
    """
    session.info.setdefault(_PENDING, []).append(counter)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for counter in session.info.pop(_PENDING, ()):
        counter.inc()


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:  # the whole transaction, not a savepoint (a lost booking race)
        session.info.pop(_PENDING, None)
