"""The optional counsellors' group hears of new leads, in German and without personal data."""

from __future__ import annotations

from typing import Any

from bot.engine import Choice, Start, Text
from bot.handover.scheduler import run_once

GROUP = -100123


async def test_a_new_lead_is_announced_in_the_counsellors_group(tg_with_group: Any) -> None:
    tg = tg_with_group
    lotse = tg.channel.lotse
    await lotse.handle(
        channel="web",
        user_key="announce-me",
        events=[
            Start(language="tr"),
            Text("/human"),
            Choice("agree"),
            Text("Zeynep Kanarya"),
            Choice("chat"),
            Choice("anytime"),
        ],
    )
    await run_once(lotse)  # (the app's own background job may have been first)
    (call,) = tg.api.of("sendMessage", GROUP)
    assert "Neue Anfrage Nr." in call.params["text"]
    assert "Kanarya" not in call.params["text"]
    assert await run_once(lotse) == 0  # never twice
    assert len(tg.api.of("sendMessage", GROUP)) == 1
