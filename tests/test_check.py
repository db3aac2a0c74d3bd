"""`lotse check` passes on the repository and fails with file:line lines on broken content."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.check import run_checks
from bot.config import PROJECT_ROOT


def test_repository_content_is_clean() -> None:
    assert run_checks(PROJECT_ROOT) == []


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    for folder in ("dialogs", "knowledge", "locales"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    return tmp_path


def _lotse_check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        env={"LOTSE_CONTENT_ROOT": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        cwd=root,
    )


def test_cli_fails_with_file_and_line_on_a_broken_dialog(content_copy: Path) -> None:
    path = content_copy / "dialogs" / "funding.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("next: programmes", "next: programmez"), encoding="utf-8")
    result = _lotse_check(content_copy)
    assert result.returncode == 1
    assert f"{path}:" in result.stdout
    assert "programmez" in result.stdout


def test_cli_passes_on_good_content(content_copy: Path) -> None:
    result = _lotse_check(content_copy)
    assert result.returncode == 0, result.stdout


def test_untranslated_and_fuzzy_messages_are_reported(content_copy: Path) -> None:
    path = content_copy / "locales" / "tr" / "LC_MESSAGES" / "messages.po"
    text = path.read_text(encoding="utf-8")
    start = text.index('msgid "exam.ask_workload"')
    end = text.index("\n\n", start)
    text = text[:start] + 'msgid "exam.ask_workload"\nmsgstr ""' + text[end:]
    start = text.index('msgid "nav.back"')
    text = text[:start] + "#, fuzzy\n" + text[start:]
    path.write_text(text, encoding="utf-8")
    problems = run_checks(content_copy)
    assert any(
        "exam.ask_workload" in p and "not translated" in p and str(path) in p for p in problems
    )
    assert any("nav.back" in p and "fuzzy" in p for p in problems)


def test_placeholder_mismatch_is_reported(content_copy: Path) -> None:
    path = content_copy / "locales" / "ru" / "LC_MESSAGES" / "messages.po"
    text = path.read_text(encoding="utf-8").replace("{needed}", "{neded}", 1)
    path.write_text(text, encoding="utf-8")
    assert any("placeholders" in p for p in run_checks(content_copy))


def test_fact_without_source_is_reported_with_its_line(content_copy: Path) -> None:
    path = content_copy / "knowledge" / "funding.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.strip().startswith("sources:"))
    indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
    end = index + 1
    while end < len(lines) and (
        lines[end].startswith(indent + " ") or lines[end].startswith(indent + "-")
    ):
        end += 1
    del lines[index:end]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = run_checks(content_copy)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:")
    assert "sources" in problems[0]


def test_stale_review_dates_are_reported() -> None:
    far_future = dt.date.today() + dt.timedelta(days=800)
    problems = run_checks(PROJECT_ROOT, today=far_future)
    assert problems
    assert all("reviewed over a year ago" in p for p in problems)
    assert any("knowledge/tasks.yaml" in p for p in problems)  # the Kom-Pass task lists too


def test_missing_topic_for_an_intent_is_reported(content_copy: Path) -> None:
    path = content_copy / "knowledge" / "topics.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("id: employer", "id: employers"), encoding="utf-8")
    problems = run_checks(content_copy)
    assert any("no topic for intent 'employer'" in p for p in problems)


def test_region_without_a_body_kind_is_reported(content_copy: Path) -> None:
    path = content_copy / "knowledge" / "regions.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("      dentists_chamber: zaekwl\n", ""), encoding="utf-8")
    problems = run_checks(content_copy)
    assert any("no entry for 'dentists_chamber'" in p for p in problems), problems


def test_body_of_another_kind_is_reported(content_copy: Path) -> None:
    """A medical assistant must never be sent to an IHK because a key was mistyped."""
    path = content_copy / "knowledge" / "regions.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("physicians_chamber: aekwl", "physicians_chamber: ihk_dortmund"),
        encoding="utf-8",
    )
    problems = run_checks(content_copy)
    assert any("'ihk_dortmund' is of kind 'ihk', not 'physicians_chamber'" in p for p in problems)


def test_long_funding_summary_is_reported(content_copy: Path) -> None:
    path = content_copy / "knowledge" / "funding.yaml"
    text = path.read_text(encoding="utf-8")
    padded = text.replace("Seit dem 1. Juli 2023", "Seit dem 1. Juli 2023" + " sehr" * 50, 1)
    assert padded != text
    path.write_text(padded, encoding="utf-8")
    problems = run_checks(content_copy)
    assert any("'weiterbildungsgeld' de summary has" in p for p in problems), problems
