"""Background jobs of a running instance: due notifications every minute, retention daily."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from bot.handover import booking, notify
from bot.handover.retention import purge
from bot.store import leases
from bot.store.db import scrub

if TYPE_CHECKING:
    from bot.service import Lotse

log = logging.getLogger(__name__)

NOTIFY_EVERY_SECONDS = 60
DAILY_SECONDS = 24 * 60 * 60
_LEASE = "handover-jobs"


async def run_once(lotse: Lotse) -> int:
    """Deliver due notifications through the channels that push."""
    async with lotse.sessions() as session, session.begin():
        return await notify.deliver_due(
            session=session,
            senders=lotse.senders,
            render=lotse.render_notification,
            button_senders=lotse.button_senders,
            buttons=lotse.notification_buttons,
        )


async def daily(lotse: Lotse) -> None:
    """Apply retention and keep four weeks of slots cut from the weekly rules."""
    async with lotse.sessions() as session, session.begin():
        report = await purge(session=session, retention_days=lotse.settings.retention_days)
        created = await booking.materialise_rules(session=session)
    await scrub(lotse.db)  # also catches an erasure whose truncation found readers in the way
    log.info(
        "retention: %s lead(s), %s conversation(s) purged; %s slot(s) added",
        report.leads,
        report.conversations,
        created,
    )


async def _holds_lease(lotse: Lotse) -> bool:
    """Several workers share the database: one of them runs the jobs (a lease, see leases)."""
    ttl = dt.timedelta(seconds=3 * NOTIFY_EVERY_SECONDS)
    async with lotse.sessions() as session, session.begin():
        return await leases.acquire(session=session, name=_LEASE, holder=lotse.worker, ttl=ttl)


async def _loop(lotse: Lotse) -> None:
    elapsed = DAILY_SECONDS  # run the daily job right after start-up (or a takeover)
    while True:
        try:
            if not await _holds_lease(lotse):
                elapsed = DAILY_SECONDS  # should it take over, the daily job comes first
            else:
                if elapsed >= DAILY_SECONDS:
                    await daily(lotse)
                    elapsed = 0
                await run_once(lotse)
        except Exception:  # a failing round must not stop the reminders for good
            log.exception("background job failed")
        await asyncio.sleep(NOTIFY_EVERY_SECONDS)
        elapsed += NOTIFY_EVERY_SECONDS


@contextlib.asynccontextmanager
async def background_jobs(lotse: Lotse) -> AsyncIterator[None]:
    """Run the jobs while the app runs."""
    task = asyncio.create_task(_loop(lotse), name="lotse-background-jobs")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
