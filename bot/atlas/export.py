"""``lotse atlas build DIR``: the whole atlas as static files with relative links.

Each page becomes ``<path>/index.html``; links name ``index.html`` so the folder also works
opened from disk. Without a public address there is no sitemap (it needs absolute links) and
no web chat button (the chat needs the server).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.atlas.pages import Atlas, Links


@dataclass(frozen=True)
class Built:
    pages: int
    sitemap: bool


def build(atlas: Atlas, target: Path, *, public_url: str | None, bot_username: str | None) -> Built:
    """Write every page below ``target`` (created if missing; files of an older build replaced)."""
    public = public_url.rstrip("/") if public_url else None
    links = Links(
        public_url=public,
        chat_url=f"{public}/" if public else None,
        bot_username=bot_username,
        static=True,
    )
    paths = atlas.page_paths()
    for path in paths:
        folder = target.joinpath(*path)
        folder.mkdir(parents=True, exist_ok=True)
        match path:
            case ():
                html = atlas.root(links)
            case (language,):
                html = atlas.index(language, links)
            case (language, "occupation", ident):
                html = atlas.occupation(language, ident, links)
            case (language, "topic", topic):
                html = atlas.topic(language, topic, links)
            case _:
                raise ValueError(f"no page for {path}")
        (folder / "index.html").write_text(html, encoding="utf-8")
    if public:
        (target / "sitemap.xml").write_text(atlas.sitemap(public), encoding="utf-8")
    return Built(pages=len(paths), sitemap=bool(public))


def build_command(target: str, *, public_url: str | None = None) -> int:
    """``lotse atlas build DIR``: load the content, write the pages, say what was written."""
    import asyncio
    import sys

    from bot.atlas.router import telegram_username
    from bot.config import Settings
    from bot.content import load_knowledge
    from bot.i18n import Catalogs

    settings = Settings()
    atlas = Atlas(load_knowledge(settings.knowledge_dir), Catalogs(settings.locales_dir))
    username = asyncio.run(telegram_username(settings))
    built = build(
        atlas,
        Path(target),
        public_url=public_url or settings.public_url,
        bot_username=username,
    )
    print(f"{built.pages} pages written to {target}")
    if not built.sitemap:
        print(
            "no sitemap and no web chat links: give --public-url or set LOTSE_PUBLIC_URL",
            file=sys.stderr,
        )
    return 0
