"""The Kom-Pass dialog on the engine: consent first, known facts never asked again, several
tasks ticked and typed, "add another" loops for work periods and languages, every step skippable."""

from __future__ import annotations

import pytest

from bot.engine import (
    Choice,
    Command,
    CommandName,
    ConversationState,
    Engine,
    Event,
    Reply,
    Start,
    Text,
)
from bot.engine.events import ConsentGiven, KompassCompleted
from bot.service import Content


@pytest.fixture(scope="module")
def engine(content: Content) -> Engine:
    return content.engine(region="dortmund")


def drive(
    engine: Engine, state: ConversationState, *events: Event
) -> tuple[ConversationState, Reply]:
    reply = Reply()
    for event in events:
        state, reply = engine.handle(state, event)
    return state, reply


def ids(reply: Reply) -> list[str]:
    return [o.id for o in reply.options]


def test_a_cook_with_known_facts_goes_straight_to_the_tasks(engine: Engine) -> None:
    state = ConversationState(language="tr")
    state.slots.update(occupation="koch", years=5, workload=1, country="TR")
    state, reply = drive(engine, state, Command(CommandName.MENU), Choice("kompass"))
    assert reply.lines[-1].ref == "kompass.consent.v1"
    state, reply = engine.handle(state, Choice("agree"))
    assert ConsentGiven("kompass.v1") in reply.effects
    # Occupation, country and workload are known: the dates come next, then the tasks.
    assert state.node == "kompass.dates"
    state, reply = drive(engine, state, Text("2015-2020"))
    assert state.node == "kompass.tasks"
    assert ids(reply)[:3] == ["task:prep", "task:cook", "task:soups"]
    state, reply = drive(engine, state, Choice("task:cook"), Choice("task:hygiene"))
    assert state.node == "kompass.tasks"
    assert [o.id for o in reply.options if o.selected] == ["task:cook", "task:hygiene"]
    state, reply = drive(engine, state, Choice("task:hygiene"), Text("Catering für 200 Gäste"))
    assert state.slots["period_tasks"] == ["cook"]
    assert state.slots["period_tasks_text"] == "Catering für 200 Gäste"
    state, reply = drive(engine, state, Choice("done"))
    assert state.node == "kompass.another_period"
    period = state.slots["work_periods"][0]
    assert period == {
        "period_occupation": "koch", "period_country": "TR", "period_dates": "2015–2020",
        "period_workload": 1, "period_tasks": ["cook"],
        "period_tasks_text": "Catering für 200 Gäste",
    }  # fmt: skip
    assert "period_tasks" not in state.slots


def test_a_second_period_is_asked_from_the_start_and_all_else_can_be_skipped(
    engine: Engine,
) -> None:
    state = ConversationState(language="de")
    state, reply = drive(engine, state, Start(language="de"), Choice("kompass"), Choice("agree"))
    assert state.node == "kompass.activity"  # nothing known yet
    state, reply = drive(engine, state, Text("Lagerlogistiker"), Choice("de"), Text("seit 2021"))
    state, reply = drive(engine, state, Text("30 Stunden"))
    assert state.node == "kompass.tasks"
    state, reply = drive(engine, state, Choice("task:forklift"), Choice("done"), Choice("more"))
    assert state.node == "kompass.activity"
    state, reply = drive(engine, state, Choice("other"), Text("Putzhilfe im Hotel"))
    state, reply = drive(engine, state, Choice("skip"), Choice("skip"), Choice("skip"))
    assert state.node == "kompass.tasks_text"  # no task list for a free activity
    state, reply = drive(engine, state, Choice("skip"), Choice("enough"))
    periods = state.slots["work_periods"]
    assert [p.get("period_occupation") for p in periods] == ["fachkraft_lagerlogistik", None]
    assert periods[0]["period_dates"] == "2021–"
    assert periods[0]["period_workload"] == 0.75
    assert periods[1] == {"period_activity": "Putzhilfe im Hotel"}
    assert state.node == "kompass.certificates"
    state, reply = drive(engine, state, Text("Staplerschein 2019"), Choice("tr"), Choice("c2"))
    more_german = (Choice("more"), Choice("de"), Choice("b1"), Choice("enough"))
    state, reply = drive(engine, state, *more_german)
    assert state.slots["languages"] == [
        {"lang_name": "tr", "lang_level": "C2"}, {"lang_name": "de", "lang_level": "B1"},
    ]  # fmt: skip
    state, reply = drive(engine, state, Choice("team"), Choice("customers"), Choice("done"))
    assert state.slots["social"] == ["team", "customers"]
    assert KompassCompleted() in reply.effects
    assert "kompass.done" in [line.ref for line in reply.lines]
    assert state.node == "main.after_result"
    assert "kompass" not in ids(reply)  # made once: no second offer


def test_refusing_consent_stores_nothing_and_returns_to_the_menu(engine: Engine) -> None:
    state = ConversationState(language="ru")
    state, reply = drive(engine, state, Start(language="ru"), Choice("kompass"), Choice("refuse"))
    assert "kompass.consent_refused" in [line.ref for line in reply.lines]
    assert state.node == "main.menu"
    assert "kompass_consent" not in state.slots
    assert not any(isinstance(e, ConsentGiven) for e in reply.effects)


def test_the_kompass_is_offered_after_an_exam_result(engine: Engine) -> None:
    state = ConversationState(language="de")
    state, reply = drive(
        engine, state, Start(language="de"), Choice("exam"), Text("Koch"), Text("5 Jahre"),
        Choice("full"),
    )  # fmt: skip
    assert state.node == "main.after_result"
    assert "kompass" in ids(reply)
