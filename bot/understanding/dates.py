"""Periods of work as people type them: "2015-2019", "03/2016 bis 05/2018", "seit 2020",
"2018'den beri", "с 2019 по 2021". Normalised to "MM/YYYY–MM/YYYY" (month optional, open end)."""

from __future__ import annotations

import re

_DATE = re.compile(r"(?<!\d)(?:(0?[1-9]|1[0-2])\s*[./-]\s*)?((?:19|20)\d\d)(?!\d)")
_OPEN = re.compile(
    r"\b(seit|since|bis heute|heute|today|now|jetzt|beri|hala|hâlâ|şu an|до сих пор|по сей день|"
    r"сейчас|по настоящее)\b|^\s*с\s|'?(den|dan|ten|tan) beri",
    re.IGNORECASE,
)
_TO_NOW = ("heute", "today", "now", "jetzt", "hala", "hâlâ", "şu an", "сейчас", "настоящее")


def parse_period(text: str, *, this_year: int) -> str | None:
    """The period a text names, or None; years after ``this_year`` or before 1950 are no period."""
    found = [(m.group(1), int(m.group(2))) for m in _DATE.finditer(text)]
    found = [(month, year) for month, year in found if 1950 <= year <= this_year]
    if not found or len(found) > 2:
        return None

    def shown(month: str | None, year: int) -> str:
        return f"{int(month):02d}/{year}" if month else str(year)

    start = shown(*found[0])
    if len(found) == 2:
        if found[1][1] < found[0][1]:
            return None
        return f"{start}–{shown(*found[1])}"
    lowered = text.lower()
    if _OPEN.search(lowered) or any(word in lowered for word in _TO_NOW):
        return f"{start}–"
    return start
