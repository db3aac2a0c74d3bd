"""Optional import from the Bundesagentur für Arbeit's course search (its "Weiterbildungssuche").

Off unless ``LOTSE_BA_COURSES_URL`` is set to the search endpoint (documented by the bundesAPI
project: ``https://rest.arbeitsagentur.de/infosysbub/wbsuche/pc/v1/bildungsangebot``, with the
client id as ``X-API-Key`` in ``LOTSE_BA_COURSES_API_KEY``). For every occupation with a chamber
exam it asks for courses in the region's Land, keeps those held in the region's towns and
postcodes whose title says what they lead to (external exam or partial qualification), and stores
them with the source ``ba``, the offer's id and today's date. A course a counsellor edited or
retired is never overwritten. Run it with ``python -m bot.courses.ba_import``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Knowledge
from bot.content.models import LegalBasis, Occupation, Region
from bot.content.names import short_gender_form
from bot.courses.catalogue import CourseError, CourseInput, add_course, fill, parse_url
from bot.store.models import Course

log = logging.getLogger(__name__)

# The search's codes for the Länder (parameter ``re``).
STATE_CODES = {
    "Baden-Württemberg": "BAW", "Bayern": "BAY", "Berlin": "BER", "Brandenburg": "BRA",
    "Bremen": "BRE", "Hamburg": "HAM", "Hessen": "HES", "Mecklenburg-Vorpommern": "MBV",
    "Niedersachsen": "NDS", "Nordrhein-Westfalen": "NRW", "Rheinland-Pfalz": "RPF",
    "Saarland": "SAA", "Sachsen": "SAC", "Sachsen-Anhalt": "SAN", "Schleswig-Holstein": "SLH",
    "Thüringen": "THÜ",
}  # fmt: skip
# What a course leads to, read from its title; anything else is not imported.
_KIND_WORDS = (
    ("exam_preparation", re.compile(r"extern|§\s*45|§\s*37|nachqualifi|abschlussprüfung", re.I)),
    ("partial_qualification", re.compile(r"teilqualifi", re.I)),
)
_ONLINE_FORMS = range(200, 500)  # virtual classroom, online, blended, distance learning
PAGE_SIZE = 100
MAX_PAGES = 5


class ImportSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    url: str | None = Field(default=None, alias="LOTSE_BA_COURSES_URL")
    api_key: str | None = Field(default=None, alias="LOTSE_BA_COURSES_API_KEY")


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    kept: int = 0  # edited by a counsellor: left as it is
    skipped: int = 0  # not in the region or not leading to the exam
    errors: list[str] = field(default_factory=list)


def _kind(title: str) -> str | None:
    return next((kind for kind, words in _KIND_WORDS if words.search(title)), None)


def _in_region(address: Mapping[str, Any], region: Region) -> bool:
    place = address.get("ortStrasse") or {}
    postcode = str(place.get("plz") or "")
    town = str(place.get("name") or "")
    return (
        any(
            postcode == code or (len(code) == 3 and postcode.startswith(code))
            for code in region.serves.postcodes
        )
        or town in region.serves.places
    )


def _date(value: object) -> dt.date | None:
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value / 1000, dt.UTC).date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _format(termin: Mapping[str, Any]) -> str:
    form = (termin.get("unterrichtsform") or {}).get("id")
    if isinstance(form, int) and form in _ONLINE_FORMS:
        return "online"
    time = str((termin.get("unterrichtszeit") or {}).get("bezeichnung") or "").lower()
    if "abend" in time:
        return "evening"
    return "full_time" if "vollzeit" in time else "part_time"


def map_offer(
    termin: Mapping[str, Any], occupation: Occupation, region: Region, today: dt.date
) -> CourseInput | None:
    """One result of the search as a catalogue entry, or None when it does not fit."""
    offer = termin.get("angebot") or {}
    title = " ".join(str(offer.get("titel") or "").split())[:200]
    provider = " ".join(str((offer.get("bildungsanbieter") or {}).get("name") or "").split())
    kind = _kind(title)
    address = termin.get("adresse") or {}
    if not title or not provider or kind is None or not _in_region(address, region):
        return None
    place = address.get("ortStrasse") or {}
    where = ", ".join(
        part
        for part in (str(address.get("strasse") or ""), f"{place.get('plz') or ''} "
                     f"{place.get('name') or ''}".strip())
        if part
    )  # fmt: skip
    start = _date(termin.get("beginn"))
    url = None
    for candidate in (termin.get("link"), offer.get("link")):
        try:
            url = parse_url(str(candidate or ""))
        except CourseError:
            url = None
        if url:
            break
    return CourseInput(
        provider=provider[:200],
        title=title,
        kind=kind,
        occupations=(occupation.id,),
        region=region.id,
        address=where[:300] or None,
        format=_format(termin),
        duration_months=None,
        start_dates=(start,) if start and start >= today else (),
        voucher=termin.get("foerderung") is True,
        languages=("de",),
        url=url,
        checked=today,
    )


async def _fetch(
    client: httpx.AsyncClient, settings: ImportSettings, params: dict[str, str | int]
) -> list[dict[str, Any]]:
    assert settings.url is not None
    headers = {"X-API-Key": settings.api_key} if settings.api_key else {}
    found: list[dict[str, Any]] = []
    for page in range(MAX_PAGES):
        response = await client.get(
            settings.url, params={**params, "page": page, "size": PAGE_SIZE}, headers=headers
        )
        response.raise_for_status()
        body = response.json()
        termine = (body.get("_embedded") or {}).get("termine") or []
        found += [t for t in termine if isinstance(t, dict)]
        pages = (body.get("page") or {}).get("totalPages")
        if not termine or not isinstance(pages, int) or page + 1 >= pages:
            break
    return found


async def run_import(
    *,
    sessions: async_sessionmaker[AsyncSession],
    knowledge: Knowledge,
    region_id: str,
    settings: ImportSettings,
    today: dt.date | None = None,
    request_timeout: float = 20.0,
) -> ImportReport:
    """Fetch, map and store; an occupation whose request fails is reported and skipped."""
    report = ImportReport()
    if not settings.url:
        return report  # off by default
    region = knowledge.regions[region_id]
    today = today or dt.date.today()
    occupations = [
        o
        for o in knowledge.occupations.values()
        if o.legal_basis in (LegalBasis.BBIG, LegalBasis.HWO)
    ]
    async with httpx.AsyncClient(timeout=request_timeout, follow_redirects=False) as client:
        for occupation in occupations:
            params: dict[str, str | int] = {
                "sw": short_gender_form(occupation.name.de),
                "re": STATE_CODES.get(region.state, "-"),
            }
            try:
                termine = await _fetch(client, settings, params)
            except (httpx.HTTPError, ValueError) as error:
                report.errors.append(f"{occupation.id}: {type(error).__name__}")
                continue
            async with sessions() as session, session.begin():
                for termin in termine:
                    await _store(session, termin, occupation, region, today, report)
    log.info(
        "BA course import: %d added, %d updated, %d kept, %d skipped, %d errors",
        report.added, report.updated, report.kept, report.skipped, len(report.errors),
    )  # fmt: skip
    return report


async def _store(
    session: AsyncSession,
    termin: Mapping[str, Any],
    occupation: Occupation,
    region: Region,
    today: dt.date,
    report: ImportReport,
) -> None:
    data = map_offer(termin, occupation, region, today)
    if data is None or termin.get("id") is None:
        report.skipped += 1
        return
    external_id = f"ba:{termin['id']}"
    existing = await session.scalar(select(Course).where(Course.external_id == external_id))
    if existing is None:
        await add_course(session=session, data=data, source="ba", external_id=external_id)
        report.added += 1
    elif existing.edited:
        report.kept += 1
    else:
        occupations = sorted({*existing.occupations, occupation.id})
        fill(existing, data)
        existing.occupations = occupations
        report.updated += 1


def main() -> None:  # pragma: no cover - a thin command around run_import
    from bot.bundle import Content
    from bot.config import Settings
    from bot.store.db import create_engine, session_factory

    settings = Settings()
    content = Content.load(settings.content_root, cache_dir=settings.cache_dir)
    imports = ImportSettings()
    if not imports.url:
        print("LOTSE_BA_COURSES_URL is not set: the import is off.")
        return
    db = create_engine(settings.effective_database_url)

    async def go() -> ImportReport:
        try:
            return await run_import(
                sessions=session_factory(db), knowledge=content.knowledge,
                region_id=settings.region or "dortmund", settings=imports,
            )  # fmt: skip
        finally:
            await db.dispose()

    report = asyncio.run(go())
    print(
        f"added {report.added}, updated {report.updated}, kept {report.kept}, "
        f"skipped {report.skipped}, errors {len(report.errors)}"
    )


if __name__ == "__main__":  # pragma: no cover
    main()
