"""The trained content is cached on disk under a hash of content and code, and rebuilt on change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot import bundle
from bot.bundle import Content, content_key
from bot.config import PROJECT_ROOT

QUESTION = "Wer bezahlt den Vorbereitungskurs?"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for folder in ("dialogs", "knowledge", "locales"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    return tmp_path


def test_a_second_load_reads_the_cache_and_answers_alike(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = Content.load(root, cache_dir=cache)
    assert [p.name for p in cache.iterdir()] == [f"content-{content_key(root)}.pickle"]

    def no_training(_root: Path) -> None:
        raise AssertionError("trained again although the cache matches")

    monkeypatch.setattr(bundle, "_train", no_training)
    second = Content.load(root, cache_dir=cache)
    assert second.answers.select(QUESTION) == first.answers.select(QUESTION)
    assert (
        second.understander.analyse(QUESTION).intent == first.understander.analyse(QUESTION).intent
    )


def test_an_edited_entry_makes_a_new_key_and_the_old_file_goes(root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    Content.load(root, cache_dir=cache)
    before = content_key(root)
    entries = root / "knowledge" / "answers" / "funding.yaml"
    entries.write_text(entries.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert content_key(root) != before
    Content.load(root, cache_dir=cache)
    assert [p.name for p in cache.iterdir()] == [f"content-{content_key(root)}.pickle"]


def test_a_torn_cache_file_is_rebuilt(root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / f"content-{content_key(root)}.pickle").write_bytes(b"\x80\x05 torn")
    content = Content.load(root, cache_dir=cache)
    assert content.answers.select(QUESTION).answer is not None
    assert (cache / f"content-{content_key(root)}.pickle").stat().st_size > 1000
