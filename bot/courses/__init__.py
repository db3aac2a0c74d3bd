"""The catalogue of preparation courses, kept by counsellors who know their region.

Never invented: the shipped catalogue is empty. Entries come from the dashboard, a CSV file
(``csvio``) or, when configured, the Bundesagentur für Arbeit's course search (``ba_import``).
``tests/data/courses_demo.csv`` is demo data for development and tests only.
"""

from bot.courses.catalogue import (
    FORMATS,
    KINDS,
    OFFICIAL_SEARCH,
    STALE_AFTER,
    CourseError,
    CourseInput,
    add_course,
    all_courses,
    is_stale,
    matching,
    next_start,
    parse_course,
    retire_course,
    update_course,
)

__all__ = [
    "FORMATS",
    "KINDS",
    "OFFICIAL_SEARCH",
    "STALE_AFTER",
    "CourseError",
    "CourseInput",
    "add_course",
    "all_courses",
    "is_stale",
    "matching",
    "next_start",
    "parse_course",
    "retire_course",
    "update_course",
]
