"""The Kom-Pass conversation scripts (tests/conversations/kompass_*.yaml) once more, with what the
generic runner (tests/test_conversations.py) does not look at: at a step with ``document: true``
the done message links the PDF, the session's download is a PDF holding ``pdf_contains``; with
``document: false`` nothing was kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import func, select

from bot.kompass.document import KOMPASS_URL
from bot.service import Lotse
from bot.store.models import KompassDocument
from tests.kompass.test_kompass_web import pdf_text

SCRIPTS = sorted((Path(__file__).parents[1] / "conversations").glob("kompass_*.yaml"))
LANGUAGES = ["de", "tr", "ru"]


def _in(language: str, value: Any) -> Any:
    return value[language] if isinstance(value, dict) and language in value else value


def _steps(script: Path) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = yaml.safe_load(script.read_text(encoding="utf-8"))["steps"]
    return steps


def test_there_are_kompass_scripts() -> None:
    assert len(SCRIPTS) >= 3


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
async def test_kompass_script_makes_the_document(
    script: Path, language: str, client: httpx.AsyncClient, lotse: Lotse
) -> None:
    steps = _steps(script)
    session: str | None = None
    checked = 0
    for number, step in enumerate(steps, start=1):
        if "start" in step:
            body: dict[str, Any] = {"session": None, "language": language}
        elif "choice" in step:
            body = {"session": session, "choice": _in(language, step["choice"])}
        else:
            body = {"session": session, "text": _in(language, step["text"])}
        answer = (await client.post("/api/chat", json=body)).json()
        session = answer["session"]
        expect = step.get("expect") or {}
        if "document" not in expect:
            continue
        where = f"{script.name} step {number} ({language})"
        links = [link["url"] for m in answer["messages"] for link in m.get("links", [])]
        download = await client.get(KOMPASS_URL, headers={"Cookie": f"lotse_session={session}"})
        async with lotse.sessions() as db:
            stored = await db.scalar(select(func.count()).select_from(KompassDocument))
        if expect["document"]:
            assert links.count(KOMPASS_URL) == 1, where
            assert stored == 1, where
            assert download.status_code == 200, where
            assert download.headers["content-type"] == "application/pdf", where
            text = pdf_text(download.content)
            for fragment in _in(language, expect.get("pdf_contains", [])):
                assert fragment in text, f"{fragment!r} not in the PDF at {where}"
        else:
            assert KOMPASS_URL not in links, where
            assert stored == 0, where
            assert download.status_code == 404, where
        checked += 1
    assert checked, f"{script.name} checks no document"
