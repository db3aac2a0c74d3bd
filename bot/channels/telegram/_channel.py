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
import functools
import logging
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.exc import (
    DBAPIError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import BotCommand, Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application, ExtBot
from telegram.request import HTTPXRequest

from bot import metrics
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
from bot.store import leases
from bot.store.db import create_engine, scrub, session_factory, statement_session
from bot.store.models import TelegramUpdate

log = logging.getLogger(__name__)
T = TypeVar("T")

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
COMMANDS = {
    "start": msg("tg.cmd.start"),
    "menu": msg("tg.cmd.menu"),
    "language": msg("tg.cmd.language"),
    "human": msg("tg.cmd.human"),
    "appointment": msg("tg.cmd.appointment"),
    "mydata": msg("tg.cmd.mydata"),
    "delete": msg("tg.cmd.delete"),
    "help": msg("tg.cmd.help"),
}
DESCRIPTION = msg("tg.description")
SHORT_DESCRIPTION = msg("tg.short_description")
_MAX_FAILURES = 3
_POLLING = "telegram-polling"
_SWEEP = "telegram-sweep"


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
    # A worker's heartbeat; what it claimed is taken over when five beats were missed.
    heartbeat: float = 2.0
    # Answers worked on at once (each holds a database connection): the rest wait their turn,
    # so that storing new updates and recording deliveries always find a free connection.
    answering: int = 6
    sweep_every: float = 10.0  # looking for updates that no worker works on
    sweep_grace: dt.timedelta = dt.timedelta(seconds=5)
    look_again: float = 0.5  # a chat held by another worker: look once more after this
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
        self._answering = asyncio.Semaphore(self.tuning.answering)

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
        if self.ready.is_set():
            with contextlib.suppress(Exception):  # without the database, the heartbeat expires
                async with self.lotse.sessions() as session, session.begin():
                    await leases.retire(session=session, worker=self.lotse.worker)
                    await leases.release(session=session, name=_POLLING, holder=self.lotse.worker)
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
            await self._beat(session)
            purged = await _inbox.purge(session=session, older_than=self.tuning.keep_done)
            chats = await _inbox.open_chats(session=session)
        self._spawn(self._heartbeat())
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
        self._spawn(self._sweep())
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
            async with statement_session(self.lotse.db) as session:
                new = await _inbox.store(session=session, payload=payload)
        finally:
            self.arrivals.leave(chat_id, update_id)
        metrics.telegram_received(update_id, new)
        if not new:
            # Known already; it may still be open (its first delivery's answer to Telegram got
            # lost after the commit, or its worker died): a look costs one claim.
            log.info("update %s was delivered again: not stored twice", update_id)
        self._wake(chat_id)
        return new

    async def _beat(self, session: AsyncSession) -> None:
        ttl = dt.timedelta(seconds=self.tuning.heartbeat * 5)
        await leases.heartbeat(session=session, worker=self.lotse.worker, ttl=ttl)

    async def _heartbeat(self) -> None:
        """Keep this worker's claims its own while it lives (see ``bot.store.leases``).

        On a connection of its own: a busy pool must never make a live worker look dead (its
        claims would be taken over and its replies made twice).
        """
        db = self.lotse.db
        own = None
        if db.dialect.name != "sqlite":
            own = create_engine(db.url.render_as_string(hide_password=False), pool_size=1)
        sessions = session_factory(own) if own is not None else self.lotse.sessions
        try:
            while not self._stopping:
                await asyncio.sleep(self.tuning.heartbeat)
                try:
                    async with sessions() as session, session.begin():
                        await self._beat(session)
                except Exception:
                    log.warning("heartbeat failed: the database is unreachable", exc_info=True)
        finally:
            if own is not None:
                await own.dispose()

    async def _lease(self, job: str, ttl: dt.timedelta) -> bool:
        """Hold the job's lease (one worker at a time across processes and hosts)."""
        async with self.lotse.sessions() as session, session.begin():
            return await leases.acquire(
                session=session, name=job, holder=self.lotse.worker, ttl=ttl
            )

    async def _sweep(self) -> None:
        """Wake chats with updates that no worker works on: stored by a worker that died before
        answering, or claimed by one that died while delivering (its claim expired)."""
        every = self.tuning.sweep_every
        while not self._stopping:
            await asyncio.sleep(every)
            try:
                if not await self._lease(_SWEEP, dt.timedelta(seconds=every * 3)):
                    continue
                async with self.lotse.sessions() as session:
                    chats = await _inbox.stale_chats(
                        session=session, older_than=self.tuning.sweep_grace
                    )
            except Exception:
                log.warning("looking for forgotten updates failed", exc_info=True)
                continue
            for chat in chats:
                self._wake(chat)

    async def _poll(self) -> None:
        """Long polling; the next offset (Telegram's acknowledgement) follows the commit.

        One worker polls (a lease): Telegram allows a single ``getUpdates`` at a time.
        """
        bot = self.application.bot
        offset: int | None = None
        delay = 1.0
        hold = dt.timedelta(seconds=self.tuning.poll_timeout + self.tuning.read_timeout + 30)
        while not self._stopping:
            try:
                if not await self._lease(_POLLING, hold):
                    offset = None  # another worker polls; it has the offset
                    await asyncio.sleep(self.tuning.poll_timeout / 5)
                    continue
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
            except (Conflict, TelegramError, SQLAlchemyError, OSError) as error:
                log.warning(
                    "getUpdates failed (%s), retrying in %.0f s", type(error).__name__, delay
                )
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
        """Process the chat's stored updates one after another, lowest ``update_id`` first.

        It stops when the chat has nothing open, or when another worker process holds the
        chat's lowest open update: that worker takes the chat's next update when it is done.
        """
        try:
            await self.ready.wait()
            while True:
                self._dirty.discard(chat_id)
                try:
                    work = await self._claim(chat_id)
                    if work is not None:
                        await self._finish(work)
                        metrics.telegram_answered(work.update_id)
                except Exception:
                    await asyncio.sleep(1)  # the database or a bug: the update stays open
                    continue
                more = work is not None and work.more
                if not more and chat_id not in self._dirty:
                    return
        finally:
            self._workers.pop(chat_id, None)

    @property
    def _me(self) -> _inbox.Claim:
        return _inbox.Claim(self.lotse.worker)

    async def _claim(self, chat_id: int | None) -> _Work | None:
        """Take the chat's next update and answer it, in one transaction.

        The transaction holds the chat's lock (advisory on PostgreSQL, the write lock on
        SQLite): it reads the lowest open update, re-checks its status and claim under the lock,
        runs the engine and writes the new state, the outbox and the claim together.
        """
        waited = False
        while True:
            with self.arrivals.watch(chat_id) as watch:
                try:
                    async with self._answering, self.lotse.sessions() as session, session.begin():
                        found = await _inbox.next_update(session=session, chat_id=chat_id)
                        if found is None:
                            return None  # an update still being stored wakes the worker
                        row, claimant_alive = found
                        lower = self.arrivals.lowest(chat_id)
                        if watch.changed or (
                            not waited and lower is not None and lower < row.update_id
                        ):
                            raise _Later(row.update_id)
                        if self._me.held_by_other(row, claimant_alive):
                            self._look_again(chat_id)
                            return None
                        try:
                            return await self._take(session, row, self._me)
                        except (_HandlerFailed, _Later):
                            raise
                        except Exception as error:
                            if _database_down(error):
                                raise  # retried: the update stays open
                            raise _Broken(row.update_id, error) from error
                except _Later as later:
                    if watch.changed:
                        continue  # an update of the chat was committed during the read
                    try:
                        async with asyncio.timeout(self.tuning.order_wait):
                            await watch.event.wait()
                    except TimeoutError:
                        log.warning(
                            "update %s: a lower update is still being stored after %.1f s; "
                            "going on",
                            later.update_id,
                            self.tuning.order_wait,
                        )
                        waited = True
                except _HandlerFailed as failed:
                    return await self._apologise(chat_id, failed)
                except _Broken as broken:
                    await self._give_up_after_failures(broken.update_id, broken.error)
                    return None

    async def _give_up_after_failures(self, update_id: int, error: BaseException) -> None:
        """A bug, not the database: the update is tried again, and given up after a few tries,
        so that one poisoned update cannot block its chat for ever."""
        failures = self._failures[update_id] = self._failures.get(update_id, 0) + 1
        log.error("update %s failed (%d times)", update_id, failures, exc_info=error)
        if failures < _MAX_FAILURES:
            await asyncio.sleep(1)
            return
        log.error("update %s given up", update_id)
        self._failures.pop(update_id, None)
        async with self.lotse.sessions() as session, session.begin():
            await _inbox.mark_done(session=session, update_id=update_id)

    def _look_again(self, chat_id: int | None) -> None:
        """Another worker process delivers the chat's lowest update and takes the next one when
        it is done; should that worker have finished before this update was visible to it, this
        look a moment later (or the sweep) takes it."""
        loop = asyncio.get_running_loop()
        loop.call_later(self.tuning.look_again, self._wake, chat_id)

    async def _take(self, session: AsyncSession, row: TelegramUpdate, claim: _inbox.Claim) -> _Work:
        """Answer a pending update, or pick up an answered one (after a crash) for delivery."""
        if row.status != _inbox.PENDING:
            await _inbox.take(session=session, update_id=row.update_id, claim=claim)
            calls = await _inbox.outbox(session=session, update_id=row.update_id)
            return _Work(row.update_id, row.chat_id, calls)
        turn, update = await self._answer(session, row)
        if turn.error is not None:
            raise _HandlerFailed(row.update_id, update, turn.error)
        return await self._queue(session, row.update_id, row.chat_id, turn.calls, claim, turn)

    async def _queue(
        self,
        session: AsyncSession,
        update_id: int,
        chat_id: int | None,
        calls: list[Outgoing],
        claim: _inbox.Claim,
        turn: Turn | None = None,
    ) -> _Work:
        if not calls:
            more = await _inbox.mark_done(session=session, update_id=update_id, chat_id=chat_id)
            erased = bool(turn and turn.erased)
            return _Work(update_id, chat_id, [], erased=erased, done=True, more=more)
        attempt = uuid.uuid4().hex
        queued = await _inbox.mark_handled(
            session=session, update_id=update_id, calls=calls, claim=claim, attempt=attempt
        )
        return _Work(update_id, chat_id, queued, fresh=attempt, erased=bool(turn and turn.erased))

    async def _apologise(self, chat_id: int | None, failed: _HandlerFailed) -> _Work | None:
        """Handling failed and its transaction was rolled back: answer with an apology."""
        error = failed.error
        log.error("update %s: %r", failed.update_id, error, exc_info=error)
        calls = self.handlers.apology(failed.update) if failed.update is not None else []
        async with self.lotse.sessions() as session, session.begin():
            found = await _inbox.next_update(session=session, chat_id=chat_id)
            row = found[0] if found is not None else None
            if row is None or row.update_id != failed.update_id or row.status != _inbox.PENDING:
                return None
            return await self._queue(session, row.update_id, row.chat_id, calls, self._me)

    async def _finish(self, work: _Work) -> None:
        """Deliver an update's answer; give the update up after repeated failures."""
        if work.erased:
            await scrub(self.lotse.db)  # no copy of erased data stays in SQLite's log
        if work.done:
            return
        typing = None
        if work.chat_id is not None and work.chat_id > 0:
            typing = asyncio.ensure_future(self._typing(work.chat_id))
        try:
            await self._deliver(work)
            self._failures.pop(work.update_id, None)
        except Exception:
            failures = self._failures[work.update_id] = self._failures.get(work.update_id, 0) + 1
            log.exception("update %s failed (%d times)", work.update_id, failures)
            if failures >= _MAX_FAILURES:
                log.error("update %s given up", work.update_id)
                async with self.lotse.sessions() as session, session.begin():
                    await _inbox.mark_done(session=session, update_id=work.update_id)
            raise
        finally:
            if typing is not None:
                typing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await typing

    async def _answer(
        self, session: AsyncSession, row: TelegramUpdate
    ) -> tuple[Turn, Update | None]:
        """Run the update through the PTB handlers, in the transaction of ``session``."""
        turn = Turn(row.update_id, session=session)
        try:
            update = Update.de_json(row.payload, self.application.bot)
        except Exception:
            log.warning("update %s could not be read: ignored", row.update_id, exc_info=True)
            return turn, None
        self.handlers.turns[row.update_id] = turn
        try:
            await self.application.process_update(update)
        finally:
            self.handlers.turns.pop(row.update_id, None)
        return turn, update

    async def _deliver(self, work: _Work) -> None:
        """Make the outbox calls of one update in order, each recorded before and after it.

        Before a call its row is committed as ``sending`` with a fresh attempt id (the first
        call of a fresh answer is stored so in the answer's own transaction); its outcome
        (``sent`` with Telegram's message id, or ``dropped``) is committed in the transaction
        that marks the next call ``sending`` or, after the last call, finishes the update (which
        deletes its rows). So at any moment at most one call per chat is in ``sending``.

        Replay rule: a row found in ``sending`` was in flight when a process died, and nobody
        knows whether Telegram carried it out (the Bot API has no idempotency key). It is made
        again: a reply that reached Telegram just before the crash then arrives twice, which is
        bounded by the calls in flight at the crash; never making it again could lose a reply
        the person is waiting for. Edits repeat harmlessly ("message is not modified" counts as
        made), a repeated callback answer is refused and dropped.
        """
        made: tuple[_inbox.Queued, str, Delivery] | None = None
        for call in work.calls:
            if call.status == _inbox.SENDING and call.attempt and call.attempt == work.fresh:
                attempt: str = call.attempt
            else:
                if call.status == _inbox.SENDING:
                    self.counts["replayed"] += 1
                    log.info(
                        "update %s: call %d was in flight at a crash: made again",
                        work.update_id,
                        call.position,
                    )
                attempt = uuid.uuid4().hex
                before_call = functools.partial(
                    self._before_call, previous=made, call_id=call.id, attempt=attempt
                )
                await self._bookkeeping(before_call, made is not None)
            deadline = self._deadline(call.queued_at)
            delivery = await self.sender.call(
                Outgoing(call.method, dict(call.params)), deadline=deadline
            )
            self._tally(call, delivery)
            made = (call, attempt, delivery)

        async def finished(session: AsyncSession) -> None:
            # The rows go with the update: the last outcome needs no record of its own.
            work.more = await _inbox.mark_done(
                session=session, update_id=work.update_id, chat_id=work.chat_id
            )

        await self._bookkeeping(finished, made is not None)

    async def _before_call(
        self,
        session: AsyncSession,
        *,
        previous: tuple[_inbox.Queued, str, Delivery] | None,
        call_id: int,
        attempt: str,
    ) -> None:
        if previous is not None:
            await self._record(session, *previous)
        await _inbox.mark_sending(session=session, call_id=call_id, attempt=attempt)

    async def _bookkeeping(
        self, write: Callable[[AsyncSession], Awaitable[None]], after_a_call: bool
    ) -> None:
        """Commit a delivery record. After a call was made, its record is retried until the
        database takes it (a busy or cut database): giving up would make the call again."""
        delay = 0.1
        while True:
            try:
                # Each record is one statement (two after a call: its outcome, then the next
                # call's start, and a crash between them loses nothing): no transaction needed.
                async with statement_session(self.lotse.db) as session:
                    await write(session)
                return
            except Exception as error:
                if not after_a_call or self._stopping or not _database_busy_or_down(error):
                    raise
                log.warning("delivery record waits for the database (%s)", type(error).__name__)
            await asyncio.sleep(delay)
            delay = min(5.0, delay * 2)

    def _deadline(self, queued_at: dt.datetime | None) -> float:
        """When a reply queued at ``queued_at`` is given up, on the sender's monotonic clock."""
        span = self.settings.telegram_reply_deadline
        if queued_at is None:
            return time.monotonic() + span.total_seconds()
        if queued_at.tzinfo is None:  # SQLite keeps UTC without a zone
            queued_at = queued_at.replace(tzinfo=dt.UTC)
        left = queued_at + span - dt.datetime.now(dt.UTC)
        return time.monotonic() + left.total_seconds()

    def _tally(self, call: _inbox.Queued, delivery: Delivery) -> None:
        result = delivery.result
        self.counts[result.value] += 1
        metrics.TELEGRAM_CALLS.labels(call.method, result.value).inc()
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

    async def _record(
        self, session: AsyncSession, call: _inbox.Queued, attempt: str, delivery: Delivery
    ) -> None:
        result = delivery.result
        if result in (Result.FAILED, Result.EXPIRED):
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


@dataclass
class _Work:
    """An update claimed by this worker: the calls still to make."""

    update_id: int
    chat_id: int | None
    calls: list[_inbox.Queued]
    fresh: str | None = None  # the attempt id stored with the first call of a new answer
    erased: bool = False
    done: bool = False  # nothing to send: finished in the answer's transaction
    more: bool = True  # the chat may have more open updates (known once the update is done)


class _Later(Exception):
    """A lower update of the chat is still being stored: claim again once it is."""

    def __init__(self, update_id: int) -> None:
        self.update_id = update_id


class _HandlerFailed(Exception):
    """Answering raised: the transaction is rolled back, and an apology goes out instead."""

    def __init__(self, update_id: int, update: Update | None, error: BaseException) -> None:
        self.update_id = update_id
        self.update = update
        self.error = error


class _Broken(Exception):
    """Answering an update failed for a reason other than the database (a bug)."""

    def __init__(self, update_id: int, error: BaseException) -> None:
        self.update_id = update_id
        self.error = error


def _database_busy_or_down(error: BaseException) -> bool:
    """Down, or SQLite's write lock not free within its busy timeout ("database is locked")."""
    return _database_down(error) or (
        isinstance(error, DBAPIError) and "locked" in str(error.orig).lower()
    )


def _database_down(error: BaseException) -> bool:
    """The database could not be reached or dropped the connection (worth retrying)."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(
        error, (OperationalError, InterfaceError, SQLAlchemyTimeoutError, OSError, TimeoutError)
    )
