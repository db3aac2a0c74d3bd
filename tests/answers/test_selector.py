"""Answer selection over the real entries: confident, unsure and out of scope."""

from __future__ import annotations

import pytest

from bot.answers import AnswerSelector, Decision
from bot.answers.index import PhraseIndex
from bot.content.models import Answer
from bot.service import Content


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Was kostet die Externenprüfung?", "exam_fees"),
        ("wie oft darf ich die prüfung wiederholen wenn ich durchfalle", "exam_retake"),
        ("sınavda başarısız olursam tekrar girebilir miyim", "exam_retake"),
        ("сколько раз можно пересдать экзамен", "exam_retake"),
        ("wie lange dauert die anerkennung", "rec_duration"),
        ("denklik ne kadar sürer", "rec_duration"),
        ("skolko dlitsya priznanie diploma", "rec_duration"),
        ("was ist ein bildungsgutschein", "fund_bildungsgutschein"),
        ("bist du ein mensch oder ein bot", "about_human"),
        # A diploma from a country, no occupation: how recognition works, not the entry of
        # one profession (nursing, teaching) or of EU diplomas.
        ("Ich habe meinen Abschluss in der Ukraine gemacht, wie geht Anerkennung?", "rec_what_is"),
        ("Ukrayna'dan diplomam var, denklik nasıl yapılır", "rec_what_is"),
        ("priznanie diploma iz ukrainy", "rec_what_is"),
        ("Признание диплома из Украины", "rec_what_is"),
    ],
)
def test_confident_answers(content: Content, text: str, expected: str) -> None:
    match = content.answers.select(text)
    assert match.decision == Decision.ANSWER, match
    assert match.answer == expected
    assert 0.0 <= match.confidence <= 1.0


@pytest.mark.parametrize(
    "text", ["wie wird das wetter morgen", "bugün hangi maç var", "сколько стоит хлеб", ""]
)
def test_out_of_scope_gets_no_entry(content: Content, text: str) -> None:
    assert content.answers.select(text).decision == Decision.NONE


def test_same_question_same_answer_in_every_language(content: Content) -> None:
    """The entries are one set for all languages: the id does not depend on the language."""
    answers = {
        content.answers.select(text).answer
        for text in (
            "Wer zahlt die Prüfungsgebühr?",
            "sınav ücretini kim öder",
            "кто платит за экзамен",
        )
    }
    assert answers == {"exam_fee_who_pays"}


def _entry(answer_id: str, topic: str, phrases: list[str]) -> Answer:
    text = {"de": answer_id, "tr": answer_id, "ru": answer_id}
    return Answer.model_validate(
        {
            "id": answer_id,
            "topic": topic,
            "title": text,
            "examples": {"de": phrases, "tr": [], "ru": []},
            "answer": text,
            "sources": [{"title": "BBiG §45", "url": "https://www.gesetze-im-internet.de/"}],
            "reviewed": "2026-12-01",
        }
    )


def test_topic_prior_breaks_a_tie() -> None:
    """Two entries share their words; the ranker's belief in a topic decides."""
    entries = {
        "a": _entry("a", "recognition", ["welche dokumente brauche ich"]),
        "b": _entry("b", "external_exam", ["welche dokumente brauche ich bitte"]),
    }
    for topic, expected in (("recognition", "a"), ("external_exam", "b")):
        selector = AnswerSelector(entries, topic_prior=lambda _, t=topic: {t: 1.0})
        assert selector.rank("welche dokumente brauche ich")[0][0] == expected


def test_unsure_offers_the_best_entries_as_guesses() -> None:
    entries = {
        "a": _entry("a", "recognition", ["anerkennung kosten gebühr"]),
        "b": _entry("b", "recognition", ["anerkennung dauer monate"]),
    }
    match = AnswerSelector(entries).select("anerkennung")
    assert match.decision in (Decision.UNSURE, Decision.NONE)
    assert {label for label, _ in match.candidates} == {"a", "b"}


def test_index_survives_typos() -> None:
    index = PhraseIndex([("fees", "was kostet die prüfung"), ("time", "wie lange dauert es")])
    scores = index.scores("was kostet die prüfnug")
    assert max(scores, key=scores.__getitem__) == "fees"
