"""The 1.5 × rule of §45 Abs. 2 BBiG / §37 Abs. 2 HwO, in exact decimal arithmetic."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

FACTOR = Decimal("1.5")
_CENTS = Decimal("0.01")


def to_decimal(value: float | int | str | Decimal) -> Decimal:
    """Convert without binary float noise (0.1 stays 0.1)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _clean(value: Decimal) -> Decimal:
    # Two decimals at most; normalised so 4.50 prints as 4,5 and 5.00 as 5.
    quantized = value.quantize(_CENTS)
    return (
        quantized.to_integral_value()
        if quantized == quantized.to_integral_value()
        else quantized.normalize()
    )


@dataclass(frozen=True)
class ExamAssessment:
    """Experience needed for admission to the external exam, and how much is there."""

    duration: Decimal  # prescribed training duration in years
    needed: Decimal  # 1.5 × duration
    worked: Decimal  # full-time equivalent years
    missing: Decimal  # 0 when eligible

    @property
    def eligible(self) -> bool:
        return self.missing == 0


def assess_exam(
    *, duration_years: float | Decimal, years_worked: float | Decimal, workload: float | Decimal = 1
) -> ExamAssessment:
    """Part-time work counts in proportion: 6 years at half time are 3 full-time years."""
    duration = to_decimal(duration_years)
    share = min(max(to_decimal(workload), Decimal(0)), Decimal(1))
    needed = duration * FACTOR
    worked = max(to_decimal(years_worked), Decimal(0)) * share
    missing = max(needed - worked, Decimal(0))
    return ExamAssessment(
        duration=_clean(duration),
        needed=_clean(needed),
        worked=_clean(worked),
        missing=_clean(missing),
    )
