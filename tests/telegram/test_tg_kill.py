"""kill -9 under load: the server process dies while replies are in flight, and restarts.

Across 5 kills of a server answering 200 updates from 20 chats: no reply is lost, and a reply
arrives twice only if its call was in flight at the kill (its outbox row was in ``sending``).
The figures are printed in the terminal summary.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy import update as sql_update

from bot.store.db import create_engine
from bot.store.models import TelegramOutgoing, TelegramUpdate
from tests.telegram.conftest import SECRET, TOKEN, Call, FakeBotApi, _free_port
from tests.telegram.fleet import command, healthy, servers, zygote

__all__ = ["zygote"]  # the fixture, used by name

RUNS = 3
CHATS = 20
# Ten updates per chat; every chat the same script, so every chat expects the same replies.
SCRIPT = [
    "/start",
    "/help",
    "/menu",
    "/help",
    "/mydata",
    "/menu",
    "/help",
    "/menu",
    "/help",
    "/menu",
]


async def _deliver(http: httpx.AsyncClient, updates: list[dict[str, Any]]) -> None:
    """Like Telegram: each update again until it is acknowledged with 200, one after another."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    for update in updates:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                response = await http.post("/telegram/webhook", json=update, headers=headers)
                if response.status_code == 200:
                    break
            await asyncio.sleep(0.02)


def _replies(api: FakeBotApi, chat: int) -> list[str]:
    """Every sendMessage Telegram carried out for the chat (also those whose answer was lost)."""
    return [c.params["text"] for c in api.of("sendMessage", chat) if c.status == 200]


async def _open(database_url: str) -> tuple[int, int, int]:
    """Unfinished updates, outbox rows, and outbox rows in ``sending``."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            updates = await connection.scalar(
                select(func.count()).where(TelegramUpdate.status != "done")
            )
            rows = await connection.scalar(select(func.count()).select_from(TelegramOutgoing))
            sending = await connection.scalar(
                select(func.count()).where(TelegramOutgoing.status == "sending")
            )
    finally:
        await engine.dispose()
    return int(updates or 0), int(rows or 0), int(sending or 0)


async def _settled(api: FakeBotApi, database_url: str, expected: int, chats: range) -> None:
    """Wait until every update is done and the Bot API has been quiet for a moment."""
    async with asyncio.timeout(60):
        while True:
            made = sum(len(_replies(api, chat)) for chat in chats)
            last = api.calls[-1].at if api.calls else 0.0
            quiet = asyncio.get_running_loop().time() - last > 0.3
            if made >= expected and quiet and (await _open(database_url))[:2] == (0, 0):
                return
            await asyncio.sleep(0.1)


@pytest.mark.slow
async def test_kill_9_under_load_loses_nothing_and_duplicates_only_calls_in_flight(
    database_url: str,
    bot_api: FakeBotApi,
    zygote: subprocess.Popen[str],
    tmp_path: Path,
    record_property: Any,
) -> None:
    port = _free_port()
    settings = {
        "LOTSE_ENVIRONMENT": "test",
        "LOTSE_DATABASE_URL": database_url,
        "LOTSE_REGION": "dortmund",
        "LOTSE_SECRET_KEY": "test-secret-key-for-buttons-0123456789",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_URL": "https://lotse.example/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": bot_api.base_url,
    }
    bot_api.latency = 0.005  # replies spend a moment in flight, as over a real network
    dice = random.Random(9)
    update_ids = iter(range(1_000_000, 10**9))
    figures: list[tuple[int, int, int]] = []
    async with (
        servers(zygote, tmp_path / "server.log") as server,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http,
    ):
        server.start(port, settings)
        await healthy(http)
        # The replies one chat gets for the script, from a run without a kill.
        reference = 1
        await _deliver(http, [command(next(update_ids), reference, t) for t in SCRIPT])
        await _settled(bot_api, database_url, len(SCRIPT), range(reference, reference + 1))
        expected = Counter(_replies(bot_api, reference))
        assert sum(expected.values()) >= len(SCRIPT)

        for run in range(RUNS):
            chats = range(100 * (run + 1), 100 * (run + 1) + CHATS)
            per_chat: dict[int, list[dict[str, Any]]] = {chat: [] for chat in chats}
            for text in SCRIPT:  # one id sequence for the whole bot: the chats interleave
                for chat in chats:
                    per_chat[chat].append(command(next(update_ids), chat, text))
            total = sum(expected.values()) * CHATS
            kill_at = dice.randrange(total // 4, 3 * total // 4)
            seen = 0
            killed = asyncio.Event()

            def observe(
                call: Call,
                chats: range = chats,
                kill_at: int = kill_at,
                killed: asyncio.Event = killed,
            ) -> None:
                nonlocal seen
                if call.method == "sendMessage" and call.params.get("chat_id") in chats:
                    seen += 1
                    if seen == kill_at:  # this call reached Telegram: it is in flight
                        server.kill()
                        killed.set()

            bot_api.observer = observe
            posting = asyncio.gather(*(_deliver(http, u) for u in per_chat.values()))
            await asyncio.wait_for(killed.wait(), 60)
            bot_api.observer = None
            in_flight = (await _open(database_url))[2]
            server.start(port, settings)
            await healthy(http)
            await asyncio.wait_for(posting, 60)
            await _settled(bot_api, database_url, total, chats)
            lost = duplicated = 0
            for chat in chats:
                got = Counter(_replies(bot_api, chat))
                lost += sum((expected - got).values())
                duplicated += sum((got - expected).values())
            figures.append((lost, duplicated, in_flight))

    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    summary = (
        f"kill -9 on {kind}, {RUNS} runs of {len(SCRIPT) * CHATS} updates from {CHATS} chats: "
        + "; ".join(f"lost {lo}, duplicated {du}, in flight {fl}" for lo, du, fl in figures)
        + f"; total lost {sum(f[0] for f in figures)}, duplicated {sum(f[1] for f in figures)},"
        f" in flight {sum(f[2] for f in figures)}"
    )
    print(summary)
    record_property("telegram_figures", summary)
    for lost, duplicated, in_flight in figures:
        assert lost == 0
        assert duplicated <= in_flight


async def test_the_replay_rule_for_a_call_left_in_sending(launch: Any, lotse: Any) -> None:
    """After a crash: a ``sent`` call is not made again, one left in ``sending`` is (its outcome is
    unknown), and the calls after it follow; the replay is counted."""
    from bot.channels.telegram import _inbox
    from bot.channels.telegram._render import Outgoing

    chat = 9140
    async with lotse.sessions() as session, session.begin():
        await _inbox.store(session=session, payload=command(700, chat, "/help"))
        await _inbox.mark_handled(
            session=session,
            update_id=700,
            calls=[Outgoing("sendMessage", {"chat_id": chat, "text": t}) for t in "abc"],
        )
        first, second, _ = (
            await session.execute(select(TelegramOutgoing.id).order_by(TelegramOutgoing.position))
        ).scalars()
        await session.execute(
            sql_update(TelegramOutgoing).where(TelegramOutgoing.id == first).values(status="sent")
        )
        await _inbox.mark_sending(session=session, call_id=second, attempt="crashed")
    async with launch() as tg:
        await tg.channel.idle()
        assert tg.api.texts(chat) == ["b", "c"]
        assert tg.channel.counts["replayed"] == 1
    async with lotse.sessions() as session:
        row = await session.get(TelegramUpdate, 700)
        assert row is not None
        assert row.status == "done"
        assert (await session.execute(select(TelegramOutgoing))).first() is None
