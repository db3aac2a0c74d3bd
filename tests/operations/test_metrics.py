"""``/metrics``: Prometheus' text format, refused without the token, counters that move."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot import metrics
from bot.config import Settings
from bot.handover import booking, leads
from bot.handover.counsellors import add_counsellor
from bot.service import Content, Lotse
from bot.store import repo
from bot.store.db import create_engine
from bot.store.models import Lead, Slot, utcnow
from bot.web.app import create_app
from tests.operations.conftest import (
    METRICS_TOKEN,
    free_port,
    metrics_settings,
    samples,
    scrape,
    value,
)


async def test_not_served_without_token_or_port(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong-token-0123456789", f"Basic {METRICS_TOKEN}", METRICS_TOKEN],
)
async def test_a_wrong_or_missing_token_is_refused(
    metered: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = await metered.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert "lotse_" not in response.text


async def test_the_token_opens_prometheus_text(metered: httpx.AsyncClient) -> None:
    response = await metered.get("/metrics", headers={"Authorization": f"bearer {METRICS_TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    scraped = samples(response.text)
    assert value(scraped, "lotse_metrics_database_up") == 1
    assert value(scraped, "lotse_telegram_inbox_depth") == 0
    assert value(scraped, "lotse_telegram_outbox_depth") == 0
    assert "# TYPE lotse_reply_latency_seconds histogram" in response.text
    assert "# TYPE lotse_updates_received_total counter" in response.text


async def test_a_web_conversation_moves_the_counters(metered: httpx.AsyncClient) -> None:
    before = await scrape(metered)
    first = await metered.post("/api/chat", json={"session": None, "text": "Hallo"})
    assert first.status_code == 200
    session = first.json()["session"]
    for text in ("Was kostet die Prüfung?", "Ich bin Koch"):
        response = await metered.post("/api/chat", json={"session": session, "text": text})
        assert response.status_code == 200
    refused = await metered.post("/api/chat", json={"session": "bad session!", "text": "x"})
    assert refused.status_code == 422  # not a message: not counted
    after = await scrape(metered)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("lotse_updates_received_total", channel="web") == 3
    assert delta("lotse_answers_sent_total", channel="web") == 3
    assert delta("lotse_reply_latency_seconds_count", channel="web") == 3
    assert delta("lotse_reply_latency_seconds_sum", channel="web") > 0
    assert delta("lotse_reply_latency_seconds_bucket", channel="web", le="+Inf") == 3
    assert delta("lotse_updates_received_total", channel="telegram") == 0


async def _seed_slot(lotse: Lotse) -> int:
    async with lotse.sessions() as session, session.begin():
        counsellor = await add_counsellor(
            session=session,
            email="ops@example.org",
            name="Beraterin",
            languages=["de"],
            region="dortmund",
            password="correct horse battery staple",
        )
        slot = Slot(
            counsellor_id=counsellor.id,
            starts_at=utcnow() + dt.timedelta(days=2),
            ends_at=utcnow() + dt.timedelta(days=2, minutes=45),
        )
        session.add(slot)
        await session.flush()
        return slot.id


class _Abort(Exception):
    """Leaves a transaction by rolling it back."""


async def _lead(lotse: Lotse, user_key: str, *, commit: bool) -> None:
    with contextlib.suppress(_Abort):
        async with lotse.sessions() as session, session.begin():
            conversation = await repo.get_or_create_conversation(
                session=session, channel="telegram", user_key=user_key
            )
            await leads.upsert_lead(
                session=session, conversation=conversation, facts={}, language="de", region=None
            )
            if not commit:
                raise _Abort


async def test_leads_and_bookings_count_once_committed(
    metered: httpx.AsyncClient, lotse: Lotse
) -> None:
    # ``lotse`` shares the database with the app behind ``metered``; the counters are global.
    slot_id = await _seed_slot(lotse)
    before = await scrape(metered)
    await _lead(lotse, "1001", commit=False)  # rolled back: no lead, nothing counted
    await _lead(lotse, "1001", commit=True)
    await _lead(lotse, "1001", commit=True)  # the same person again: the open lead is updated
    await _lead(lotse, "1002", commit=True)
    async with lotse.sessions() as session, session.begin():
        first, second = (await session.execute(select(Lead).order_by(Lead.id))).scalars()
        assert await booking.book(session=session, lead=first, slot_id=slot_id)
        # The slot is taken: the savepoint rolls back, the first booking stays counted.
        assert await booking.book(session=session, lead=second, slot_id=slot_id) is None
    async with lotse.sessions() as session, session.begin():
        lead = await session.get(Lead, second.id)
        assert lead is not None
        await booking.cancel(session=session, lead=first, actor="person")
        assert await booking.book(session=session, lead=lead, slot_id=slot_id, actor="counsellor:1")
    after = await scrape(metered)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("lotse_leads_created_total", channel="telegram") == 2
    assert delta("lotse_bookings_made_total", channel="telegram", by="person") == 1
    assert delta("lotse_bookings_made_total", channel="telegram", by="counsellor") == 1


async def test_a_port_of_its_own(database_url: str, content: Content) -> None:
    port = free_port()
    settings = Settings(
        LOTSE_ENVIRONMENT="test", LOTSE_DATABASE_URL=database_url, LOTSE_METRICS_PORT=port
    )
    core = Lotse(settings, content, create_engine(database_url))
    app = create_app(settings, core)
    try:
        async with app.router.lifespan_context(app), httpx.AsyncClient() as http:
            response = await http.get(f"http://127.0.0.1:{port}/metrics")
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
            assert value(samples(response.text), "lotse_metrics_database_up") == 1
            assert (await http.get(f"http://127.0.0.1:{port}/")).status_code == 404
            assert (await http.post(f"http://127.0.0.1:{port}/metrics")).status_code == 405
            # The app itself does not serve it: no token is set.
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://lotse.test") as own:
                assert (await own.get("/metrics")).status_code == 404
        with pytest.raises(httpx.ConnectError):
            await httpx.AsyncClient().get(f"http://127.0.0.1:{port}/metrics")
    finally:
        await core.close()


async def test_a_port_of_its_own_asks_for_the_token_when_one_is_set(
    database_url: str, content: Content
) -> None:
    port = free_port()
    settings = metrics_settings(database_url, LOTSE_METRICS_PORT=port)
    core = Lotse(settings, content, create_engine(database_url))
    app = create_app(settings, core)
    try:
        async with app.router.lifespan_context(app), httpx.AsyncClient() as http:
            url = f"http://127.0.0.1:{port}/metrics"
            assert (await http.get(url)).status_code == 401
            authorised = await http.get(url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
            assert authorised.status_code == 200
    finally:
        await core.close()


_WORKER = textwrap.dedent(
    """
    import os
    import signal
    import sys
    from bot import metrics
    assert metrics.multiprocess_dir() is not None
    count = int(sys.argv[1])
    for _ in range(count):
        started = metrics.received("web")
        metrics.answered("web", started)
    metrics.TELEGRAM_API_ERRORS.labels("unreachable").inc(count)
    print("done", flush=True)
    if sys.argv[2] == "kill":  # kill -9: what was counted is in the files already
        os.kill(os.getpid(), signal.SIGKILL)
    """
)


def _worker(directory: Path, count: int, end: str = "exit") -> subprocess.Popen[str]:
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    return subprocess.Popen(
        [sys.executable, "-c", _WORKER, str(count), end],
        env=environment,
        stdout=subprocess.PIPE,
        text=True,
    )


async def test_multiprocess_mode_adds_up_the_workers(
    metered: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Empty counts as unset; monkeypatch restores it after the test (prepare_multiprocess sets it).
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    var = tmp_path / "var"
    (var / "metrics").mkdir(parents=True)
    (var / "metrics" / "counter_99999.db").write_bytes(b"left over from the last run")
    directory = metrics.prepare_multiprocess(var)  # sets the variable, as `lotse run` does
    assert directory == var / "metrics"
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(directory)
    assert list(directory.iterdir()) == []  # a fresh start: old counts are not added
    workers = [_worker(directory, 3), _worker(directory, 4), _worker(directory, 5, "kill")]
    for worker in workers:
        out, _ = await asyncio.to_thread(worker.communicate, timeout=60)
        assert out.strip() == "done"
    assert [w.returncode for w in workers] == [0, 0, -signal.SIGKILL]
    # The killed worker is replaced: its counts stay in the totals.
    metrics.mark_dead(workers[2].pid)
    scraped = await scrape(metered)
    assert value(scraped, "lotse_updates_received_total", channel="web") == 12
    assert value(scraped, "lotse_answers_sent_total", channel="web") == 12
    assert value(scraped, "lotse_reply_latency_seconds_count", channel="web") == 12
    assert value(scraped, "lotse_telegram_api_errors_total", kind="unreachable") == 12
    assert value(scraped, "lotse_metrics_database_up") == 1


def test_without_multiprocess_mode_mark_dead_does_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    assert metrics.multiprocess_dir() is None
    metrics.mark_dead(os.getpid())


def test_a_short_token_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="LOTSE_METRICS_TOKEN"):
        Settings(LOTSE_ENVIRONMENT="test", LOTSE_METRICS_TOKEN="too-short")
