"""Every way to a qualification in one occupation, derived from the knowledge by the bot's rules.

The atlas states nothing the conversation would not: the experience needed comes from
``assess_exam`` (the 1.5 × rule), the competent bodies from the engine's ``Facts``. A body
that is not known for a region, or not confirmed, stays ``None`` and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bot.atlas.fields import field_of
from bot.content import Knowledge
from bot.content.models import (
    Body,
    BodyKind,
    FundingProgramme,
    LegalBasis,
    Occupation,
    Region,
    Topic,
)
from bot.engine.eligibility import assess_exam
from bot.engine.facts import Facts

FULL_WEEK = 40  # hours, as the bot counts a full-time week (bot.understanding.slots)
# The weekly hours shown as examples; 30 and 20 are the part-time answers the bot offers.
EXAMPLE_HOURS = (40, 30, 20)


class Step(StrEnum):
    """A station on a way; the picture and its text alternative show the same stations."""

    WORKING = "working"  # where I am: working in the occupation without a qualification
    FOREIGN = "foreign"  # where I am: a qualification from abroad
    EXPERIENCE = "experience"
    PARTIAL = "partial"
    EXAM = "exam"
    VALIDATION = "validation"
    SCHOOL = "school"
    RECOGNITION = "recognition"
    QUALIFICATION = "qualification"  # the goal: the German vocational qualification
    CERTIFICATE = "certificate"  # the goal of the validation procedure
    EQUIVALENT = "equivalent"  # the goal of recognition


@dataclass(frozen=True)
class Workweek:
    hours: int
    needed: Decimal  # years of work at these hours that count as the experience needed


@dataclass(frozen=True)
class ExamWay:
    duration: Decimal  # prescribed training duration in years
    needed: Decimal  # full-time years of experience: 1.5 × duration
    weeks: tuple[Workweek, ...]


@dataclass(frozen=True)
class RegionalBodies:
    """Who is competent in one region; ``None`` where the knowledge does not say for sure."""

    region: Region
    exam_body: Body | None
    exam_unknown: str  # message id naming the kind of body, for when it is not known
    recognition_body: Body | None
    recognition_advice: Body | None


@dataclass(frozen=True)
class OccupationWays:
    occupation: Occupation
    field: str
    exam: ExamWay | None  # None: no chamber exam (a school-based, state-regulated occupation)
    regions: tuple[RegionalBodies, ...]
    funding: tuple[FundingProgramme, ...]
    paths: tuple[tuple[Step, ...], ...]
    topics: tuple[Topic, ...]  # the general facts each way rests on, with sources

    @property
    def chamber_exam(self) -> bool:
        return self.exam is not None


def exam_way(occupation: Occupation) -> ExamWay:
    """The experience needed in full time and at the example hours, by the 1.5 × rule."""
    full = assess_exam(duration_years=occupation.duration_years, years_worked=0)
    weeks = []
    for hours in EXAMPLE_HOURS:
        share = Decimal(hours) / FULL_WEEK
        # Part-time counts in proportion (assess_exam): needed / share years are exactly enough.
        weeks.append(Workweek(hours, (full.needed / share).normalize()))
    return ExamWay(full.duration, full.needed, tuple(weeks))


def _confirmed(body: Body | None) -> Body | None:
    return body if body is not None and body.confirmed else None


def regional_bodies(knowledge: Knowledge, occupation: Occupation) -> tuple[RegionalBodies, ...]:
    found = []
    for region in knowledge.regions.values():
        facts = Facts(knowledge, {"occupation": occupation.id}, region.id)
        found.append(
            RegionalBodies(
                region=region,
                exam_body=_confirmed(facts.chamber) if facts.has_chamber_exam else None,
                exam_unknown=facts.chamber_unknown(),
                recognition_body=_confirmed(facts.recognition_body),
                recognition_advice=_confirmed(facts.body(BodyKind.RECOGNITION_ADVICE)),
            )
        )
    return tuple(found)


def funding(knowledge: Knowledge) -> tuple[FundingProgramme, ...]:
    """Programmes the bot lists, confirmed ones only (the others lead to a counsellor)."""
    return tuple(p for p in knowledge.funding.values() if p.listed and p.confirmed)


def paths(chamber_exam: bool) -> tuple[tuple[Step, ...], ...]:
    foreign = (Step.FOREIGN, Step.RECOGNITION, Step.EQUIVALENT)
    if not chamber_exam:
        return ((Step.WORKING, Step.SCHOOL, Step.QUALIFICATION), foreign)
    return (
        (Step.WORKING, Step.EXPERIENCE, Step.EXAM, Step.QUALIFICATION),
        (Step.WORKING, Step.PARTIAL, Step.EXAM, Step.QUALIFICATION),
        (Step.WORKING, Step.EXPERIENCE, Step.VALIDATION, Step.CERTIFICATE),
        foreign,
    )


def occupation_ways(knowledge: Knowledge, occupation: Occupation) -> OccupationWays:
    chamber_exam = occupation.legal_basis in (LegalBasis.BBIG, LegalBasis.HWO)
    topic_ids = (
        ("external_exam", "partial_qualification", "validation", "recognition", "funding")
        if chamber_exam
        else ("recognition", "funding")
    )
    return OccupationWays(
        occupation=occupation,
        field=field_of(occupation.id),
        exam=exam_way(occupation) if chamber_exam else None,
        regions=regional_bodies(knowledge, occupation),
        funding=funding(knowledge),
        paths=paths(chamber_exam),
        topics=tuple(knowledge.topics[t] for t in topic_ids if t in knowledge.topics),
    )
