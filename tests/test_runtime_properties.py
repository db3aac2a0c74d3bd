"""Whatever a person sends, in whatever order, the engine answers and never gets stuck."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine import (
    Choice,
    Command,
    CommandName,
    ConversationState,
    Engine,
    Renderer,
    Start,
    Text,
)
from bot.engine.events import BookingFailed, Event, Resume
from bot.service import Content

TEXTS = [
    "", "   ", "5", "seit 2016", "Koch", "aşçı", "повар", "aus der Türkei", "Bürgergeld",
    "ja", "evet", "да", "/menu", "/back", "/help", "/delete", "/mydata", "/human", "/start",
    "/unknown", "🙂", "<script>alert(1)</script>", "x" * 500, "0151 23456789", "a@b.de",
    "Ich arbeite seit 6 Jahren als Koch", "priznanie diploma iz ukrainy", "wie ist das wetter",
]  # fmt: skip

# Each step is either a pick among the options just shown (an index), or some other event.
step: st.SearchStrategy[int | Event] = st.one_of(
    st.integers(min_value=0, max_value=20),
    st.sampled_from(TEXTS).map(Text),
    st.sampled_from(list(CommandName)).map(Command),
    st.sampled_from(["koch", "slot:1", "nav:back", "topic:funding", "", "x" * 200]).map(Choice),
    st.just(Resume()),
    st.just(BookingFailed()),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    language=st.sampled_from([None, "de", "tr", "ru"]),
    steps=st.lists(step, min_size=1, max_size=25),
)
def test_random_conversations_always_get_an_answer(
    content: Content, language: str | None, steps: list[int | Event]
) -> None:
    engine: Engine = content.engine(region="dortmund")
    renderer = Renderer(content.knowledge)
    state, reply = engine.handle(ConversationState(), Start(language=language))
    for value in steps:
        if isinstance(value, int):
            if not reply.options:
                continue
            event: Event = Choice(reply.options[value % len(reply.options)].id)
        else:
            event = value
        state, reply = engine.handle(state, event)
        assert renderer.render(reply, content.catalogs.translator(state.language))
        # Every answer says something or offers something, and the state stays storable.
        assert reply.lines or reply.options
        assert state.node is None or state.node in engine.dialogs.nodes
        json.dumps(state.to_json())
        for line in reply.lines:
            text = content.catalogs.translator(state.language).text(line.ref)
            assert line.ref.partition(":")[1] or text != line.ref, f"untranslated {line.ref}"
