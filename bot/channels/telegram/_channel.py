"""The Telegram channel: PTB application, durable inbox, ordered per-chat processing, polling.

Nothing lost: an update is acknowledged (webhook answer, or the next ``getUpdates`` offset) only
after it is committed to the inbox. Nothing twice: a duplicate ``update_id`` is dropped on insert,
the replies of an update go through the outbox, and every call is recorded before and after it
is made (see ``TelegramChannel._deliver`` for the replay rule after a crash).

In order, by construction: one worker per chat takes the chat's lowest unfinished update from
the database, one at a time; it does not take one while a lower update of the same chat that
has reached the server is still in its storing transaction (``Arrivals`` in this process; on
PostgreSQL also the chat's advisory lock, which every storing transaction holds shared). Such a
wait ends when that transaction does, milliseconds; there is no fixed settle delay.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram import BotCommand, Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application, ExtBot
from telegram.request import HTTPXRequest

from bot.channels.telegram import _inbox
from bot.channels.telegram._handlers import CHANNEL, Handlers, Turn
from bot.channels.telegram._render import Outgoing, send_messages
from bot.channels.telegram._sender import (
    Delivery,
    Limits,
    Result,
    Sender,
    retry_after_seconds,
)
from bot.config import Settings
from bot.content.models import LANGUAGES
from bot.engine import RenderedMessage
from bot.handover import notify
from bot.i18n import DEFAULT_LANGUAGE, msg
from bot.service import Lotse
from bot.store.models import TelegramOutgoing, TelegramUpdate

log = logging.getLogger(__name__)
T = TypeVar("T")

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
COMMANDS = {
    "start": msg("tg.cmd.start"),
    "menu": msg("tg.cmd.menu"),
    "language": msg("tg.cmd.language"),
    "human": msg("tg.cmd.human"),
    "mydata": msg("tg.cmd.mydata"),
    "delete": msg("tg.cmd.delete"),
    "help": msg("tg.cmd.help"),
}
DESCRIPTION = msg("tg.description")
SHORT_DESCRIPTION = msg("tg.short_description")
_MAX_FAILURES = 3


@dataclass(frozen=True)
class Tuning:
    """Timings of the channel; production uses the defaults, tests make them short."""

    limits: Limits = field(default_factory=Limits)
    # The longest wait for a lower update of the same chat that is still being stored (it
    # normally ends with that transaction, within milliseconds).
    order_wait: float = 1.0
    typing_after: float = 1.0
    poll_timeout: int = 50
    read_timeout: float = 15.0
    connect_timeout: float = 5.0
    boot_backoff: float = 30.0
    keep_done: dt.timedelta = dt.timedelta(days=2)
    stop_grace: float = 5.0


class _Watch:
    """A claim in progress: told when an update of its chat finishes storing."""

    def __init__(self) -> None:
        self.changed = False
        self.event = asyncio.Event()


class Arrivals:
    """Updates that have reached this process and are still in their storing transaction."""

    def __init__(self) -> None:
        self._storing: dict[int | None, Counter[int]] = {}
        self._watches: dict[int | None, set[_Watch]] = {}

    def arrive(self, chat_id: int | None, update_id: int) -> None:
        self._storing.setdefault(chat_id, Counter())[update_id] += 1

    def leave(self, chat_id: int | None, update_id: int) -> None:
        storing = self._storing.get(chat_id)
        if storing is not None:
            storing[update_id] -= 1
            if storing[update_id] <= 0:
                del storing[update_id]
            if not storing:
                del self._storing[chat_id]
        for watch in self._watches.get(chat_id, ()):
            watch.changed = True
            watch.event.set()

    def lowest(self, chat_id: int | None) -> int | None:
        storing = self._storing.get(chat_id)
        return min(storing) if storing else None

    @contextlib.contextmanager
    def watch(self, chat_id: int | None) -> Iterator[_Watch]:
        watch = _Watch()
        self._watches.setdefault(chat_id, set()).add(watch)
        try:
            yield watch
        finally:
            watches = self._watches[chat_id]
            watches.discard(watch)
            if not watches:
                del self._watches[chat_id]


def build_application(
    settings: Settings, tuning: Tuning
) -> Application[Any, Any, Any, Any, Any, Any]:
    """A PTB application without its own updater: the channel polls and stores updates itself."""
    assert settings.telegram_bot_token

    def request(read_timeout: float) -> HTTPXRequest:
        return HTTPXRequest(
            connection_pool_size=16,
            connect_timeout=tuning.connect_timeout,
            read_timeout=read_timeout,
            write_timeout=tuning.read_timeout,
            pool_timeout=tuning.read_timeout,
        )

    bot: ExtBot[None] = ExtBot(
        settings.telegram_bot_token,
        base_url=settings.telegram_api_base_url or "https://api.telegram.org/bot",
        request=request(tuning.read_timeout),
        get_updates_request=request(tuning.poll_timeout + tuning.read_timeout),
    )
    return Application.builder().bot(bot).updater(None).build()


class TelegramChannel:
    """One running bot: started and stopped in the web app's lifespan, on its event loop."""

    def __init__(self, lotse: Lotse, settings: Settings, tuning: Tuning | None = None) -> None:
        self.lotse = lotse
        self.settings = settings
        self.tuning = tuning or Tuning()
        self.webhook_secret = (
            settings.telegram_webhook_secret if settings.telegram_webhook_url else None
        )
        self.application = build_application(settings, self.tuning)
        self.handlers = Handlers(lotse, secret=settings.secret_key)
        self.handlers.register(self.application)
        self.sender = Sender.shared(
            self.application.bot,
            self.tuning.limits if tuning else Limits.from_settings(settings),
            lotse.db,
            secret=settings.secret_key,
        )
        self.arrivals = Arrivals()
        # Delivery figures since start: sent, dropped (and why), replayed, unknown outcomes.
        self.counts: Counter[str] = Counter()
        self.ready = asyncio.Event()
        self._workers: dict[int | None, asyncio.Task[None]] = {}
        self._dirty: set[int | None] = set()
        self._failures: dict[int, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False

    @property
    def polling(self) -> bool:
        return self.webhook_secret is None

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start in the background, so the web app serves even while Telegram is unreachable."""
        self._spawn(self._boot())

    async def stop(self) -> None:
        """Stop polling, let workers finish the update at hand, then shut PTB down."""
        self._stopping = True
        self.lotse.senders.pop(CHANNEL, None)
        for task in list(self._tasks):
            task.cancel()
        workers = list(self._workers.values())
        if workers:
            _, late = await asyncio.wait(workers, timeout=self.tuning.stop_grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def idle(self) -> None:
        """Wait until every stored update is answered (tests, graceful shutdown)."""
        await self.ready.wait()
        while self._workers:
            await asyncio.gather(*list(self._workers.values()), return_exceptions=True)

    async def _boot(self) -> None:
        await self._retrying("getMe", self.application.initialize)
        await self.application.start()
        bot = self.application.bot
        if self.polling:
            await self._retrying(
                "deleteWebhook", lambda: bot.delete_webhook(drop_pending_updates=False)
            )
        else:
            url, secret = self.settings.telegram_webhook_url or "", self.webhook_secret or ""
            await self._retrying(
                "setWebhook",
                lambda: bot.set_webhook(
                    url=url,
                    secret_token=secret,
                    allowed_updates=ALLOWED_UPDATES,
                    drop_pending_updates=False,
                    max_connections=40,
                ),
            )
        async with self.lotse.sessions() as session, session.begin():
            purged = await _inbox.purge(session=session, older_than=self.tuning.keep_done)
            chats = await _inbox.open_chats(session=session)
        log.info(
            "Telegram channel ready as @%s (%s); %d chats with stored updates, %d old ids purged",
            bot.username,
            "polling" if self.polling else "webhook",
            len(chats),
            purged,
        )
        self.ready.set()
        self.lotse.senders[CHANNEL] = self.push
        group = self.settings.telegram_counsellor_chat_id
        if group is not None:
            self.lotse.senders[notify.STAFF] = lambda _user_key, text: self.push(str(group), text)
        for chat in chats:
            self._wake(chat)
        if self.polling:
            self._spawn(self._poll())
        await self._describe()

    async def _describe(self) -> None:
        """The commands menu and the descriptions, per language; German for everyone else."""
        for language in (None, *LANGUAGES):
            try:
                await self._describe_in(language)
            except TelegramError as error:
                log.warning("bot description (%s) not set: %s", language or "default", error)

    async def _describe_in(self, language: str | None) -> None:
        bot = self.application.bot
        t = self.lotse.content.catalogs.translator(language or DEFAULT_LANGUAGE)
        commands = [BotCommand(name, t.text(key)) for name, key in COMMANDS.items()]
        code = language or ""
        await self._retrying(
            "setMyCommands", lambda: bot.set_my_commands(commands, language_code=code), 3
        )
        await self._retrying(
            "setMyDescription",
            lambda: bot.set_my_description(t.text(DESCRIPTION), language_code=code),
            3,
        )
        await self._retrying(
            "setMyShortDescription",
            lambda: bot.set_my_short_description(t.text(SHORT_DESCRIPTION), language_code=code),
            3,
        )

    async def _retrying(
        self, what: str, call: Callable[[], Awaitable[T]], attempts: int | None = None
    ) -> T:
        """Start-up calls: retried with backoff (forever unless ``attempts`` is given)."""
        delay = 0.5
        attempt = 0
        while True:
            attempt += 1
            try:
                return await call()
            except InvalidToken:
                log.error("%s: the bot token was refused; the Telegram channel stays off", what)
                raise
            except RetryAfter as error:
                wait = retry_after_seconds(error)
            except TelegramError as error:
                if attempts is not None and attempt >= attempts:
                    raise
                log.warning("%s failed (%s), retrying in %.1f s", what, error, delay)
                wait = delay
                delay = min(self.tuning.boot_backoff, delay * 2)
            await asyncio.sleep(wait)

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_log_crash)

    async def push(self, user_key: str, text: str) -> bool:
        """Send a notification (a confirmation, a reminder) the handover scheduler hands over.

        It runs inside the scheduler's transaction, so it goes out directly, not via the outbox.
        """
        calls = send_messages(int(user_key), [RenderedMessage(text)], secret="", node=None)
        results = [(await self.sender.call(call)).result for call in calls]
        return Result.FAILED not in results and Result.EXPIRED not in results

    # -- receiving ----------------------------------------------------------------------------

    async def receive(self, payload: Mapping[str, Any]) -> bool:
        """Store an update durably, then schedule it; ``False`` for a duplicate.

        While it is being stored, the chat's higher updates are not taken (``Arrivals``).
        """
        chat_id = _inbox.chat_of(payload)
        update_id = int(payload["update_id"])
        self.arrivals.arrive(chat_id, update_id)
        try:
            async with self.lotse.sessions() as session, session.begin():
                new = await _inbox.store(session=session, payload=payload)
        finally:
            self.arrivals.leave(chat_id, update_id)
        if new:
            self._wake(chat_id)
        else:
            log.info("update %s was delivered again: dropped", payload.get("update_id"))
        return new

    async def _poll(self) -> None:
        """Long polling; the next offset (Telegram's acknowledgement) follows the commit."""
        bot = self.application.bot
        offset: int | None = None
        delay = 1.0
        while not self._stopping:
            try:
                updates = await bot.get_updates(
                    offset=offset, timeout=self.tuning.poll_timeout, allowed_updates=ALLOWED_UPDATES
                )
                for update in updates:
                    await self.receive(update.to_dict())
                    offset = update.update_id + 1
                delay = 1.0
            except RetryAfter as error:
                await asyncio.sleep(retry_after_seconds(error))
            except InvalidToken:
                log.error("the bot token was refused: polling stopped")
                return
            except (Conflict, TelegramError) as error:
                log.warning("getUpdates failed (%s), retrying in %.0f s", error, delay)
                await asyncio.sleep(delay)
                delay = min(self.tuning.boot_backoff, delay * 2)

    # -- processing ---------------------------------------------------------------------------

    def _wake(self, chat_id: int | None) -> None:
        if self._stopping:
            return
        if chat_id in self._workers:
            self._dirty.add(chat_id)
            return
        task = asyncio.ensure_future(self._work(chat_id))
        self._workers[chat_id] = task
        task.add_done_callback(_log_crash)

    async def _work(self, chat_id: int | None) -> None:
        """Process the chat's stored updates one after another, lowest ``update_id`` first."""
        try:
            await self.ready.wait()
            while True:
                self._dirty.discard(chat_id)
                row = await self._claim(chat_id)
                if row is None:
                    if chat_id in self._dirty:
                        continue
                    return
                try:
                    await self._run(row)
                except Exception:
                    await asyncio.sleep(1)  # the database or a bug: the update stays open
        finally:
            self._workers.pop(chat_id, None)

    async def _claim(self, chat_id: int | None) -> TelegramUpdate | None:
        """The chat's next update, once no lower update of it is still being stored."""
        while True:
            with self.arrivals.watch(chat_id) as watch:
                async with self.lotse.sessions() as session, session.begin():
                    row = await _inbox.next_update(session=session, chat_id=chat_id)
                if row is None:
                    return None  # an update still being stored wakes the worker when committed
                lower = self.arrivals.lowest(chat_id)
                if watch.changed:
                    continue  # an update of the chat was committed during the read: read again
                if lower is None or lower >= row.update_id:
                    return row
                try:
                    async with asyncio.timeout(self.tuning.order_wait):
                        await watch.event.wait()
                except TimeoutError:
                    log.warning(
                        "update %s: a lower update is still being stored after %.1f s; going on",
                        row.update_id,
                        self.tuning.order_wait,
                    )
                    return row

    async def _run(self, row: TelegramUpdate) -> None:
        typing = None
        if row.chat_id is not None and row.chat_id > 0:
            typing = asyncio.ensure_future(self._typing(row.chat_id))
        try:
            if row.status == _inbox.PENDING:
                turn = await self._answer(row)
                if not turn.saved or len(turn.calls) > turn.saved:
                    # Calls made outside the engine's transaction (notices, button feedback).
                    async with self.lotse.sessions() as session, session.begin():
                        await _inbox.mark_handled(
                            session=session,
                            update_id=row.update_id,
                            calls=turn.calls[turn.saved :],
                            first=turn.saved,
                        )
            await self._deliver(row.update_id)
            self._failures.pop(row.update_id, None)
        except Exception:
            failures = self._failures[row.update_id] = self._failures.get(row.update_id, 0) + 1
            log.exception("update %s failed (%d times)", row.update_id, failures)
            if failures >= _MAX_FAILURES:
                log.error("update %s given up", row.update_id)
                async with self.lotse.sessions() as session, session.begin():
                    await _inbox.mark_done(session=session, update_id=row.update_id)
            raise
        finally:
            if typing is not None:
                typing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await typing

    async def _answer(self, row: TelegramUpdate) -> Turn:
        """Run the update through the PTB handlers and collect the calls of the answer."""
        turn = Turn(row.update_id)
        try:
            update = Update.de_json(row.payload, self.application.bot)
        except Exception:
            log.warning("update %s could not be read: ignored", row.update_id, exc_info=True)
            return turn
        self.handlers.turns[row.update_id] = turn
        try:
            await self.application.process_update(update)
        finally:
            self.handlers.turns.pop(row.update_id, None)
        if turn.error is not None and not turn.saved:
            log.error("update %s: %r", row.update_id, turn.error, exc_info=turn.error)
            turn.calls = self.handlers.apology(update)
        return turn

    async def _deliver(self, update_id: int) -> None:
        """Make the outbox calls of one update in order, each recorded before and after it.

        Before a call its row is committed as ``sending`` with a fresh attempt id; its outcome
        (``sent`` with Telegram's message id, or ``dropped``) is committed in the transaction that
        marks the next call ``sending`` or, after the last call, finishes the update (which
        deletes its rows). So at any moment at most one call per chat is in ``sending``.

        Replay rule: a row found in ``sending`` was in flight when the process died, and nobody
        knows whether Telegram carried it out (the Bot API has no idempotency key). It is made
        again: a reply that reached Telegram just before the crash then arrives twice, which is
        bounded by the calls in flight at the crash; never making it again could lose a reply
        the person is waiting for. Edits repeat harmlessly ("message is not modified" counts as
        made), a repeated callback answer is refused and dropped.
        """
        async with self.lotse.sessions() as session:
            calls = await _inbox.outbox(session=session, update_id=update_id)
        made: tuple[TelegramOutgoing, str, Delivery] | None = None
        for call in calls:
            if call.status == _inbox.SENDING:
                self.counts["replayed"] += 1
                log.info(
                    "update %s: call %d was in flight at a crash: made again",
                    update_id,
                    call.position,
                )
            attempt = uuid.uuid4().hex
            async with self.lotse.sessions() as session, session.begin():
                if made is not None:
                    await self._record(session, *made)
                await _inbox.mark_sending(session=session, call_id=call.id, attempt=attempt)
            deadline = self._deadline(call.queued_at)
            delivery = await self.sender.call(
                Outgoing(call.method, dict(call.params)), deadline=deadline
            )
            made = (call, attempt, delivery)
        async with self.lotse.sessions() as session, session.begin():
            if made is not None:
                await self._record(session, *made)
            await _inbox.mark_done(session=session, update_id=update_id)

    def _deadline(self, queued_at: dt.datetime | None) -> float:
        """When a reply queued at ``queued_at`` is given up, on the sender's monotonic clock."""
        span = self.settings.telegram_reply_deadline
        if queued_at is None:
            return time.monotonic() + span.total_seconds()
        if queued_at.tzinfo is None:  # SQLite keeps UTC without a zone
            queued_at = queued_at.replace(tzinfo=dt.UTC)
        left = queued_at + span - dt.datetime.now(dt.UTC)
        return time.monotonic() + left.total_seconds()

    async def _record(
        self, session: Any, call: TelegramOutgoing, attempt: str, delivery: Delivery
    ) -> None:
        result = delivery.result
        self.counts[result.value] += 1
        if result is Result.FAILED:
            log.error(
                "update %s: call %d (%s) failed: dropped",
                call.update_id,
                call.position,
                call.method,
            )
        elif result is Result.EXPIRED:
            log.error(
                "update %s: call %d (%s) not made within %s of being queued: dropped",
                call.update_id,
                call.position,
                call.method,
                self.settings.telegram_reply_deadline,
            )
        if result in (Result.FAILED, Result.EXPIRED):
            self.counts["dropped"] += 1
            status = _inbox.DROPPED
        else:
            status = _inbox.SENT if result is Result.SENT else _inbox.UNKNOWN
        await _inbox.record(
            session=session,
            call_id=call.id,
            attempt=attempt,
            status=status,
            message_id=delivery.message_id,
        )

    async def _typing(self, chat_id: int) -> None:
        """Show "typing…" while an answer takes longer than a moment."""
        await asyncio.sleep(self.tuning.typing_after)
        while True:
            await self.sender.call(
                Outgoing("sendChatAction", {"chat_id": chat_id, "action": "typing"}), retry=False
            )
            await asyncio.sleep(4.5)


def _log_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("Telegram task failed: %r", error, exc_info=error)
