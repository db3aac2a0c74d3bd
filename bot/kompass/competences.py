"""What the person recorded in the Kom-Pass dialog, as plan lines for the PDF (any language)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bot.content import Knowledge
from bot.engine.facts import Ref
from bot.i18n import Workload, msg
from bot.kompass.plan import PlanLine

# The answers kept with a document (the rest of the conversation state is not).
ANSWER_SLOTS = ("work_periods", "certificates", "languages", "social", "occupation", "years",
                "workload", "country", "employment", "region")  # fmt: skip
_SPOKEN = {"de": "lang:de", "tr": "lang:tr", "ru": "lang:ru", "en": msg("kompass.lang_en"),
           "ar": msg("kompass.lang_ar"), "uk": msg("kompass.lang_uk")}  # fmt: skip
_SOCIAL = {"team": msg("kompass.social_team"), "customers": msg("kompass.social_customers"),
           "instructing": msg("kompass.social_instructing"),
           "independent": msg("kompass.social_independent")}  # fmt: skip


def answers_of(slots: Mapping[str, Any]) -> dict[str, Any]:
    return {name: slots[name] for name in ANSWER_SLOTS if slots.get(name) is not None}


def competence_lines(answers: Mapping[str, Any], knowledge: Knowledge) -> tuple[PlanLine, ...]:
    """Work periods with their tasks, certificates, languages and social competences."""
    lines: list[PlanLine] = []
    for period in answers.get("work_periods") or ():
        lines += _period(period, knowledge)
    if answers.get("certificates"):
        lines.append(PlanLine(msg("kompass.pdf_certificates"), {"text": answers["certificates"]}))
    for spoken in answers.get("languages") or ():
        name = str(spoken.get("lang_name", ""))
        language: object = Ref(_SPOKEN[name]) if name in _SPOKEN else name
        level = spoken.get("lang_level") or "–"
        lines.append(PlanLine(msg("kompass.pdf_language"), {"language": language, "level": level}))
    lines += [PlanLine(_SOCIAL[s]) for s in answers.get("social") or () if s in _SOCIAL]
    return tuple(lines)


def _period(period: Mapping[str, Any], knowledge: Knowledge) -> list[PlanLine]:
    occupation = period.get("period_occupation")
    if occupation in knowledge.occupations:
        activity: object = Ref(f"occupation:{occupation}")
    else:
        activity = period.get("period_activity") or "–"
    lines = [PlanLine(msg("kompass.pdf_period"), {"activity": activity})]
    if (code := period.get("period_country")) in knowledge.countries:
        lines.append(PlanLine(msg("kompass.pdf_country"), {"country": Ref(f"country:{code}")}))
    if period.get("period_dates"):
        lines.append(PlanLine(msg("kompass.pdf_dates"), {"dates": period["period_dates"]}))
    if (share := period.get("period_workload")) is not None:
        workload = Workload(Decimal(str(share)).normalize())
        lines.append(PlanLine(msg("kompass.pdf_hours"), {"workload": workload}))
    tasks = knowledge.tasks.get(str(occupation))
    for task_id in period.get("period_tasks") or ():
        if tasks is not None and tasks.task(task_id) is not None:
            lines.append(PlanLine(f"task:{occupation}.{task_id}"))
    if period.get("period_tasks_text"):
        own = {"text": period["period_tasks_text"]}
        lines.append(PlanLine(msg("kompass.pdf_own_words"), own))
    return lines
