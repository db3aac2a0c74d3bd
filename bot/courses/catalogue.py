"""Catalogue queries and the one validation every entry passes (dashboard, CSV, import)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import Course, utcnow

# What a course leads to; the conversation shows the kinds that fit the question.
KINDS: dict[str, str] = {
    "exam_preparation": "Vorbereitung auf die Externenprüfung",
    "partial_qualification": "Teilqualifikation",
    "adaptation": "Anpassungsqualifizierung (Anerkennung)",
    "job_german": "Berufsbezogener Deutschkurs",
}
FORMATS: dict[str, str] = {
    "full_time": "Vollzeit",
    "part_time": "Teilzeit",
    "evening": "abends",
    "online": "online",
}
# Entries nobody confirmed for this long are flagged in the dashboard.
STALE_AFTER = dt.timedelta(days=183)
# The Bundesagentur für Arbeit's public course search (formerly KURSNET).
OFFICIAL_SEARCH = "https://web.arbeitsagentur.de/weiterbildungssuche/"
MAX_DURATION_MONTHS = 60
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")
_TRUE = {"ja", "yes", "true", "1", "x", "j", "y"}
_FALSE = {"nein", "no", "false", "0", "", "n"}


class CourseError(ValueError):
    """A course entry that cannot be stored; the message says which field, in German."""


@dataclass(frozen=True)
class CourseInput:
    """A validated entry, ready to be stored."""

    provider: str
    title: str
    kind: str
    occupations: tuple[str, ...]
    region: str | None
    address: str | None
    format: str
    duration_months: int | None
    start_dates: tuple[dt.date, ...]
    voucher: bool
    languages: tuple[str, ...]
    url: str | None
    checked: dt.date


def _text(values: Mapping[str, str], name: str, label: str, limit: int, required: bool) -> str:
    value = " ".join((values.get(name) or "").split())
    if required and not value:
        raise CourseError(f"{label} fehlt.")
    if len(value) > limit:
        raise CourseError(f"{label} ist länger als {limit} Zeichen.")
    return value


def _items(value: str) -> list[str]:
    return [item.strip() for item in re.split(r"[,|]", value or "") if item.strip()]


def parse_date(value: str) -> dt.date:
    """``2027-03-01`` or ``01.03.2027``."""
    value = value.strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise CourseError(f"„{value[:20]}“ ist kein Datum (TT.MM.JJJJ oder JJJJ-MM-TT).")


def parse_url(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc or any(ch.isspace() for ch in value):
        raise CourseError("Der Link muss mit https:// beginnen.")
    if len(value) > 500:
        raise CourseError("Der Link ist länger als 500 Zeichen.")
    return value


def parse_course(
    values: Mapping[str, str],
    *,
    occupations: Collection[str],
    regions: Collection[str],
    today: dt.date,
) -> CourseInput:
    """Check one entry given as text fields (form or CSV row); the first problem is raised."""
    provider = _text(values, "provider", "Der Anbieter", 200, True)
    title = _text(values, "title", "Der Titel", 200, True)
    kind = _text(values, "kind", "Die Art", 32, True)
    if kind not in KINDS:
        raise CourseError(f"Die Art muss eine von {', '.join(KINDS)} sein.")
    leads_to = _items(values.get("occupations", ""))
    if not leads_to:
        raise CourseError("Mindestens ein Beruf fehlt.")
    unknown = [o for o in leads_to if o not in occupations]
    if unknown:
        raise CourseError(f"Unbekannter Beruf: {unknown[0][:40]} (Kennungen aus occupations.yaml).")
    course_format = _text(values, "format", "Die Form", 16, True)
    if course_format not in FORMATS:
        raise CourseError(f"Die Form muss eine von {', '.join(FORMATS)} sein.")
    region = _text(values, "region", "Die Region", 64, False) or None
    if region is not None and region not in regions:
        raise CourseError(f"Unbekannte Region: {region[:40]} ({', '.join(sorted(regions))}).")
    if region is None and course_format != "online":
        raise CourseError("Die Region fehlt (ohne Region nur für Online-Kurse).")
    address = _text(values, "address", "Die Adresse", 300, False) or None
    duration_text = _text(values, "duration_months", "Die Dauer", 4, False)
    duration: int | None = None
    if duration_text:
        if not duration_text.isdigit() or not 0 < int(duration_text) <= MAX_DURATION_MONTHS:
            raise CourseError(
                f"Die Dauer in Monaten muss zwischen 1 und {MAX_DURATION_MONTHS} liegen."
            )
        duration = int(duration_text)
    starts = tuple(sorted({parse_date(d) for d in _items(values.get("start_dates", ""))}))
    voucher_text = (values.get("voucher") or "").strip().lower()
    if voucher_text not in _TRUE | _FALSE:
        raise CourseError("Bildungsgutschein: bitte ja oder nein.")
    languages = tuple(dict.fromkeys(code.lower() for code in _items(values.get("languages", ""))))
    if any(not _LANGUAGE_CODE.fullmatch(code) for code in languages):
        raise CourseError("Sprachen als Kürzel angeben, z. B. de, tr, ru.")
    checked_text = (values.get("checked") or "").strip()
    checked = parse_date(checked_text) if checked_text else today
    if checked > today:
        raise CourseError("„Zuletzt geprüft“ liegt in der Zukunft.")
    return CourseInput(
        provider=provider,
        title=title,
        kind=kind,
        occupations=tuple(dict.fromkeys(leads_to)),
        region=region,
        address=address,
        format=course_format,
        duration_months=duration,
        start_dates=starts,
        voucher=voucher_text in _TRUE,
        languages=languages,
        url=parse_url(values.get("url", "")),
        checked=checked,
    )


def fill(course: Course, data: CourseInput) -> None:
    course.provider = data.provider
    course.title = data.title
    course.kind = data.kind
    course.occupations = list(data.occupations)
    course.region = data.region
    course.address = data.address
    course.format = data.format
    course.duration_months = data.duration_months
    course.start_dates = [d.isoformat() for d in data.start_dates]
    course.voucher = data.voucher
    course.languages = list(data.languages)
    course.url = data.url
    course.checked_at = dt.datetime.combine(data.checked, dt.time(12), tzinfo=dt.UTC)
    course.updated_at = utcnow()


async def add_course(
    *,
    session: AsyncSession,
    data: CourseInput,
    source: str = "dashboard",
    external_id: str | None = None,
) -> Course:
    course = Course(source=source, external_id=external_id, edited=source != "ba")
    fill(course, data)
    session.add(course)
    await session.flush()
    return course


async def update_course(*, session: AsyncSession, course: Course, data: CourseInput) -> None:
    """A person's change: from now on no import overwrites this entry."""
    fill(course, data)
    course.edited = True


async def retire_course(*, session: AsyncSession, course: Course, retired: bool = True) -> None:
    course.retired_at = utcnow() if retired else None
    course.updated_at = utcnow()
    course.edited = True


async def all_courses(*, session: AsyncSession, region: str | None = None) -> list[Course]:
    """Every entry, retired ones too; of one region (and the online ones) when given."""
    query = select(Course).order_by(Course.retired_at.is_not(None), Course.title, Course.id)
    if region is not None:
        query = query.where((Course.region == region) | Course.region.is_(None))
    return list((await session.scalars(query)).all())


def next_start(course: Course, today: dt.date) -> dt.date | None:
    """The next start date from today on; None when the course starts on request."""
    upcoming = [d for d in (dt.date.fromisoformat(s) for s in course.start_dates) if d >= today]
    return min(upcoming) if upcoming else None


def _current(course: Course, today: dt.date) -> bool:
    """Listed start dates that all lie in the past mean the entry is out of date."""
    return not course.start_dates or next_start(course, today) is not None


def is_stale(course: Course, now: dt.datetime | None = None) -> bool:
    checked = course.checked_at
    if checked.tzinfo is None:
        checked = checked.replace(tzinfo=dt.UTC)
    return (now or utcnow()) - checked > STALE_AFTER


async def matching(
    *,
    session: AsyncSession,
    occupation: str,
    region: str | None,
    kinds: Sequence[str],
    today: dt.date,
    limit: int = 3,
) -> list[Course]:
    """Up to ``limit`` current courses leading to the occupation: in the region, then online.

    Sorted by the next start date (on request last); a region of None finds online courses only.
    """
    query = select(Course).where(
        Course.retired_at.is_(None),
        Course.kind.in_(list(kinds)),
        (Course.region == region) | (Course.format == "online")
        if region is not None
        else Course.format == "online",
    )
    found = [
        c
        for c in (await session.scalars(query)).all()
        if occupation in c.occupations and _current(c, today)
    ]
    found.sort(
        key=lambda c: (
            c.region != region,
            next_start(c, today) or dt.date.max,
            c.title.lower(),
            c.id,
        )
    )
    return found[:limit]
