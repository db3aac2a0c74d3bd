"""The 1.5 × rule over every curated occupation, full- and part-time."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import Knowledge
from bot.content.models import Occupation
from bot.engine.eligibility import assess_exam
from bot.service import Content


@pytest.mark.parametrize(
    ("duration", "worked", "workload", "needed", "missing"),
    [
        (3, 5, 1, "4.5", "0"),
        (3, 4, 1, "4.5", "0.5"),
        (3.5, 5, 1, "5.25", "0.25"),
        (2, 3, 1, "3", "0"),
        (3, 6, 0.5, "4.5", "1.5"),
        (3, 6, 0.75, "4.5", "0"),
        (3, 3, 1, "4.5", "1.5"),
    ],
)
def test_examples_from_the_chambers(
    duration: float, worked: float, workload: float, needed: str, missing: str
) -> None:
    result = assess_exam(duration_years=duration, years_worked=worked, workload=workload)
    assert result.needed == Decimal(needed)
    assert result.missing == Decimal(missing)
    assert result.eligible is (Decimal(missing) == 0)


def _knowledge() -> Knowledge:
    from bot.config import PROJECT_ROOT
    from bot.content import load_knowledge

    return load_knowledge(PROJECT_ROOT / "knowledge")


OCCUPATIONS = sorted(_knowledge().occupations.values(), key=lambda o: o.id)


@settings(max_examples=300, deadline=None)
@given(
    occupation=st.sampled_from(OCCUPATIONS),
    years=st.decimals(min_value=0, max_value=40, places=1),
    workload=st.sampled_from([Decimal("1"), Decimal("0.75"), Decimal("0.5")]),
)
def test_rule_holds_for_every_occupation(
    occupation: Occupation, years: Decimal, workload: Decimal
) -> None:
    duration = Decimal(str(occupation.duration_years))
    result = assess_exam(duration_years=duration, years_worked=years, workload=workload)
    assert result.needed == (duration * Decimal("1.5")).quantize(Decimal("0.01")).normalize()
    full_time_equivalent = years * workload
    assert result.eligible == (full_time_equivalent >= result.needed - Decimal("0.005"))
    if not result.eligible:
        assert result.missing > 0
        assert abs(result.worked + result.missing - result.needed) <= Decimal("0.01")
    # More work never makes things worse.
    more = assess_exam(duration_years=duration, years_worked=years + 1, workload=workload)
    assert more.missing <= result.missing


def test_every_occupation_has_a_sensible_duration(content: Content) -> None:
    durations = {o.duration_years for o in content.knowledge.occupations.values()}
    assert durations <= {1.5, 2, 3, 3.5}
    assert len(content.knowledge.occupations) >= 80
