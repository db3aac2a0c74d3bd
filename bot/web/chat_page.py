"""Assets of the web chat page: script, style, UI strings per language and ``/embed.js``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from bot.content.models import LANGUAGES
from bot.i18n import language_name, msg
from bot.service import Lotse

STATIC = Path(__file__).resolve().parent / "static"
_ASSETS = {"chat.js": "text/javascript", "chat.css": "text/css"}
_CACHE = {"Cache-Control": "public, max-age=300"}

UI_STRINGS = {
    "title": msg("web.title"),
    "language": msg("web.language"),
    "input_label": msg("web.input_label"),
    "placeholder": msg("web.placeholder"),
    "send": msg("web.send"),
    "answers": msg("web.answers"),
    "typing": msg("web.typing"),
    "error": msg("web.error"),
    "retry": msg("web.retry"),
    "restart": msg("web.restart"),
    "you": msg("web.you"),
    "bot": msg("web.bot"),
    "privacy": msg("web.privacy"),
    "open_chat": msg("web.open_chat"),
    "close_chat": msg("web.close_chat"),
    "chat_title": msg("web.chat_title"),
    "more_options": msg("web.more_options"),
    "fewer_options": msg("web.fewer_options"),
    "shortcuts": msg("web.shortcuts"),
    # The engine's own labels for its "my data" and "my appointment" commands.
    "my_data": msg("nav.mydata"),
    "appointment": msg("nav.appointment"),
}

router = APIRouter(include_in_schema=False)


def _lotse(request: Request) -> Lotse:
    lotse: Lotse = request.app.state.lotse
    return lotse


LotseDep = Annotated[Lotse, Depends(_lotse)]


def ui_strings(lotse: Lotse) -> dict[str, dict[str, str]]:
    """The page's own texts in every language, from the catalogs."""
    strings: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        translator = lotse.content.catalogs.translator(language)
        strings[language] = {key: translator.text(mid) for key, mid in UI_STRINGS.items()}
        strings[language]["name"] = language_name(language)
    return strings


@router.get("/chat/strings.json")
async def strings(lotse: LotseDep) -> JSONResponse:
    return JSONResponse(ui_strings(lotse), headers=_CACHE)


@router.get("/chat/{name}")
async def asset(name: str) -> FileResponse:
    if name not in _ASSETS:
        raise HTTPException(status_code=404)
    return FileResponse(STATIC / name, media_type=_ASSETS[name], headers=_CACHE)


@router.get("/embed.js")
async def embed(lotse: LotseDep) -> Response:
    """The snippet for other websites: a chat button that opens the page in a frame."""
    source = (STATIC / "embed.js").read_text(encoding="utf-8")
    labels = {
        language: {k: v[k] for k in ("open_chat", "close_chat", "chat_title")}
        for language, v in ui_strings(lotse).items()
    }
    body = source.replace("/*LABELS*/{}", json.dumps(labels, ensure_ascii=False))
    return Response(body, media_type="text/javascript", headers=_CACHE)
