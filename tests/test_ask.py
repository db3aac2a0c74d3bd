"""`lotse ask`: the JSON contract of DESIGN.md, one answer per input line."""

from __future__ import annotations

import json
import subprocess
import sys

from bot.ask import Asker
from bot.config import PROJECT_ROOT, Settings

INTENTS = {
    "external_exam", "partial_qualification", "validation", "recognition", "funding",
    "language_course", "employer", "counselling", "greeting", None,
}  # fmt: skip


def test_ask_reads_lines_and_answers_each_as_json() -> None:
    lines = [
        "Ich arbeite seit 6 Jahren in Vollzeit als Koch ohne Abschluss",
        "",
        "diploma denkligi nasil yapilir",
        "Кто оплатит курс?",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "-"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
    )
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == 3  # the empty line is skipped
    for answer in answers:
        assert set(answer) == {"language", "intent", "confidence", "slots", "reply", "answer"}
        assert answer["intent"] in INTENTS
        assert 0 <= answer["confidence"] <= 1
        assert answer["reply"]
    assert [a["language"] for a in answers] == ["de", "tr", "ru"]
    assert answers[0]["intent"] == "external_exam"
    assert answers[0]["slots"]["occupation"] == "Koch/Köchin"
    assert answers[0]["slots"]["years"] == 6
    assert isinstance(answers[0]["slots"]["years"], int)
    assert "4,5 Jahre" in answers[0]["reply"]
    assert answers[0]["answer"] is None  # a statement of facts goes into the tree


def test_ask_reports_the_answer_entry_shown_first() -> None:
    asker = Asker.create(Settings(LOTSE_ENVIRONMENT="test"))
    answer = asker.ask("Wie oft darf ich die Prüfung wiederholen?")
    assert answer["answer"] == "exam_retake"
    assert answer["intent"] == "external_exam"
    about = asker.ask("bist du ein echter mensch oder ein bot?")
    assert about["answer"] == "about_human"
    assert about["intent"] is None  # entries about Lotse belong to no tree


def test_ask_in_process_with_forced_language() -> None:
    asker = Asker.create(Settings(LOTSE_ENVIRONMENT="test"))
    answer = asker.ask("Koch 5 Jahre Externenprüfung", language="ru")
    assert answer["language"] == "de"  # detected language of the message
    assert any("а" <= ch <= "я" for ch in answer["reply"])  # answered in the forced language
