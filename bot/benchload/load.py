"""The load: Telegram updates to the webhook and conversations on ``/api/chat``, level by level.

Attribution of answers (which Bot API call answers which update):

- A chat talks in a closed loop: it posts one update, then waits for the answer to end (the
  ``sendMessage`` that carries the keyboard: every answer ends with one), then posts the next.
  End to end is the time from the POST to the chat's first answer call (``sendMessage`` or an
  edit); "complete" is the time to the keyboard message.
- A button press has its own callback query id, and the server answers each press with one
  ``answerCallbackQuery`` of that id, so presses are matched exactly: a second answer of an id
  is a duplicate, and a chat's presses answered in another order than posted are out of order.
- An answer posted twice (a redelivery) must still be answered once: a chat that gets more
  keyboard messages than it posted updates got a duplicate answer.
- Lost: an update without its answer within the timeout (``late`` if it came after all).

Like Telegram, the load posts an update again when the webhook answers anything but 200.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import random
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from bot.benchload.client import Connection, HttpError
from bot.benchload.fakeapi import ANSWERS, MESSAGES, Call, FakeBotApi
from bot.benchload.server import WEBHOOK_SECRET, Server, load_average
from bot.benchload.stats import inversions, most_in_window, ms, percentile, rate

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram posts an update again when the webhook did not answer 200 (here: soon, a few times).
_ATTEMPTS = 5
_RETRY_PAUSE = 0.5
LANGUAGES = ("de", "tr", "ru")
# The five steps of a conversation; a press falls back to text when no keyboard is shown.
SCRIPT = ("start", "press", "text", "press", "press")
GREETINGS = {"de": "Hallo", "tr": "Merhaba", "ru": "Здравствуйте"}
TEXTS = {
    "de": "Ich arbeite seit 6 Jahren als Koch, habe aber keinen Abschluss",
    "tr": "6 yıldır aşçı olarak çalışıyorum ama diplomam yok",
    "ru": "Я 6 лет работаю поваром, но диплома нет",
}


@dataclass(frozen=True)
class Options:
    ladder: tuple[int, ...] = (8, 32, 128)
    seconds: float = 5.0  # per level of the conversation and /api/chat ladders
    ingest_updates: int = 800  # per level of the ingest ladder (or ``seconds``, first reached)
    presses: int = 4  # updates per chat in the ingest burst
    redeliver: float = 0.02
    timeout: float = 15.0  # for one answer
    drain_timeout: float = 60.0  # for the backlog of an ingest burst
    idle_limit: float = 120.0  # the longest wait for the server to go quiet after a level
    quiet: float = 2.0  # no Bot API call for this long: the server is idle
    seed: int = 14


class Updates:
    """Updates as Telegram makes them: ``update_id`` rising, one private chat per conversation."""

    def __init__(self) -> None:
        self._update_ids = itertools.count(1)
        self._chat_ids = itertools.count(5_000_001)
        self._serial = itertools.count(1)

    def new_chat(self) -> int:
        return next(self._chat_ids)

    def _user(self, chat_id: int, language: str) -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": "Bench", "language_code": language}

    def message(self, chat_id: int, text: str, language: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._serial),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Bench"},
            "from": self._user(chat_id, language),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": next(self._update_ids), "message": message}

    def press(
        self, chat_id: int, keyboard: Call, button: dict[str, Any], language: str
    ) -> tuple[dict[str, Any], str]:
        """A press of ``button`` on the message ``keyboard`` sent; and its callback query id."""
        query_id = f"q{chat_id}-{next(self._serial)}"
        message = {
            "message_id": keyboard.message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Bench"},
            "from": {"id": 123456, "is_bot": True, "first_name": "Lotse"},
            "text": keyboard.params.get("text", ""),
            "reply_markup": keyboard.params.get("reply_markup"),
        }
        update = {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": query_id,
                "from": self._user(chat_id, language),
                "chat_instance": f"ci{chat_id}",
                "data": button["callback_data"],
                "message": message,
            },
        }
        return update, query_id


@dataclass
class Ack:
    started: float
    answered: float
    status: int

    @property
    def seconds(self) -> float:
        return self.answered - self.started


@dataclass
class Step:
    chat_id: int
    kind: str
    posted: float
    query_id: str | None = None
    first: float | None = None  # the first answer call
    done: float | None = None  # the keyboard message that ends the answer


@dataclass
class Bench:
    """One server under load, with the fake Bot API and the options."""

    fake: FakeBotApi
    server: Server
    options: Options
    updates: Updates = field(default_factory=Updates)

    def connection(self) -> Connection:
        return Connection("127.0.0.1", self.server.port)

    async def post(self, connection: Connection, update: dict[str, Any]) -> Ack:
        started = time.monotonic()
        try:
            status, _ = await connection.post_json(
                "/telegram/webhook", update, {SECRET_HEADER: WEBHOOK_SECRET}
            )
        except HttpError:
            status = 0
        return Ack(started, time.monotonic(), status)

    async def deliver(
        self,
        connection: Connection,
        update: dict[str, Any],
        acks: list[Ack],
        counts: dict[str, int],
        rng: random.Random | None,
    ) -> None:
        """Post an update as Telegram does: again after an answer other than 200 (a few times,
        after a pause), and a share of them a second time although it was acknowledged."""
        copies = 2 if rng is not None and rng.random() < self.options.redeliver else 1
        counts["redelivered"] += copies - 1
        for _ in range(copies):
            for attempt in range(_ATTEMPTS):
                ack = await self.post(connection, update)
                acks.append(ack)
                if ack.status == 200:
                    break
                counts["http_errors"] += 1
                if attempt + 1 < _ATTEMPTS:
                    await asyncio.sleep(_RETRY_PAUSE * 2**attempt)

    async def settle(self, quiet: float | None = None, limit: float | None = None) -> bool:
        """Wait until the server has made no Bot API call for ``quiet`` seconds (its backlog is
        answered, late answers and duplicates have arrived); ``False`` if it is still busy after
        ``limit`` (default ``idle_limit``), so that the next level would not start on a busy server.
        """
        end = time.monotonic() + (self.options.idle_limit if limit is None else limit)
        quiet = self.options.quiet if quiet is None else quiet
        seen = len(self.fake.calls)
        last = time.monotonic()
        while time.monotonic() - last < quiet:
            if time.monotonic() > end:
                return False
            await asyncio.sleep(0.05)
            if len(self.fake.calls) != seen:
                seen, last = len(self.fake.calls), time.monotonic()
        return True

    # -- one answer ----------------------------------------------------------------------------

    async def answer(self, step: Step, seen: int, deadline: float) -> Call | None:
        """Wait for the answer of ``step`` among the chat's calls after the first ``seen``."""
        index = seen
        while True:
            calls = self.fake.by_chat[step.chat_id]
            while index < len(calls):
                call = calls[index]
                index += 1
                if call.method in ANSWERS and step.first is None:
                    step.first = call.at
                if call.method == "sendMessage" and call.buttons:
                    step.done = call.at
                    return call
            left = deadline - time.monotonic()
            if left <= 0 or not await self.fake.wait_chat(step.chat_id, len(calls), left):
                return None

    async def conversation(
        self,
        connection: Connection,
        chat_id: int,
        steps: list[Step],
        acks: list[Ack],
        stop_at: float,
        rng: random.Random,
        counts: dict[str, int],
    ) -> Call | None:
        """One chat's closed-loop conversation; the last keyboard it was shown."""
        language = LANGUAGES[chat_id % len(LANGUAGES)]
        keyboard: Call | None = None
        for kind in SCRIPT:
            if time.monotonic() >= stop_at:
                break
            buttons = [b for b in keyboard.buttons if "callback_data" in b] if keyboard else []
            query_id = None
            if kind == "start":
                update = self.updates.message(chat_id, "/start", language)
            elif kind == "press" and keyboard is not None and buttons:
                update, query_id = self.updates.press(
                    chat_id, keyboard, rng.choice(buttons), language
                )
            else:
                kind = "text"
                update = self.updates.message(chat_id, TEXTS[language], language)
            seen = len(self.fake.by_chat[chat_id])
            step = Step(chat_id, kind, time.monotonic(), query_id)
            steps.append(step)
            await self.deliver(connection, update, acks, counts, rng)
            keyboard = await self.answer(step, seen, step.posted + self.options.timeout)
            if keyboard is None:
                return None  # lost: this chat cannot go on
        return keyboard

    # -- the ladders ---------------------------------------------------------------------------

    async def conversations(self, concurrency: int, seconds: float) -> dict[str, Any]:
        """``concurrency`` chats in closed-loop conversations for ``seconds``."""
        load = _load()
        steps: list[Step] = []
        acks: list[Ack] = []
        chats: list[int] = []
        counts: dict[str, int] = defaultdict(int)
        cpu = self.server.cpu_seconds()
        started = time.monotonic()
        stop_at = started + seconds

        async def chat_loop(slot: int) -> None:
            connection = self.connection()
            rng = random.Random(self.options.seed * 1_000 + slot)
            try:
                while time.monotonic() < stop_at:
                    chat_id = self.updates.new_chat()
                    chats.append(chat_id)
                    await self.conversation(connection, chat_id, steps, acks, stop_at, rng, counts)
            finally:
                connection.close()

        await asyncio.gather(*(chat_loop(slot) for slot in range(concurrency)))
        ended = max([s.done for s in steps if s.done is not None], default=time.monotonic())
        quiet = await self.settle()
        cpu = self.server.cpu_seconds() - cpu
        answered = [s for s in steps if s.done is not None]
        starts = [s.first - s.posted for s in answered if s.first and s.kind == "start"]
        figures = {
            "concurrency": concurrency,
            "conversations": len(chats),
            "updates": len(steps),
            "redelivered": counts["redelivered"],
            "http_errors": counts["http_errors"],
            "answered": len(answered),
            "answered_per_s": rate(len(answered), ended - started),
            "ack_p50_ms": ms(percentile([a.seconds for a in acks], 0.5)),
            "ack_p99_ms": ms(percentile([a.seconds for a in acks], 0.99)),
            "e2e_p50_ms": ms(percentile([s.first - s.posted for s in answered if s.first], 0.5)),
            "e2e_p99_ms": ms(percentile([s.first - s.posted for s in answered if s.first], 0.99)),
            # The /start of a fresh chat is within the chat's burst: no per-chat pacing in it.
            "e2e_start_p50_ms": ms(percentile(starts, 0.5)),
            "e2e_start_p99_ms": ms(percentile(starts, 0.99)),
            "complete_p50_ms": ms(percentile([s.done - s.posted for s in answered if s.done], 0.5)),
            "complete_p99_ms": ms(
                percentile([s.done - s.posted for s in answered if s.done], 0.99)
            ),
            **self._faults(chats, steps),
            "cpu_ms_per_update": round(cpu * 1000 / len(answered), 2) if answered else None,
            "quiet_after": quiet,
            "load_1min": load,
        }
        return figures

    def _faults(self, chats: list[int], steps: list[Step]) -> dict[str, int]:
        """Lost, late, duplicated and out-of-order answers of these chats (see the module doc)."""
        by_chat: dict[int, list[Step]] = defaultdict(list)
        for step in steps:
            by_chat[step.chat_id].append(step)
        lost = late = duplicated = out_of_order = 0
        for chat_id in chats:
            chat_steps = by_chat[chat_id]
            calls = self.fake.by_chat.get(chat_id, [])
            keyboards = sum(1 for c in calls if c.method == "sendMessage" and c.buttons)
            missing = sum(1 for s in chat_steps if s.done is None)
            lost += missing
            late += min(missing, max(0, keyboards - (len(chat_steps) - missing)))
            queries = [s.query_id for s in chat_steps if s.query_id]
            answers = [self.fake.callback_answers.get(q, []) for q in queries]
            extra_presses = sum(max(0, len(a) - 1) for a in answers)
            duplicated += max(max(0, keyboards - len(chat_steps)), extra_presses)
            out_of_order += inversions([min(a) for a in answers if a])
        return {"lost": lost, "late": late, "duplicated": duplicated, "out_of_order": out_of_order}

    async def ingest(self, concurrency: int) -> dict[str, Any]:
        """Posts as fast as ``concurrency`` connections allow; answers are awaited only after.

        Each chat first gets /start (not measured), then a burst of presses on the keyboard it
        was shown, posted one after another (Telegram keeps a chat's order): the first press is
        valid, the others are taps on an outdated keyboard, which are answered too.
        """
        options = self.options
        wanted = math.ceil(options.ingest_updates / options.presses)
        keyboards = await self._open_chats(wanted)
        load = _load()
        queue = deque(keyboards.items())
        acks: list[Ack] = []
        sent: dict[int, list[str]] = defaultdict(list)
        counts: dict[str, int] = defaultdict(int)
        self.fake.reset()
        cpu = self.server.cpu_seconds()
        started = time.monotonic()
        stop_at = started + options.seconds

        async def poster(slot: int) -> None:
            connection = self.connection()
            rng = random.Random(options.seed * 7_000 + slot)
            try:
                while queue and time.monotonic() < stop_at:
                    chat_id, keyboard = queue.popleft()
                    language = LANGUAGES[chat_id % len(LANGUAGES)]
                    buttons = [b for b in keyboard.buttons if "callback_data" in b]
                    for press in range(options.presses):
                        update, query_id = self.updates.press(
                            chat_id, keyboard, buttons[press % len(buttons)], language
                        )
                        sent[chat_id].append(query_id)
                        await self.deliver(connection, update, acks, counts, rng)
            finally:
                connection.close()

        await asyncio.gather(*(poster(slot) for slot in range(concurrency)))
        posted = max((a.answered for a in acks), default=started)
        queries = [q for chat in sent.values() for q in chat]
        drain_end = started + options.drain_timeout
        for query_id in queries:
            await self.fake.wait_callback(query_id, max(0.0, drain_end - time.monotonic()))
        answered = [min(a) for q in queries if (a := self.fake.callback_answers.get(q))]
        processed = max(answered, default=started)
        quiet = await self.settle()
        cpu = self.server.cpu_seconds() - cpu
        late = sum(1 for q in queries if self.fake.callback_answers.get(q)) - len(answered)
        accepted = [a for a in acks if a.status == 200]
        duplicated = sum(max(0, len(self.fake.callback_answers.get(q, [])) - 1) for q in queries)
        out_of_order = sum(
            inversions([min(a) for q in chat if (a := self.fake.callback_answers.get(q))])
            for chat in sent.values()
        )
        figures = {
            "concurrency": concurrency,
            "updates": len(queries),
            "redelivered": counts["redelivered"],
            "http_errors": counts["http_errors"],
            "post_seconds": round(posted - started, 2),
            "accepted_per_s": rate(len(accepted), posted - started),
            "ack_p50_ms": ms(percentile([a.seconds for a in acks], 0.5)),
            "ack_p99_ms": ms(percentile([a.seconds for a in acks], 0.99)),
            "processed_per_s": rate(len(answered), processed - started),
            "drain_seconds": round(processed - posted, 2),
            "lost": len(queries) - len(answered),
            "late": late,
            "duplicated": duplicated,
            "out_of_order": out_of_order,
            "cpu_ms_per_update": round(cpu * 1000 / (len(answered) + late), 2)
            if answered
            else None,
            "quiet_after": quiet,
            "load_1min": load,
        }
        return figures

    async def _open_chats(self, count: int, concurrency: int = 32) -> dict[int, Call]:
        """/start in ``count`` new chats; the keyboard each was shown (if it was shown one)."""
        chats = [self.updates.new_chat() for _ in range(count)]
        keyboards: dict[int, Call] = {}
        queue = deque(chats)

        async def opener() -> None:
            connection = self.connection()
            try:
                while queue:
                    chat_id = queue.popleft()
                    language = LANGUAGES[chat_id % len(LANGUAGES)]
                    seen = len(self.fake.by_chat[chat_id])
                    update = self.updates.message(chat_id, "/start", language)
                    step = Step(chat_id, "start", time.monotonic())
                    await self.deliver(connection, update, [], defaultdict(int), None)
                    keyboard = await self.answer(step, seen, step.posted + self.options.timeout)
                    if keyboard is not None and any("callback_data" in b for b in keyboard.buttons):
                        keyboards[chat_id] = keyboard
            finally:
                connection.close()

        await asyncio.gather(*(opener() for _ in range(min(concurrency, count))))
        await self.settle()
        return keyboards

    async def api_chat(self, concurrency: int, seconds: float) -> dict[str, Any]:
        """``concurrency`` web chat conversations (the same script) for ``seconds``."""
        load = _load()
        latencies: list[float] = []
        counts: dict[str, int] = defaultdict(int)
        cpu = self.server.cpu_seconds()
        started = time.monotonic()
        stop_at = started + seconds

        async def chat_loop(slot: int) -> None:
            connection = self.connection()
            rng = random.Random(self.options.seed * 9_000 + slot)
            try:
                while time.monotonic() < stop_at:
                    counts["conversations"] += 1
                    language = LANGUAGES[(slot + counts["conversations"]) % len(LANGUAGES)]
                    await self._web_conversation(
                        connection, language, rng, latencies, counts, stop_at
                    )
            finally:
                connection.close()

        await asyncio.gather(*(chat_loop(slot) for slot in range(concurrency)))
        ended = time.monotonic()
        cpu = self.server.cpu_seconds() - cpu
        return {
            "concurrency": concurrency,
            "conversations": counts["conversations"],
            "requests": len(latencies),
            "errors": counts["errors"],
            "requests_per_s": rate(len(latencies), ended - started),
            "p50_ms": ms(percentile(latencies, 0.5)),
            "p99_ms": ms(percentile(latencies, 0.99)),
            "cpu_ms_per_request": round(cpu * 1000 / len(latencies), 2) if latencies else None,
            "load_1min": load,
        }

    async def _web_conversation(
        self,
        connection: Connection,
        language: str,
        rng: random.Random,
        latencies: list[float],
        counts: dict[str, int],
        stop_at: float,
    ) -> None:
        session: str | None = None
        options: list[str] = []
        for kind in SCRIPT:
            if time.monotonic() >= stop_at:
                return
            body: dict[str, Any] = {"session": session, "language": language}
            if kind == "start":
                body["text"] = GREETINGS[language]
            elif kind == "press" and options:
                body["choice"] = rng.choice(options)
            else:
                body["text"] = TEXTS[language]
            started = time.monotonic()
            try:
                status, data = await connection.post_json("/api/chat", body)
            except HttpError:
                status, data = 0, b""
            latencies.append(time.monotonic() - started)
            if status != 200:
                counts["errors"] += 1
                return
            reply = json.loads(data)
            session = reply["session"]
            options = [o["id"] for m in reply["messages"] for o in m.get("options", [])]

    def message_rates(self) -> dict[str, Any]:
        """How fast messages left, overall and per chat, since the last reset of the fake; and
        the same counting edits too (Lotse's own pacing counts them, Telegram may)."""
        figures = _rates(self.fake.calls, MESSAGES)
        figures["with_edits"] = _rates(self.fake.calls, ANSWERS)
        return figures


def _rates(calls: list[Call], methods: frozenset[str]) -> dict[str, Any]:
    times = sorted(c.at for c in calls if c.method in methods)
    per_chat: dict[int, list[float]] = defaultdict(list)
    for call in calls:
        if call.method in methods and call.chat_id is not None:
            per_chat[call.chat_id].append(call.at)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    return {
        "messages": len(times),
        "messages_per_s_mean": rate(len(times), span),
        "messages_max_in_1s": most_in_window(times, 1.0),
        "chat_max_in_1s": max((most_in_window(t, 1.0) for t in per_chat.values()), default=0),
        "chat_max_in_5s": max((most_in_window(t, 5.0) for t in per_chat.values()), default=0),
    }


def _load() -> float:
    """The machine's load average over the last minute (other work shares the cores)."""
    return load_average()[0]
