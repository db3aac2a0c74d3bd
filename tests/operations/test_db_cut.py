"""The database connection cut under load (PostgreSQL): nothing acknowledged is lost.

A loopback TCP proxy sits between the app and PostgreSQL. While Telegram updates (six chats,
each in order, each update posted again until it gets 200, as Telegram does) and web chat
requests keep coming, the proxy drops every connection and refuses new ones for three seconds,
then lets them through again. Afterwards every acknowledged update is answered once, each
chat in ``update_id`` order, and the app serves again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.service import Content, Lotse
from bot.store.db import create_engine
from bot.store.migrate import upgrade
from bot.store.models import TelegramUpdate
from tests.conftest import POSTGRES_URL, _reset_postgres
from tests.operations.conftest import METRICS_TOKEN, TcpProxy, proxied, scrape, value
from tests.operations.traffic import Traffic, Web, background, chat_on_the_web
from tests.telegram.conftest import FakeBotApi, running

pytestmark = pytest.mark.skipif(
    POSTGRES_URL is None, reason="needs PostgreSQL (LOTSE_TEST_DATABASE_URL): a TCP proxy cuts it"
)

CUT = 3.0
WARM = 1.5
AFTER = 2.0


@pytest.fixture
async def postgres(content: Content) -> AsyncIterator[tuple[TcpProxy, str, Lotse]]:
    """A migrated PostgreSQL database reached through the proxy, and a core that uses it."""
    assert POSTGRES_URL is not None
    await _reset_postgres(POSTGRES_URL)
    await asyncio.to_thread(upgrade, POSTGRES_URL)
    direct = make_url(POSTGRES_URL)
    async with proxied(direct.port or 5432) as proxy:
        url = direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        settings = Settings(
            LOTSE_ENVIRONMENT="test", LOTSE_DATABASE_URL=url, LOTSE_REGION="dortmund"
        )
        core = Lotse(settings, content, create_engine(url))
        try:
            yield proxy, url, core
        finally:
            await core.close()


async def _open_updates(core: Lotse) -> int:
    async with core.sessions() as session:
        count = await session.scalar(
            select(func.count()).where(TelegramUpdate.status.in_(("pending", "handled")))
        )
    return int(count or 0)


async def test_a_database_cut_under_load_loses_nothing(
    postgres: tuple[TcpProxy, str, Lotse], bot_api: FakeBotApi, record_property: Any
) -> None:
    proxy, url, core = postgres
    async with running(url, core, bot_api, LOTSE_METRICS_TOKEN=METRICS_TOKEN) as tg:
        traffic = Traffic(tg, chats=list(range(7001, 7007)))
        web = Web()
        stop = asyncio.Event()
        talkers = [traffic.talk(chat, stop, pause=0.1) for chat in traffic.chats]
        async with background([*talkers, chat_on_the_web(tg.http, web, stop, pause=0.1)]) as load:
            await asyncio.sleep(WARM)
            await proxy.cut()
            cut_at = time.monotonic()
            await asyncio.sleep(CUT / 2)
            during = await scrape(tg.http)  # /metrics still answers, without the depths
            await asyncio.sleep(CUT / 2)
            await proxy.start()
            back_at = time.monotonic()
            await asyncio.sleep(AFTER)
            stop.set()
            await asyncio.wait_for(asyncio.gather(*load), 60)

        missing = await traffic.wait_answered(within=30)
        await asyncio.wait_for(tg.channel.idle(), 30)  # the last updates' remaining calls
        report = traffic.report()
        summary = f"database cut for {CUT:.0f} s under load: {report.line()}"
        print(summary)
        record_property("operations_figures", summary)

        # The cut was real: webhook posts and web requests failed while it lasted ...
        refused_in_cut = [p for p in traffic.posts if cut_at <= p.at <= back_at and p.status != 200]
        assert refused_in_cut
        assert any(s != 200 for at, s in web.statuses if cut_at <= at <= back_at)
        assert value(during, "lotse_metrics_database_up") == 0
        # ... and no 200 was given for an update that was not stored: each one is answered.
        assert missing == []
        assert report.lost == []
        assert report.out_of_order == []
        assert report.twice == []  # a call made before the cut is recorded after it (2ca9732)
        assert await _open_updates(core) == 0
        async with core.sessions() as session:
            stored = set((await session.execute(select(TelegramUpdate.update_id))).scalars().all())
        assert {u for chat in traffic.chats for u in traffic.acked[chat]} <= stored
        # The app serves again: the web chat goes on where it was, /metrics reads the depths.
        assert web.statuses[-1][1] == 200
        again = await tg.http.post("/api/chat", json={"session": web.session, "text": "Danke"})
        assert again.status_code == 200
        after = await scrape(tg.http)
        assert value(after, "lotse_metrics_database_up") == 1
        assert value(after, "lotse_telegram_inbox_depth") == 0


async def test_stored_updates_of_quiet_chats_are_answered_after_a_cut(
    postgres: tuple[TcpProxy, str, Lotse], bot_api: FakeBotApi, record_property: Any
) -> None:
    """Five updates per chat stored and acknowledged, then the cut while their replies go out
    (Telegram answers each message after 0.3 s); after the cut nobody writes again."""
    proxy, url, core = postgres
    bot_api.latency = 0.3
    async with running(url, core, bot_api) as tg:
        traffic = Traffic(tg, chats=list(range(7101, 7105)))
        stop = asyncio.Event()
        await asyncio.gather(
            *(traffic.talk(chat, stop, pause=0, limit=4) for chat in traffic.chats)
        )
        assert traffic.report().refused == 0  # all five stored before the cut
        await asyncio.sleep(0.5)
        await proxy.cut()
        await asyncio.sleep(CUT)
        await proxy.start()
        missing = await traffic.wait_answered(within=15)
        summary = f"quiet chats, database cut for {CUT:.0f} s: {len(missing)} presses unanswered"
        print(summary)
        record_property("operations_figures", summary)
        assert missing == []
        await asyncio.wait_for(tg.channel.idle(), 30)
        assert await _open_updates(core) == 0


async def test_a_reply_made_just_before_a_cut_is_not_made_again(
    postgres: tuple[TcpProxy, str, Lotse], bot_api: FakeBotApi
) -> None:
    """Telegram has the message when the connection breaks: its record waits for the database;
    the call is not made again (it was, as after a crash, before 2ca9732)."""
    proxy, url, core = postgres
    async with running(url, core, bot_api) as tg:
        cutting: list[asyncio.Future[None]] = []

        def cut_on_the_reply(call: Any) -> None:
            # Telegram has the message; the app has not recorded it yet.
            if call.method == "sendMessage" and not cutting:
                cutting.append(asyncio.ensure_future(proxy.cut()))

        bot_api.observer = cut_on_the_reply
        assert (await tg.post(tg.message(7301, "/start"))).status_code == 200
        await bot_api.wait_for("sendMessage")
        await cutting[0]
        await asyncio.sleep(CUT)
        await proxy.start()
        await asyncio.wait_for(tg.channel.idle(), 30)
        assert await _open_updates(core) == 0
        assert len(bot_api.texts(7301)) == 1
