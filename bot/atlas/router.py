"""The atlas on the server: ``/atlas/…`` pages for everyone, no login, plus its sitemap."""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from bot.atlas.pages import TOPIC_PAGES, Atlas, CourseView, Links, RegionCourses
from bot.config import Settings
from bot.content.models import LANGUAGES
from bot.courses import KINDS, matching
from bot.courses.present import course_line
from bot.service import Lotse

log = logging.getLogger(__name__)
router = APIRouter(prefix="/atlas", include_in_schema=False)
# Pages change only with the content (a restart); courses may change any time.
_CACHE = {"Cache-Control": "public, max-age=300"}
_ASK_AGAIN = 300.0  # seconds before the bot's username is asked from Telegram again


def _atlas(request: Request) -> Atlas:
    """One atlas per app, built on first use from the content the core has loaded."""
    atlas: Atlas | None = getattr(request.app.state, "atlas", None)
    if atlas is None:
        lotse: Lotse = request.app.state.lotse
        atlas = Atlas(lotse.content.knowledge, lotse.content.catalogs)
        request.app.state.atlas = atlas
    return atlas


AtlasDep = Annotated[Atlas, Depends(_atlas)]


async def telegram_username(settings: Settings) -> str | None:
    """The configured username, else the bot's own from getMe; None without either."""
    if settings.telegram_bot_username:
        return settings.telegram_bot_username.lstrip("@")
    if not settings.telegram_bot_token:
        return None
    from bot.channels.telegram import bot_username

    try:
        return await bot_username(settings)
    except Exception as error:  # Telegram unreachable: the pages go without the t.me link
        log.warning("atlas: bot username not available (%s)", type(error).__name__)
        return None


async def _links(request: Request) -> Links:
    lotse: Lotse = request.app.state.lotse
    settings = lotse.settings
    state = request.app.state
    username: str | None = getattr(state, "atlas_bot_username", None)
    asked: float | None = getattr(state, "atlas_bot_username_asked", None)
    if username is None and (asked is None or time.monotonic() - asked > _ASK_AGAIN):
        # Kept once known; after a failed getMe the pages go without t.me links for a while.
        state.atlas_bot_username_asked = time.monotonic()
        username = state.atlas_bot_username = await telegram_username(settings)
    public = (settings.public_url or str(request.base_url)).rstrip("/")
    return Links(
        public_url=public,
        # The chat beside the atlas; an address of its own only when one is configured.
        chat_url=f"{public}/" if settings.public_url else "/",
        bot_username=username,
    )


LinksDep = Annotated[Links, Depends(_links)]


def _language(language: str) -> str:
    if language not in LANGUAGES:
        raise HTTPException(status_code=404)
    return language


async def _courses(
    request: Request, atlas: Atlas, language: str, ident: str
) -> list[RegionCourses]:
    """Current courses for the occupation per region (then online ones), as the chat finds them."""
    lotse: Lotse = request.app.state.lotse
    translator = atlas.catalogs.translator(language)
    today = dt.date.today()
    found = []
    async with lotse.sessions() as session:
        for region in atlas.knowledge.regions.values():
            courses = await matching(
                session=session,
                occupation=ident,
                region=region.id,
                kinds=list(KINDS),
                today=today,
                limit=5,
            )
            views = []
            for course in courses:
                line = course_line(course, today)
                text = atlas.renderer.text(line.ref, translator, line.params)
                first, *rest = [part.removeprefix("•").strip() for part in text.splitlines()]
                views.append(CourseView(first, tuple(rest), course.url))
            if views:
                found.append(RegionCourses(region.name, tuple(views)))
    return found


@router.get("/", response_class=HTMLResponse)
async def root(atlas: AtlasDep, links: LinksDep) -> HTMLResponse:
    return HTMLResponse(atlas.root(links), headers=_CACHE)


@router.get("/sitemap.xml")
async def sitemap(atlas: AtlasDep, links: LinksDep) -> Response:
    body = atlas.sitemap(str(links.public_url))
    return Response(body, media_type="application/xml", headers=_CACHE)


@router.get("/{language}/", response_class=HTMLResponse)
async def index(language: str, atlas: AtlasDep, links: LinksDep, q: str = "") -> HTMLResponse:
    return HTMLResponse(atlas.index(_language(language), links, q), headers=_CACHE)


@router.get("/{language}/occupation/{ident}/", response_class=HTMLResponse)
async def occupation(
    language: str, ident: str, request: Request, atlas: AtlasDep, links: LinksDep
) -> HTMLResponse:
    if ident not in atlas.ways:
        raise HTTPException(status_code=404)
    courses = await _courses(request, atlas, _language(language), ident)
    page = atlas.occupation(language, ident, links, courses)
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})


@router.get("/{language}/topic/{topic}/", response_class=HTMLResponse)
async def topic(language: str, topic: str, atlas: AtlasDep, links: LinksDep) -> HTMLResponse:
    if topic not in TOPIC_PAGES or topic not in atlas.knowledge.topics:
        raise HTTPException(status_code=404)
    return HTMLResponse(atlas.topic(_language(language), topic, links), headers=_CACHE)
