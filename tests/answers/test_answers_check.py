"""`lotse check` validates answer entries like the rest of the content, with file:line."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.check import run_checks
from bot.config import PROJECT_ROOT

PHRASES = [f"wie geht frage nummer {n} zu testzwecken" for n in range(8)]


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    for folder in ("dialogs", "knowledge", "locales"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    return tmp_path


def _entry(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": "zz_test_entry",
        "topic": "external_exam",
        "title": {"de": "Test?", "tr": "Test?", "ru": "Тест?"},
        "examples": {
            "de": PHRASES,
            "tr": [f"test sorusu {n} deneme amacli" for n in range(8)],
            "ru": [f"тестовый вопрос номер {n} для проверки" for n in range(8)],
        },
        "answer": {"de": "Ja. In Ihrer Region: {ihk}.", "tr": "Evet.", "ru": "Да."},
        "sources": [{"title": "BBiG §45", "url": "https://www.gesetze-im-internet.de/"}],
        "reviewed": "2026-12-01",
    }
    entry.update(changes)
    return entry


def _write(root: Path, *entries: dict[str, Any]) -> Path:
    path = root / "knowledge" / "answers" / "zz_test.yaml"
    path.write_text(
        yaml.safe_dump({"version": 1, "answers": list(entries)}, allow_unicode=True),
        encoding="utf-8",
    )
    return path


def test_a_good_entry_passes(content_copy: Path) -> None:
    _write(content_copy, _entry())
    assert run_checks(content_copy) == []


def test_too_few_examples_are_reported(content_copy: Path) -> None:
    examples = {**_entry()["examples"], "tr": ["sadece bir soru"]}
    path = _write(content_copy, _entry(examples=examples))
    problems = run_checks(content_copy)
    assert any(p.startswith(f"{path}:") and "1 tr examples" in p for p in problems), problems


def test_an_example_under_two_entries_is_reported(content_copy: Path) -> None:
    path = _write(content_copy, _entry(), _entry(id="zz_other_entry"))
    problems = run_checks(content_copy)
    assert any(p.startswith(f"{path}:") and "also stands under" in p for p in problems)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"de": "Ja. {chamber_phone}", "tr": "Evet.", "ru": "Да."}, "unknown ['chamber_phone']"),
        ({"de": "Ja. {ihk", "tr": "Evet.", "ru": "Да."}, "stray brace"),
        ({"de": "Ja. " + "sehr " * 80, "tr": "Evet.", "ru": "Да."}, "words"),
    ],
)
def test_answer_text_problems_are_reported(
    content_copy: Path, answer: dict[str, str], expected: str
) -> None:
    path = _write(content_copy, _entry(answer=answer))
    problems = run_checks(content_copy)
    assert any(p.startswith(f"{path}:") and expected in p for p in problems), problems


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"sources": [{"title": "Seite", "url": "http://example.org/"}]}, "https"),
        ({"sources": [{"title": "Seite ohne Adresse"}]}, "url"),
        ({"topic": "weather"}, "unknown topic"),
        ({"next": "somewhere"}, "next"),
    ],
)
def test_schema_problems_stop_loading_with_file_and_line(
    content_copy: Path, change: dict[str, Any], expected: str
) -> None:
    path = _write(content_copy, _entry(**change))
    problems = run_checks(content_copy)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:"), problems
    assert expected in problems[0], problems
