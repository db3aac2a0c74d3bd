"""Telegram traffic as Telegram makes it: per chat in order, each update again until it gets 200.

Every update after a chat's ``/start`` is a button press whose answer can be told apart: its
``answerCallbackQuery`` carries ``cb<update_id>`` and its ``editMessageReplyMarkup`` the pressed
message's id (the update id here). So the calls the fake Bot API saw say, per update, whether it
was answered, how often, and in which order.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.telegram.conftest import BOT_ID, Telegram

Tasks = list[asyncio.Future[None]]


@dataclass
class Post:
    update_id: int
    chat: int
    status: int | None  # None: no answer at all (the request failed)
    at: float


@dataclass
class Web:
    """One web chat session, asked again and again; what each request got."""

    statuses: list[tuple[float, int | None]] = field(default_factory=list)
    session: str | None = None


@dataclass
class Traffic:
    tg: Telegram
    chats: list[int]
    posts: list[Post] = field(default_factory=list)
    acked: dict[int, list[int]] = field(default_factory=dict)  # chat -> update ids (200)
    redelivery_pause: float = 0.2

    async def talk(self, chat: int, stop: asyncio.Event, pause: float, limit: int = 10**6) -> None:
        """``/start``, then button presses every ``pause`` seconds until ``stop`` or ``limit``."""
        await self.deliver(chat, self.tg.message(chat, "/start", language="de"))
        for _ in range(limit):
            if stop.is_set():
                return
            await self.deliver(chat, self.press(chat))
            await asyncio.sleep(pause)

    def press(self, chat: int) -> dict[str, Any]:
        update = self.tg.update()
        update_id = update["update_id"]
        update["callback_query"] = {
            "id": f"cb{update_id}",
            "from": self.tg.user(chat, "de"),
            "chat_instance": "ci",
            "data": "no-longer-valid",
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Lotse"},
                "text": "…",
            },
        }
        return update

    async def deliver(self, chat: int, update: dict[str, Any]) -> None:
        """Like Telegram: the same update again after a pause until the webhook answers 200."""
        while True:
            try:
                status: int | None = (await self.tg.post(update)).status_code
            except httpx.HTTPError:
                status = None
            self.posts.append(Post(update["update_id"], chat, status, time.monotonic()))
            if status == 200:
                self.acked.setdefault(chat, []).append(update["update_id"])
                return
            await asyncio.sleep(self.redelivery_pause)

    # -- what the fake Bot API saw --------------------------------------------------------

    def presses(self, chat: int) -> list[int]:
        """The acknowledged button presses of a chat (its first update is the /start)."""
        return self.acked.get(chat, [])[1:]

    def answered(self) -> list[int]:
        """Update ids in the order their callback answers were made (each time it was made)."""
        return [
            int(call.params["callback_query_id"][2:])
            for call in self.tg.api.of("answerCallbackQuery")
            if call.status == 200
        ]

    def missing(self) -> list[int]:
        made = set(self.answered())
        return [u for chat in self.chats for u in self.presses(chat) if u not in made]

    async def wait_answered(self, within: float) -> list[int]:
        """Wait until every acknowledged press is answered; the ones still missing then."""
        called = asyncio.Event()
        self.tg.api.observer = lambda _call: called.set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                while self.missing():
                    called.clear()
                    await called.wait()
        return self.missing()

    def report(self) -> Report:
        answered = self.answered()
        counts = Counter(answered)
        edits = Counter(
            int(call.params["message_id"])
            for call in self.tg.api.of("editMessageReplyMarkup")
            if call.status == 200
        )
        out_of_order = []
        for chat in self.chats:
            presses = self.presses(chat)
            mine = set(presses)
            first_seen = list(dict.fromkeys(u for u in answered if u in mine))
            if first_seen != presses:
                out_of_order.append(chat)
        acked = [u for chat in self.chats for u in self.presses(chat)]
        return Report(
            updates=sum(len(v) for v in self.acked.values()),
            presses=len(acked),
            lost=[u for u in acked if counts[u] == 0],
            twice=sorted(u for u in acked if counts[u] > 1 or edits[u] > 1),
            out_of_order=out_of_order,
            refused=sum(1 for p in self.posts if p.status != 200),
        )


@dataclass(frozen=True)
class Report:
    updates: int  # acknowledged (200) updates, /start included
    presses: int
    lost: list[int]
    twice: list[int]
    out_of_order: list[int]  # chats whose answers came in another order than their updates
    refused: int  # webhook posts not answered 200 (redelivered)

    def line(self) -> str:
        return (
            f"{self.updates} updates acknowledged ({self.refused} webhook posts refused and "
            f"redelivered): {len(self.lost)} lost, {len(self.twice)} answered twice, "
            f"{len(self.out_of_order)} chats out of order"
        )


async def chat_on_the_web(
    http: httpx.AsyncClient, web: Web, stop: asyncio.Event, pause: float
) -> None:
    """A web chat that keeps asking; a failed request is simply tried with the next message."""
    texts = ["Hallo", "Was kostet die Prüfung?", "Ich bin Koch", "Wie lange dauert das?"]
    turn = 0
    while not stop.is_set():
        body: dict[str, Any] = {"session": web.session, "text": texts[turn % len(texts)]}
        try:
            response = await http.post("/api/chat", json=body)
            status: int | None = response.status_code
            if status == 200:
                web.session = response.json()["session"]
        except httpx.HTTPError:
            status = None
        web.statuses.append((time.monotonic(), status))
        turn += 1
        await asyncio.sleep(pause)


@contextlib.asynccontextmanager
async def background(coroutines: list[Coroutine[Any, Any, None]]) -> AsyncIterator[Tasks]:
    """Run the load; whatever still runs at the end (a failed test) is cancelled."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        yield tasks
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
