"""What a counsellor conversation costs on the Telegram hot path, in SQL statements: a person
without a lead pays nothing (tests/telegram/test_tg_statements.py holds that bound); one with a
lead pays one read, and a reply to the counsellor one insert more, instead of the bot's outbox."""

from __future__ import annotations

from bot.service import Lotse
from tests.telegram.conftest import Telegram
from tests.telegram.conftest import bot_api as bot_api  # the fake Bot API server (fixture)
from tests.telegram.conftest import tg as tg  # the app with the channel (fixture)
from tests.telegram.test_tg_statements import MOST_STATEMENTS, counting
from tests.thread.conftest import counsellor, to_lead, write

CHAT = 7601


async def test_a_reply_to_the_counsellor_stays_within_the_bound(tg: Telegram, lotse: Lotse) -> None:
    lead_id = await to_lead(lotse, str(CHAT), channel="telegram")
    anna = await counsellor(lotse, tg.http, lead_id, "anna@example.org")
    await write(tg.http, anna, lead_id, "Hallo!")
    with counting(lotse) as statements:
        await tg.send(tg.message(CHAT, "Danke, bis morgen"))
    listing = "\n".join(s[:120] for s in statements)
    print(f"\nreply to a counsellor: {len(statements)} statements")
    assert len(statements) <= MOST_STATEMENTS, listing
    assert sum("FROM lead_messages" in s for s in statements) == 1, listing  # one read
    assert sum("INSERT INTO lead_messages" in s for s in statements) == 1, listing
    assert not any("INSERT INTO telegram_outbox" in s for s in statements), listing
