"""``lotse chat``: a conversation in the terminal over the same engine and storage."""

from __future__ import annotations

import asyncio
import getpass
import sys

from bot.engine import Choice, Event, Start, Text
from bot.engine.render import RenderedMessage
from bot.service import Lotse

CHANNEL = "console"


def _print(messages: list[RenderedMessage]) -> list[str]:
    """Print messages, numbering the options; return the option ids by number."""
    ids: list[str] = []
    for message in messages:
        if message.text:
            print(f"\nLotse: {message.text}")
        for link in message.links:
            print(f"  {link.title}: {link.url}")
        for option in message.options:
            ids.append(option.id)
            print(f"  [{len(ids)}] {option.label}")
    return ids


async def run_console(lotse: Lotse, *, language: str | None) -> None:
    """Read lines until end of input; a number picks an option, anything else is free text."""
    user_key = f"terminal-{getpass.getuser()}"
    outcome = await lotse.handle(
        channel=CHANNEL, user_key=user_key, events=[Start(language=language)]
    )
    ids = _print(outcome.messages)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, _read_line)
        if line is None:
            return
        event: Event = Text(line)
        # A number picks an answer button; where only navigation is offered (a question that
        # wants a number, such as the years), the number is the answer itself.
        answers_offered = any(not option_id.startswith("nav:") for option_id in ids)
        if answers_offered and line.strip().isdigit() and 1 <= int(line) <= len(ids):
            event = Choice(ids[int(line) - 1])
        outcome = await lotse.handle(channel=CHANNEL, user_key=user_key, events=[event])
        ids = _print(outcome.messages)


def _read_line() -> str | None:
    try:
        return input("\n> ")
    except EOFError:
        print(file=sys.stderr)
        return None
