"""Prometheus metrics: counters and histograms the code keeps, queue depths read at scrape time.

Call sites are one line each: ``metrics.UPDATES.labels("web").inc()``,
``metrics.count_on_commit(session, metrics.LEADS.labels(channel))``. ``/metrics`` is served by
``bot.metrics.exposition`` (on the app behind ``LOTSE_METRICS_TOKEN``, or on
``LOTSE_METRICS_PORT``). The list of metrics is in docs/metrics.md.

Several workers: ``prepare_multiprocess(var_dir)`` in the parent before they start, and
``mark_dead(pid)`` when one of them died.
"""

from __future__ import annotations

from bot.metrics._families import (
    ANSWERS,
    BOOKINGS,
    LATENCY,
    LEADS,
    TELEGRAM_API_ERRORS,
    TELEGRAM_CALLS,
    TELEGRAM_RATE_LIMITED,
    TELEGRAM_REDELIVERED,
    UPDATES,
    answered,
    count_on_commit,
    received,
    telegram_answered,
    telegram_not_sent,
    telegram_received,
)
from bot.metrics._multiprocess import mark_dead, multiprocess_dir, prepare_multiprocess

__all__ = [
    "ANSWERS",
    "BOOKINGS",
    "LATENCY",
    "LEADS",
    "TELEGRAM_API_ERRORS",
    "TELEGRAM_CALLS",
    "TELEGRAM_RATE_LIMITED",
    "TELEGRAM_REDELIVERED",
    "UPDATES",
    "answered",
    "count_on_commit",
    "mark_dead",
    "multiprocess_dir",
    "prepare_multiprocess",
    "received",
    "telegram_answered",
    "telegram_not_sent",
    "telegram_received",
]
