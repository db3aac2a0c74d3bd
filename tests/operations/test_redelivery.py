"""A commit in doubt: the update reached the inbox, but the webhook answered 500 (the connection
broke after COMMIT was sent). Telegram posts it again; the redelivery is a duplicate."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from bot.channels.telegram import _inbox
from bot.service import Lotse
from bot.store.models import TelegramUpdate
from tests.operations.traffic import Traffic


async def test_a_redelivered_update_stored_in_doubt_is_answered(tg: Any, lotse: Lotse) -> None:
    traffic = Traffic(tg, chats=[7201])
    press = traffic.press(7201)
    async with lotse.sessions() as session, session.begin():
        assert await _inbox.store(session=session, payload=press)  # the commit went through
    response = await tg.post(press)  # Telegram did not get a 200 the first time: again
    assert response.status_code == 200
    traffic.acked[7201] = [0, press["update_id"]]  # (no /start in this chat)
    missing = await traffic.wait_answered(within=5)
    async with lotse.sessions() as session:
        status = await session.scalar(
            select(TelegramUpdate.status).where(TelegramUpdate.update_id == press["update_id"])
        )
    print(f"redelivered update stored in doubt: status {status}, unanswered {missing}")
    assert missing == []
    await asyncio.wait_for(tg.channel.idle(), 10)
