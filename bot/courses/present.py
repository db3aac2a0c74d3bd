"""Courses as lines of a reply, in the person's language (the labels go through the catalogs)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.engine.events import Line
from bot.engine.facts import Phrase, Ref
from bot.i18n import msg
from bot.store.models import Course

FORMAT_LABELS = {
    "full_time": msg("courses.format_full_time"),
    "part_time": msg("courses.format_part_time"),
    "evening": msg("courses.format_evening"),
    "online": msg("courses.format_online"),
}


def _start(course: Course, today: dt.date) -> Ref | Phrase:
    from bot.courses.catalogue import next_start

    start = next_start(course, today)
    if start is None:
        return Ref(msg("courses.start_on_request"))
    # Day.month.year is how dates are written in German, Turkish and Russian alike.
    return Phrase(msg("courses.start_on"), {"date": f"{start:%d.%m.%Y}"})


def course_line(course: Course, today: dt.date) -> Line:
    """One course: title, provider, format, next start, Bildungsgutschein, and its link."""
    params = {
        "title": course.title,
        "provider": course.provider,
        "format": Ref(FORMAT_LABELS.get(course.format, msg("courses.format_online"))),
        "start": _start(course, today),
        "voucher": Ref(msg("courses.voucher_yes" if course.voucher else "courses.voucher_no")),
    }
    links = ((course.title, course.url),) if course.url else ()
    return Line(msg("courses.item"), params, links=links)


def course_lines(courses: Sequence[Course], occupation: str, today: dt.date) -> list[Line]:
    """An introduction and one line per course; nothing when there are none."""
    if not courses:
        return []
    intro = Line(msg("courses.intro"), {"occupation": Ref(f"occupation:{occupation}")})
    return [intro, *(course_line(c, today) for c in courses)]
