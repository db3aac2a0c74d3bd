"""Work periods as typed: years, months, open ends, in German, Turkish and Russian."""

from __future__ import annotations

import pytest

from bot.understanding.dates import parse_period


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2015-2019", "2015–2019"),
        ("von 03/2016 bis 05.2018", "03/2016–05/2018"),
        ("seit 2020", "2020–"),
        ("2018'den beri", "2018–"),
        ("с 2019 по 2021", "2019–2021"),
        ("2019", "2019"),
        ("hallo", None),
        ("2031", None),
        ("2019 - 2015", None),
        ("1990 2000 2010", None),
    ],
)
def test_periods(text: str, period: str | None) -> None:
    assert parse_period(text, this_year=2026) == period
