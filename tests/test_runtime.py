"""The dialog runtime, driven directly: events in, message ids and options out."""

from __future__ import annotations

import pytest

from bot.engine import (
    Choice,
    Command,
    CommandName,
    ConversationState,
    DataDeletionRequested,
    Engine,
    Event,
    HandoverRequested,
    Reply,
    Start,
    Text,
)
from bot.service import Content


@pytest.fixture(scope="module")
def engine(content: Content) -> Engine:
    return content.engine(region="dortmund")


def refs(reply: Reply) -> list[str]:
    return [line.ref for line in reply.lines]


def option_ids(reply: Reply) -> list[str]:
    return [o.id for o in reply.options]


def run(engine: Engine, *events: Event) -> tuple[ConversationState, Reply]:
    state = ConversationState()
    reply = Reply()
    for event in events:
        state, reply = engine.handle(state, event)
    return state, reply


def test_start_without_hint_asks_for_the_language(engine: Engine) -> None:
    state, reply = run(engine, Start())
    assert state.node == "main.language"
    assert option_ids(reply) == ["de", "tr", "ru"]


def test_deep_link_payload_sets_language_region_and_source(engine: Engine) -> None:
    state, reply = run(engine, Start(payload="ru-luckenwalde-flyer7"))
    assert (state.language, state.region, state.source) == ("ru", "luckenwalde", "flyer7")
    assert state.node == "main.menu"
    assert "topic:greeting" in refs(reply)


def test_region_decides_the_chamber(engine: Engine) -> None:
    state, _ = run(
        engine, Start(payload="de-luckenwalde"), Choice("exam"), Choice("koch"), Text("5")
    )
    state, reply = engine.handle(state, Choice("full"))
    chamber = next(line for line in reply.lines if line.ref == "exam.chamber")
    assert str(chamber.params["chamber"]) == "Ref(ref='body:ihk_potsdam')"


def test_back_clears_the_answer_and_asks_again(engine: Engine) -> None:
    state, _ = run(engine, Start(language="de"), Choice("exam"), Choice("koch"))
    assert state.node == "external_exam.years"
    state, reply = engine.handle(state, Command(CommandName.BACK))
    assert state.node == "external_exam.occupation"
    assert "occupation" not in state.slots
    assert "koch" in option_ids(reply)


def test_language_switch_returns_to_the_same_question(engine: Engine) -> None:
    state, _ = run(engine, Start(language="de"), Choice("exam"), Choice("koch"))
    state, _ = engine.handle(state, Command(CommandName.LANGUAGE))
    assert state.node == "main.language"
    state, reply = engine.handle(state, Choice("tr"))
    assert state.language == "tr"
    assert state.node == "external_exam.years"
    assert refs(reply) == ["exam.ask_years"]


def test_outdated_button_gets_a_notice_and_the_current_question(engine: Engine) -> None:
    state, _ = run(engine, Start(language="de"), Choice("exam"))
    state, reply = engine.handle(state, Choice("funding"))  # a menu button from earlier
    assert refs(reply)[0] == "main.stale_option"
    assert state.node == "external_exam.occupation"


def test_forged_option_id_changes_nothing(engine: Engine) -> None:
    state, _ = run(engine, Start(language="de"), Choice("exam"))
    after, reply = engine.handle(state, Choice("'; DROP TABLE conversations; --"))
    assert after.slots == state.slots
    assert refs(reply)[0] == "main.stale_option"


def test_typed_answers_match_options_in_any_language(engine: Engine) -> None:
    state, _ = run(engine, Start(language="de"), Choice("exam"), Choice("koch"), Text("5"))
    state, _ = engine.handle(state, Text("tam zamanli"))
    assert state.slots["workload"] == 1
    assert state.outcome == "external_exam.eligible"


def test_not_understood_twice_offers_a_counsellor(engine: Engine) -> None:
    state, _ = run(engine, Start(language="de"), Choice("exam"), Choice("koch"))
    state, reply = engine.handle(state, Text("qwrtz"))
    assert refs(reply) == ["exam.years_unknown", "exam.ask_years"]
    assert "nav:human" not in option_ids(reply)
    state, reply = engine.handle(state, Text("qwrtz"))
    assert "nav:human" in option_ids(reply)
    assert state.node == "external_exam.years"


def test_free_text_with_occupation_and_years_goes_straight_to_the_result(engine: Engine) -> None:
    state, reply = run(
        engine, Start(language="de"), Text("Ich arbeite seit 6 Jahren in Vollzeit als Koch")
    )
    assert state.outcome == "external_exam.eligible"
    assert refs(reply)[:2] == ["exam.understood", "exam.result_eligible"]


def test_years_without_a_workload_ask_for_it(engine: Engine) -> None:
    """Stated years say nothing about full or part time: ask instead of assuming."""
    state, _ = run(engine, Start(language="de"), Text("Ich arbeite seit 6 Jahren als Koch"))
    assert state.node == "external_exam.workload"
    assert state.slots["years"] == 6


def test_part_time_without_hours_asks_for_the_hours(engine: Engine) -> None:
    state, _ = run(engine, Start(language="de"), Text("bin seit 6 jahren koch in teilzeit"))
    assert state.node == "external_exam.hours"
    state, _ = engine.handle(state, Text("25"))
    assert state.slots["workload"] == pytest.approx(25 / 40)
    assert state.outcome == "external_exam.not_yet"  # 6 years at 25 of 40 hours: 3,75 < 4,5


def test_periods_are_added_and_shown(engine: Engine) -> None:
    state, reply = run(
        engine,
        Start(language="de"),
        Text("3 Jahre in der Türkei und 2 in Deutschland als Koch gearbeitet, Vollzeit"),
    )
    assert state.slots["years"] == 5
    assert state.slots["periods"] == [[3.0, "TR"], [2.0, "DE"]]
    assert state.outcome == "external_exam.eligible"
    assert refs(reply)[0] == "exam.understood"  # what was counted comes before the result


def test_handover_asks_for_consent_then_records_the_facts(engine: Engine) -> None:
    state, _ = run(
        engine, Start(language="tr"), Choice("exam"), Choice("koch"), Text("3"), Choice("full")
    )
    state, reply = engine.handle(state, Choice("human"))
    assert not reply.effects  # nothing recorded before consent
    assert option_ids(reply)[:2] == ["agree", "refuse"]
    for event in (Choice("agree"), Text("Ayşe Yılmaz"), Choice("chat")):
        state, reply = engine.handle(state, event)
    state, reply = engine.handle(state, Choice("anytime"))
    handover = [e for e in reply.effects if isinstance(e, HandoverRequested)]
    (effect,) = handover
    assert effect.facts["slots"]["occupation"] == "koch"
    assert effect.facts["slots"]["contact_name"] == "Ayşe Yılmaz"
    assert effect.facts["exam"] == {"needed": "4.5", "worked": "3", "missing": "1.5"}
    assert effect.facts["outcome"] == "external_exam.not_yet"
    assert effect.facts["language"] == "tr"
    assert "external_exam.years" in effect.facts["questions"]


def test_delete_asks_first_and_then_forgets_everything(engine: Engine) -> None:
    state, _ = run(engine, Start(language="ru"), Choice("exam"), Choice("koch"))
    state, reply = engine.handle(state, Text("/delete"))
    assert state.node == "main.delete_confirm"
    assert not reply.effects
    state, reply = engine.handle(state, Choice("confirm"))
    assert any(isinstance(e, DataDeletionRequested) for e in reply.effects)
    assert state.slots == {}
    assert state.history == []
    assert state.language == "ru"


def test_engine_does_not_modify_the_given_state(engine: Engine) -> None:
    state, _ = run(engine, Start(language="de"), Choice("exam"))
    before = state.to_json()
    engine.handle(state, Choice("koch"))
    assert state.to_json() == before


def test_unknown_slash_command_is_answered_politely(engine: Engine) -> None:
    state, reply = run(engine, Start(language="de"), Text("/foo"))
    assert refs(reply)[0] == "main.unknown_command"
    assert state.node == "main.menu"


def test_state_survives_json_round_trip(engine: Engine) -> None:
    state, _ = run(engine, Start(language="de"), Choice("exam"), Choice("koch"))
    restored = ConversationState.from_json(state.to_json())
    assert restored == state


def test_no_navigation_button_is_shown_twice(engine: Engine) -> None:
    state, reply = run(engine, Start(language="de"))
    for event in (Choice("exam"), Choice("koch"), Text("/mydata"), Choice("menu"), Text("/help")):
        state, reply = engine.handle(state, event)
        labels = [o.label for o in reply.options]
        assert len(labels) == len(set(labels)), (event, labels)
    state, reply = engine.handle(state, Text("/mydata"))
    assert [o.label for o in reply.options].count("nav.menu") == 1
