"""Loader and validator: real dialogs load; a broken copy per error type fails with file:line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.content.models import LANGUAGES
from bot.engine import load_dialogs
from bot.engine.errors import (
    DialogSchemaError,
    DuplicateIdError,
    LoopWithoutQuestionError,
    MissingElseError,
    MissingFallbackError,
    UnknownConditionError,
    UnknownKnowledgeError,
    UnknownMessageError,
    UnreachableNodeError,
    UnresolvedNodeError,
)
from bot.engine.model import NodeKind
from bot.engine.validate import content_errors
from bot.service import Content
from bot.yamlio import ContentError

ORPHAN = """
  - id: orphan
    say: [fund.intro]
    next: programmes
"""
LOOP = """
  - id: loop_a
    say: [fund.intro]
    next: loop_b
  - id: loop_b
    say: [fund.intro]
    next: loop_a
"""
DUPLICATE = """
  - id: years
    say: [exam.intro]
    next: workload
"""


def test_real_dialogs_load_with_locations() -> None:
    dialogs = load_dialogs(PROJECT_ROOT / "dialogs")
    assert {"main", "external_exam", "recognition", "funding"} <= set(dialogs.dialogs)
    years = dialogs.node("external_exam.years")
    assert years.kind == NodeKind.QUESTION
    assert years.location.path.endswith("external_exam.yaml")
    source_line = (
        (PROJECT_ROOT / "dialogs/external_exam.yaml")
        .read_text()
        .splitlines()[years.location.line - 1]
    )
    assert "id: years" in source_line
    assert years.next == "external_exam.check_workload"


def _broken_copy(
    tmp_path: Path, file: str, old: str, new: str, append: str = ""
) -> tuple[Path, int]:
    """Copy the dialogs, change one file; return the folder and the line of the change."""
    folder = tmp_path / "dialogs"
    shutil.copytree(PROJECT_ROOT / "dialogs", folder)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    if old:
        assert old in text
        line = text[: text.index(old)].count("\n") + 1
        text = text.replace(old, new, 1)
    else:
        line = text.count("\n") + 2
    path.write_text(text + append, encoding="utf-8")
    return folder, line


@pytest.mark.parametrize(
    ("file", "old", "new", "append", "error", "line_of_node"),
    [
        (
            "external_exam.yaml",
            "next: check_workload",
            "next: chek_workload",
            "",
            UnresolvedNodeError,
            True,
        ),
        ("funding.yaml", "", "", ORPHAN, UnreachableNodeError, False),
        (
            "external_exam.yaml",
            "    fallback: exam.years_unknown\n",
            "",
            "",
            MissingFallbackError,
            True,
        ),
        ("external_exam.yaml", "", "", DUPLICATE, DuplicateIdError, False),
        ("external_exam.yaml", "    else: not_yet\n", "", "", MissingElseError, True),
        (
            "external_exam.yaml",
            "{when: exam_eligible",
            "{when: exam_eligable",
            "",
            UnknownConditionError,
            False,
        ),
        ("funding.yaml", "", "", LOOP, LoopWithoutQuestionError, False),
        ("main.yaml", "nodes:", "nodes: [", "", ContentError, False),
        ("main.yaml", "    say: [main.restarted]\n", "", "", DialogSchemaError, True),
    ],
    ids=[
        "unresolved",
        "unreachable",
        "no-fallback",
        "duplicate",
        "no-else",
        "condition",
        "loop",
        "syntax",
        "schema",
    ],
)
def test_each_structural_error_names_file_and_line(
    tmp_path: Path,
    file: str,
    old: str,
    new: str,
    append: str,
    error: type[Exception],
    line_of_node: bool,
) -> None:
    folder, line = _broken_copy(tmp_path, file, old, new, append)
    with pytest.raises(error) as caught:
        load_dialogs(folder)
    assert isinstance(caught.value, ContentError)
    message = str(caught.value)
    assert message.startswith(f"{folder / file}:"), message
    reported = caught.value.line
    if line_of_node:
        # Reported at the node that holds the broken line: at or just before it.
        assert 0 < line - reported <= 12, (line, message)
    else:
        assert reported >= 1


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        ("ask: exam.ask_years", "ask: exam.ask_yeers", UnknownMessageError),
        ('label: "occupation:koch"', 'label: "occupation:kokk"', UnknownKnowledgeError),
        ("set: {occupation: koch}", "set: {occupation: kokk}", UnknownKnowledgeError),
    ],
)
def test_content_references_are_checked(
    tmp_path: Path, content: Content, old: str, new: str, error: type[Exception]
) -> None:
    folder, line = _broken_copy(tmp_path, "external_exam.yaml", old, new)
    dialogs = load_dialogs(folder)
    errors = list(
        content_errors(dialogs, content.knowledge, content.catalogs.has_message, LANGUAGES)
    )
    assert errors, "the broken reference was not reported"
    assert all(isinstance(e, error) for e in errors)
    assert any(e.line <= line for e in errors)
    assert all(str(e).startswith(f"{folder / 'external_exam.yaml'}:") for e in errors)


def test_real_content_has_no_reference_errors(content: Content) -> None:
    errors = list(
        content_errors(content.dialogs, content.knowledge, content.catalogs.has_message, LANGUAGES)
    )
    assert errors == []
