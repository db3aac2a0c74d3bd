"""German occupation names are shown in their short gender-inclusive form."""

from __future__ import annotations

import pytest

from bot.content.names import short_gender_form
from bot.engine import Choice, Start, Text
from bot.service import Lotse


@pytest.mark.parametrize(
    ("official", "shown"),
    [
        (
            "Kraftfahrzeugmechatroniker/Kraftfahrzeugmechatronikerin",
            "Kraftfahrzeugmechatroniker/-in",
        ),
        (
            "Medizinischer Fachangestellter/Medizinische Fachangestellte",
            "Medizinische/r Fachangestellte/r",
        ),
        (
            "Kaufmann für Büromanagement/Kauffrau für Büromanagement",
            "Kaufmann/-frau für Büromanagement",
        ),
        ("Maler und Lackierer/Malerin und Lackiererin", "Maler/-in und Lackierer/-in"),
        # No short form without a shared stem: both forms stay.
        ("Koch/Köchin", "Koch/Köchin"),
        ("Logopäde/Logopädin", "Logopäde/Logopädin"),
        ("Fachkraft für Lagerlogistik", "Fachkraft für Lagerlogistik"),
    ],
)
def test_short_gender_form(official: str, shown: str) -> None:
    assert short_gender_form(official) == shown


async def test_texts_and_buttons_show_the_short_form(lotse: Lotse) -> None:
    outcome = await lotse.handle(
        channel="web",
        user_key="kfz",
        events=[Start(language="de"), Choice("exam"), Text("Kfz-Mechatroniker")],
    )
    labels = [o.label for m in outcome.messages for o in m.options]
    outcome = await lotse.handle(channel="web", user_key="kfz", events=[Text("6"), Choice("full")])
    shown = "\n".join([*(m.text for m in outcome.messages), *labels])
    assert "Kraftfahrzeugmechatroniker/-in" in shown
    assert "Kraftfahrzeugmechatronikerin" not in shown
    assert "Maler/-in und Lackierer/-in" in labels  # the buttons of the occupation question
