"""Several worker processes: prometheus_client's multiprocess mode, one directory per start.

Each process writes its values to memory-mapped files in ``PROMETHEUS_MULTIPROC_DIR``; a scrape
of any worker adds up the files of all. The variable must be set before a worker imports
prometheus_client, so ``lotse run`` calls ``prepare_multiprocess`` before it starts them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from prometheus_client import multiprocess

log = logging.getLogger(__name__)

ENVIRONMENT = "PROMETHEUS_MULTIPROC_DIR"
DIRECTORY = "metrics"
# prometheus_client leaves this one unannotated: typed here once.
_mark_process_dead: Callable[[int, str], None] = multiprocess.mark_process_dead


def multiprocess_dir() -> Path | None:
    """The directory of multiprocess mode, or None when each process keeps its own values."""
    value = os.environ.get(ENVIRONMENT)
    return Path(value) if value else None


def prepare_multiprocess(var_dir: Path) -> Path:
    """Empty ``<var_dir>/metrics`` and point ``PROMETHEUS_MULTIPROC_DIR`` at it (for workers).

    Call it in the parent before any worker starts: the files of an earlier run would otherwise
    be added to the new one's counters. An explicitly set ``PROMETHEUS_MULTIPROC_DIR`` wins; only
    prometheus_client's own ``*.db`` files are removed from it.
    """
    directory = multiprocess_dir() or var_dir / DIRECTORY
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[ENVIRONMENT] = str(directory)
    log.info("metrics of all workers are added up in %s", directory)
    return directory


def mark_dead(pid: int) -> None:
    """A worker died (the parent restarts it): drop its live gauges.

    Its counters and histograms stay in the directory and keep counting in the totals, as
    Prometheus expects of counters. Nothing to do outside multiprocess mode.
    """
    directory = multiprocess_dir()
    if directory is not None:
        _mark_process_dead(pid, str(directory))
