"""The education plan, computed from what the engine knows about the case (``Facts``).

Every line is a message id or knowledge reference with parameters, so the PDF renders it in any
language; nothing here is a new fact: paths, bodies and funding come from the knowledge base and
the 1.5 × rule (``bot.engine.eligibility``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.engine.facts import Facts
from bot.i18n import Days, When, msg


@dataclass(frozen=True)
class PlanLine:
    ref: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """What the PDF shows: the case, then the plan in sections."""

    case: tuple[tuple[str, PlanLine], ...]  # (label message id, value)
    target: PlanLine | None
    paths: tuple[PlanLine, ...]
    body: PlanLine | None
    documents: tuple[PlanLine, ...]
    funding: tuple[PlanLine, ...]
    courses: tuple[PlanLine, ...]
    next_steps: tuple[PlanLine, ...]
    competences: tuple[PlanLine, ...] = ()  # what the Kom-Pass dialog recorded


def build_plan(
    facts: Facts,
    *,
    courses: Sequence[PlanLine] = (),
    appointment: dt.datetime | None = None,
    competences: Sequence[PlanLine] = (),
) -> Plan:
    """The plan for one case; ``courses`` come from the catalogue (the service asks for them)."""
    params = facts.params()
    occ = facts.occupation
    case: list[tuple[str, PlanLine]] = []
    if occ is not None:
        case.append((msg("data.occupation"), PlanLine(f"occupation:{occ.id}")))
    if (exam := facts.exam) is not None:
        case.append(
            (msg("data.years"), PlanLine(msg("kompass.value"), {"value": params["counted"]}))
        )
        case.append(
            (
                msg("kompass.label_workload"),
                PlanLine(msg("kompass.value"), {"value": params["workload"]}),
            )
        )
    if (code := facts.slots.get("country")) in facts.knowledge.countries:
        case.append((msg("data.country"), PlanLine(f"country:{code}")))
    if (status := facts.slots.get("employment")) is not None:
        case.append((msg("data.employment"), PlanLine(f"fund.opt_{status}")))

    paths: list[PlanLine] = []
    if occ is not None and facts.has_chamber_exam:
        if exam is None:
            paths.append(PlanLine(msg("kompass.path_exam_unknown"), params))
        elif exam.eligible:
            paths.append(PlanLine(msg("kompass.path_exam_ready"), params))
        else:
            paths.append(PlanLine(msg("kompass.path_exam_missing"), params))
        paths.append(PlanLine(msg("kompass.path_partial")))
        paths.append(PlanLine(msg("kompass.path_validation")))
    if facts.slots.get("country") not in (None, "DE"):
        paths.append(PlanLine(msg("kompass.path_recognition"), params))

    documents = [PlanLine(msg("kompass.doc_work")), PlanLine(msg("kompass.doc_cv"))]
    if facts.slots.get("country") not in (None, "DE"):
        documents.append(PlanLine(msg("kompass.doc_foreign")))
    documents.append(PlanLine(msg("kompass.doc_id")))

    steps = [PlanLine(msg("kompass.step_documents"))]
    if occ is not None and facts.has_chamber_exam:
        steps.append(PlanLine(msg("kompass.step_chamber"), params))
    if appointment is not None:
        steps.append(PlanLine(msg("kompass.step_appointment"), {"appointment": When(appointment)}))
    else:
        steps.append(PlanLine(msg("kompass.step_counsellor")))

    return Plan(
        case=tuple(case),
        target=PlanLine(f"occupation:{occ.id}") if occ is not None else None,
        paths=tuple(paths),
        body=PlanLine(msg("kompass.value"), {"value": params["chamber"]})
        if occ is not None and facts.has_chamber_exam
        else None,
        documents=tuple(documents),
        funding=tuple(PlanLine(f"funding:{p.id}") for p in facts.funding()),
        courses=tuple(courses) or (PlanLine(msg("kompass.courses_none")),),
        next_steps=tuple(steps[:3]),
        competences=tuple(competences),
    )


def retention_note(days: int) -> PlanLine:
    return PlanLine(msg("kompass.stored_for"), {"retention": Days(days)})
