"""``make bench``: latency of the engine and of free-text understanding, in process."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from bot.bundle import Content
from bot.config import Settings
from bot.engine import Choice, ConversationState, Start, Text

MESSAGES = [
    "Ich arbeite seit 6 Jahren als Koch ohne Abschluss",
    "diploma denkligi nasil yapilir",
    "Кто оплатит курс?",
    "rabotayu povarom 6 let",
    "Bildungsgutschein Jobcenter",
]


def _measure(action: Callable[[], object], rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def main() -> None:
    settings = Settings()
    started = time.perf_counter()
    content = Content.load(settings.content_root)
    understander = content.understander
    print(f"start-up (load, validate, build indexes): {time.perf_counter() - started:.2f} s")
    engine = content.engine(region=settings.region)
    state, _ = engine.handle(ConversationState(), Start(language="de"))
    state, _ = engine.handle(state, Choice("exam"))
    p50, p99 = _measure(lambda: engine.handle(state, Choice("koch")), 2000)
    print(f"engine.handle (button): p50 {p50:.3f} ms, p99 {p99:.3f} ms")
    index = iter(range(10**9))
    p50, p99 = _measure(lambda: engine.handle(state, Text(MESSAGES[next(index) % 5])), 1000)
    print(f"engine.handle (free text): p50 {p50:.3f} ms, p99 {p99:.3f} ms")
    p50, p99 = _measure(lambda: understander.analyse(MESSAGES[next(index) % 5]), 2000)
    print(f"understander.analyse: p50 {p50:.3f} ms, p99 {p99:.3f} ms")
    _cold_starts()


def _cold_starts() -> None:
    """``lotse ask`` as a user runs it: a new process, the content cache warm after the first."""
    command = [sys.executable, "-m", "bot", "ask", "Wer bezahlt den Kurs?"]
    seconds = []
    for _ in range(4):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        seconds.append(time.perf_counter() - started)
    warm = statistics.median(seconds[1:])
    print(f"lotse ask cold start: first {seconds[0]:.2f} s, with the cache {warm:.2f} s")


if __name__ == "__main__":
    main()
