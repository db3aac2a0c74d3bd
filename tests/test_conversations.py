"""Conversation scripts as data (tests/conversations/*.yaml), run via /api/chat in 3 languages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from bot.service import Content

SCRIPTS = sorted((Path(__file__).parent / "conversations").glob("*.yaml"))
LANGUAGES = ["de", "tr", "ru"]


def _in(language: str, value: Any) -> Any:
    """A step value is either the same in every language or a mapping per language."""
    return value[language] if isinstance(value, dict) and language in value else value


def _steps(script: Path) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = yaml.safe_load(script.read_text(encoding="utf-8"))["steps"]
    return steps


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
async def test_conversation_script(
    script: Path, language: str, client: httpx.AsyncClient, content: Content
) -> None:
    steps = _steps(script)
    session: str | None = None
    for number, step in enumerate(steps, start=1):
        if "start" in step:
            body: dict[str, Any] = {"session": None, "language": language}
        elif "choice" in step:
            body = {"session": session, "choice": _in(language, step["choice"])}
        else:
            body = {"session": session, "text": _in(language, step["text"])}
        response = await client.post("/api/chat", json=body)
        assert response.status_code == 200, response.text
        answer = response.json()
        session = answer["session"]
        assert answer["language"] == language
        shown = "\n".join(m["text"] for m in answer["messages"])
        offered = [o["id"] for m in answer["messages"] for o in m["options"]]
        where = f"{script.name} step {number} ({language}): {shown!r} {offered}"
        expect = step.get("expect") or {}
        for fragment in _in(language, expect.get("contains", [])):
            assert fragment in shown, f"missing {fragment!r} in {where}"
        for fragment in _in(language, expect.get("not_contains", [])):
            assert fragment not in shown, f"unexpected {fragment!r} in {where}"
        for option in expect.get("options", []):
            assert option in offered, f"option {option!r} not offered in {where}"
        if "answer" in expect:
            _assert_answer(content, expect["answer"], language, answer["messages"], where)
        if expect.get("no_answer"):
            assert not any(m.get("links") for m in answer["messages"]), f"an answer in {where}"


def _assert_answer(
    content: Content, answer_id: str, language: str, messages: list[dict[str, Any]], where: str
) -> None:
    """The entry's answer comes first, with its source links, before anything else is asked."""
    entry = content.knowledge.answers[answer_id]
    opening = entry.answer.get(language).strip().split("{")[0][:40]
    first = next((m for m in messages if m.get("links")), None)
    assert first is not None, f"no answer with links in {where}"
    assert first["text"].startswith(opening), f"expected {answer_id} first in {where}"
    assert [link["url"] for link in first["links"]] == [str(s.url) for s in entry.sources]
