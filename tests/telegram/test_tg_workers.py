"""Two worker processes over one PostgreSQL database answer one bot.

1,000 updates from 100 chats are posted to either worker at random, each chat's updates one
after another as Telegram sends them, and 2 % of them once more to a random worker (Telegram
redelivering). Every chat must get exactly the replies of a chat that talked to a single
process, in the same order: nothing lost, nothing twice, nothing overtaken.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.telegram.conftest import SECRET, TOKEN, FakeBotApi, _free_port
from tests.telegram.fleet import command, healthy, servers, zygote

__all__ = ["zygote"]  # the fixture, used by name

CHATS = 100
# Ten updates per chat with answers that differ from step to step, so that an answer out of
# place shows in the sequence.
SCRIPT = ["/start", *["/help", "/menu", "/mydata"] * 3]
REDELIVERED = 0.02


async def _post(http: httpx.AsyncClient, update: dict[str, Any]) -> None:
    """Like Telegram: again until a worker acknowledges it with 200."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    for _ in range(200):
        try:
            response = await http.post("/telegram/webhook", json=update, headers=headers)
        except httpx.HTTPError:
            response = None
        if response is not None and response.status_code == 200:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"update {update['update_id']} was never acknowledged")


def _replies(api: FakeBotApi, chat: int) -> list[str]:
    return [c.params["text"] for c in api.of("sendMessage", chat) if c.status == 200]


@pytest.mark.slow
async def test_two_workers_lose_nothing_duplicate_nothing_and_keep_each_chat_in_order(
    database_url: str, bot_api: FakeBotApi, zygote: Any, tmp_path: Path, record_property: Any
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL (SQLite serves one process)")
    settings = {
        "LOTSE_ENVIRONMENT": "test",
        "LOTSE_DATABASE_URL": database_url,
        "LOTSE_REGION": "dortmund",
        "LOTSE_SECRET_KEY": "test-secret-key-for-buttons-0123456789",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_URL": "https://lotse.example/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": bot_api.base_url,
        "TELEGRAM_RATE_PER_SECOND": 10_000,
    }
    bot_api.latency = 0.003
    dice = random.Random(14)
    ports = [_free_port(), _free_port()]
    async with servers(zygote, tmp_path / "workers.log") as fleet:
        for port in ports:
            fleet.start(port, settings)
        clients = [
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) for port in ports
        ]
        try:
            for http in clients:
                await healthy(http)
            # The replies of one chat that talks to one worker only: the expected sequence.
            reference = 1
            for step, text in enumerate(SCRIPT):
                await _post(clients[0], command(1_000 + step, reference, text))
                await _settled(bot_api, [reference], step + 1)
            expected = _replies(bot_api, reference)

            chats = list(range(5_000, 5_000 + CHATS))
            ids = iter(range(100_000, 10**9))
            per_chat = {chat: [] for chat in chats}
            for text in SCRIPT:  # one id sequence for the whole bot: the chats interleave
                for chat in chats:
                    per_chat[chat].append(command(next(ids), chat, text))
            redelivered = 0

            async def talk(updates: list[dict[str, Any]]) -> None:
                nonlocal redelivered
                for update in updates:
                    await _post(dice.choice(clients), update)
                    if dice.random() < REDELIVERED:
                        redelivered += 1
                        await _post(dice.choice(clients), update)

            began = asyncio.get_running_loop().time()
            await asyncio.wait_for(asyncio.gather(*(talk(u) for u in per_chat.values())), 300)
            await _settled(bot_api, chats, len(expected) * CHATS, quiet=1.0)
            took = asyncio.get_running_loop().time() - began
        finally:
            for http in clients:
                await http.aclose()

    lost = duplicated = out_of_order = 0
    for chat in chats:
        got = _replies(bot_api, chat)
        lost += sum((Counter(expected) - Counter(got)).values())
        duplicated += sum((Counter(got) - Counter(expected)).values())
        out_of_order += got != expected and Counter(got) == Counter(expected)
    summary = (
        f"two workers on postgresql, {len(SCRIPT) * CHATS} updates from {CHATS} chats, "
        f"{redelivered} redelivered: lost {lost}, duplicated {duplicated}, "
        f"chats out of order {out_of_order}; {len(SCRIPT) * CHATS / took:.0f} updates/s"
    )
    print(summary)
    record_property("telegram_figures", summary)
    assert redelivered > 0
    assert (lost, duplicated, out_of_order) == (0, 0, 0)


async def _settled(api: FakeBotApi, chats: list[int], expected: int, quiet: float = 0.2) -> None:
    """Until the chats got ``expected`` replies and the Bot API has been quiet for a moment
    (or five minutes have passed: what is missing then counts as lost)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(300):
            while True:
                made = sum(len(_replies(api, chat)) for chat in chats)
                last = api.calls[-1].at if api.calls else 0.0
                if made >= expected and asyncio.get_running_loop().time() - last > quiet:
                    return
                await asyncio.sleep(0.05)
