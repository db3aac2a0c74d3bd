"""What the engine knows about a person's case: the slots, and what follows from them.

Conditions (``when:`` in dialogs) and message parameters are derived here, never stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bot.content import Knowledge
from bot.content.models import (
    Body,
    BodyKind,
    ChamberType,
    EmploymentStatus,
    FundingProgramme,
    LegalBasis,
    Occupation,
)
from bot.engine.eligibility import ExamAssessment, assess_exam
from bot.i18n import Counted, Days, StoredData, When, Workload, Years, msg

SLOTS: frozenset[str] = frozenset({"occupation", "years", "country", "employment", "workload"})
# How the years and the workload were read from free text, to show what was understood.
DETAIL_SLOTS: frozenset[str] = frozenset({"periods", "hours", "part_time", "place_outside"})
# Contact details and the appointment: kept only after consent, erased on request.
PERSONAL_SLOTS: frozenset[str] = frozenset(
    {"consent", "contact_name", "contact_via", "contact_phone", "contact_email", "availability"}
)
BOOKING_SLOTS: frozenset[str] = frozenset({"appointment", "callback"})
# The Kompetenz-Kom-Pass: asked only after ``kompass_consent``; erased with the conversation.
PERIOD_SLOTS: tuple[str, ...] = (
    "period_occupation", "period_activity", "period_country", "period_dates",
    "period_workload", "period_tasks", "period_tasks_text",
)  # fmt: skip
KOMPASS_SLOTS: frozenset[str] = frozenset(
    {*PERIOD_SLOTS, "kompass_consent", "work_periods", "certificates", "lang_name",
     "lang_level", "languages", "social", "kompass"}
)  # fmt: skip
# Reminders go out this long before an appointment (see ``bot.handover.booking``); one booked
# for less than a day ahead gets a short reminder instead, if there is time to read it first.
REMINDER_AHEAD = dt.timedelta(hours=24)
SHORT_REMINDER_AHEAD = dt.timedelta(hours=2)
SHORT_REMINDER_NEEDS = dt.timedelta(hours=2, minutes=15)
# How the appointment (and a slot being chosen) happens: see ``bot.handover.meeting``.
MEETING_SLOTS: frozenset[str] = frozenset(
    {"appointment_mode", "appointment_place", "appointment_with", "slot_choice"}
)
SETTABLE: frozenset[str] = (
    SLOTS | DETAIL_SLOTS | PERSONAL_SLOTS | BOOKING_SLOTS | MEETING_SLOTS | KOMPASS_SLOTS
    | {"language"}
)  # fmt: skip

_CHAMBER_BODY = {
    ChamberType.IHK: BodyKind.IHK,
    ChamberType.HWK: BodyKind.HWK,
    ChamberType.LWK: BodyKind.LWK,
    ChamberType.PHYSICIANS: BodyKind.PHYSICIANS_CHAMBER,
    ChamberType.DENTISTS: BodyKind.DENTISTS_CHAMBER,
    ChamberType.VETS: BodyKind.VETS_CHAMBER,
    ChamberType.PHARMACISTS: BodyKind.PHARMACISTS_CHAMBER,
    ChamberType.TAX_ADVISERS: BodyKind.TAX_ADVISERS_CHAMBER,
    ChamberType.PUBLIC_SERVICE: BodyKind.PUBLIC_SERVICE,
    ChamberType.HOUSEKEEPING: BodyKind.HOUSEKEEPING,
}
# Recognition under the BQFG: the IHKs decide together at IHK FOSA; the green occupations and
# home economics at one body for all of Germany; the other chambers decide themselves.
_RECOGNITION_BODY = {
    **_CHAMBER_BODY,
    ChamberType.IHK: BodyKind.IHK_FOSA,
    ChamberType.LWK: BodyKind.GREEN_RECOGNITION,
    ChamberType.HOUSEKEEPING: BodyKind.GREEN_RECOGNITION,
}
# When the body is not known here: name its kind, never another kind's chamber.
_CHAMBER_UNKNOWN = {
    ChamberType.IHK: msg("exam.chamber_unknown_ihk"),
    ChamberType.HWK: msg("exam.chamber_unknown_hwk"),
    ChamberType.LWK: msg("exam.chamber_unknown_agriculture"),
    ChamberType.PHYSICIANS: msg("exam.chamber_unknown_physicians"),
    ChamberType.DENTISTS: msg("exam.chamber_unknown_dentists"),
    ChamberType.VETS: msg("exam.chamber_unknown_vets"),
    ChamberType.PHARMACISTS: msg("exam.chamber_unknown_pharmacists"),
    ChamberType.TAX_ADVISERS: msg("exam.chamber_unknown_tax_advisers"),
    ChamberType.PUBLIC_SERVICE: msg("exam.chamber_unknown_public_service"),
    ChamberType.HOUSEKEEPING: msg("exam.chamber_unknown_housekeeping"),
}
_HEALTH_WORDS = ("pflege", "sanit", "therap", "hebamme", "medizin", "kranken", "alten")


@dataclass(frozen=True)
class Ref:
    """A reference rendered per language: a message id or ``kind:id`` into the knowledge."""

    ref: str


@dataclass(frozen=True)
class Phrase:
    """A message with its own parameters, used as a parameter of another message."""

    ref: str
    params: Mapping[str, object]


@dataclass(frozen=True)
class Facts:
    knowledge: Knowledge
    slots: Mapping[str, Any]
    region_id: str | None
    retention_days: int = 180
    offer: str | None = None  # what an answer offers next (see ``AnswerNext``)
    now: dt.datetime | None = None  # the clock for conditions on appointments; None: real time
    # Offered slots by id: ISO start, mode, place and counsellor's first name (``slot_offers``).
    slot_offers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # The person's typed questions, oldest first (``ConversationState.asked``): for /mydata.
    asked: tuple[str, ...] = ()

    @property
    def occupation(self) -> Occupation | None:
        return self.knowledge.occupations.get(str(self.slots.get("occupation")))

    def body(self, kind: BodyKind | None) -> Body | None:
        region = self.knowledge.regions.get(self.region_id or "")
        if kind is None:
            return None
        if region is not None and region.bodies.get(kind):
            return self.knowledge.bodies.get(region.bodies[kind] or "")
        nationwide = [
            b for b in self.knowledge.bodies.values() if b.kind == kind and b.region is None
        ]
        return nationwide[0] if len(nationwide) == 1 else None

    @property
    def has_chamber_exam(self) -> bool:
        occ = self.occupation
        return occ is not None and occ.legal_basis in (LegalBasis.BBIG, LegalBasis.HWO)

    @property
    def exam(self) -> ExamAssessment | None:
        occ, years = self.occupation, self.slots.get("years")
        if occ is None or years is None:
            return None
        return assess_exam(
            duration_years=occ.duration_years,
            years_worked=years,
            workload=self.slots.get("workload", 1),
        )

    @property
    def chamber(self) -> Body | None:
        occ = self.occupation
        return self.body(_CHAMBER_BODY.get(occ.chamber)) if occ else None

    def chamber_unknown(self) -> str:
        """What to say for the exam body when this region's is not known."""
        occ = self.occupation
        default = msg("exam.chamber_unknown")
        return _CHAMBER_UNKNOWN.get(occ.chamber, default) if occ else default

    @property
    def is_health_profession(self) -> bool:
        occ = self.occupation
        return (
            occ is not None
            and occ.chamber == ChamberType.STATE
            and any(word in occ.name.de.lower() for word in _HEALTH_WORDS)
        )

    @property
    def recognition_body(self) -> Body | None:
        occ = self.occupation
        if occ is None:
            return None
        if self.is_health_profession:
            return self.body(BodyKind.HEALTH_RECOGNITION)
        return self.body(_RECOGNITION_BODY.get(occ.chamber))

    def funding(self) -> list[FundingProgramme]:
        """Programmes for the person's employment status, nationwide or in their region."""
        status = self.slots.get("employment")
        return [
            p
            for p in self.knowledge.funding.values()
            if p.listed
            and (status is None or EmploymentStatus(status) in p.applies_to)
            and (not p.regions or (self.region_id in p.regions))
            and (p.only_when is None or CONDITIONS[p.only_when](self))
        ]

    def params(self) -> dict[str, object]:
        """Parameters every message may use; references are rendered in the reader's language."""
        params: dict[str, object] = {}
        if (occ := self.occupation) is not None:
            params["occupation"] = Ref(f"occupation:{occ.id}")
            params["duration"] = Years(Decimal(str(occ.duration_years)).normalize())
        if (code := self.slots.get("country")) and code in self.knowledge.countries:
            params["country"] = Ref(f"country:{code}")
        if (exam := self.exam) is not None:
            params.update(
                needed=Years(exam.needed), worked=Years(exam.worked), missing=Years(exam.missing)
            )
            params["counted"] = self.counted()
            params["workload"] = Workload(
                _decimal(self.slots.get("workload", 1)),
                _decimal(self.slots["hours"]) if self.slots.get("hours") else None,
            )
        if (appointment := self.slots.get("appointment")) is not None:
            params["appointment"] = When(dt.datetime.fromisoformat(str(appointment)))
            params["meeting"] = meeting_phrase(
                self.slots.get("appointment_mode"),
                self.slots.get("appointment_place"),
                self.slots.get("appointment_with"),
                self.slots.get("contact_phone") or False,
            )
        if (chosen := self.chosen_slot) is not None:
            params["chosen"] = When(dt.datetime.fromisoformat(chosen["starts"]))
            params["chosen_meeting"] = meeting_phrase(
                chosen.get("mode"), chosen.get("place"), chosen.get("with"), None
            )
        params["stored"] = StoredData(dict(self.slots), self.asked)
        params["retention"] = Days(self.retention_days)
        params["chamber"] = _body_ref(self.chamber, self.chamber_unknown())
        params["recognition_body"] = _body_ref(self.recognition_body, msg("rec.body_unknown"))
        params.update(self.office_params())
        return params

    @property
    def chosen_slot(self) -> Mapping[str, str] | None:
        """The slot the person just picked (start, mode, place, with whom), before it is booked."""
        offer = self.slot_offers.get(str(self.slots.get("slot_choice")))
        # Offers stored before slots had a mode were bare start times: no longer usable.
        return offer if isinstance(offer, Mapping) and "starts" in offer else None

    def counted(self) -> Counted:
        periods = tuple(
            (_decimal(years), country) for years, country in self.slots.get("periods") or ()
        )
        return Counted(periods, _decimal(self.slots.get("years", 0)))

    def office_params(self) -> dict[str, object]:
        """The region's offices that answer entries may name; a general phrase when unknown."""
        offices: dict[str, object] = {
            name: _body_ref(self.body(kind), fallback)
            for name, (kind, fallback) in _OFFICES.items()
        }
        offices["chambers"] = self._chambers(offices)
        return offices

    def _chambers(self, offices: Mapping[str, object]) -> Phrase:
        """The exam body for the person's occupation once known; before that, IHK and HWK."""
        occ = self.occupation
        if occ is not None and self.has_chamber_exam:
            return Phrase(
                msg("answers.chamber_for_occupation"),
                {
                    "occupation": Ref(f"occupation:{occ.id}"),
                    "chamber": _body_ref(self.chamber, self.chamber_unknown()),
                },
            )
        return Phrase(msg("answers.chambers_in_region"), {k: offices[k] for k in ("ihk", "hwk")})


_OFFICES: dict[str, tuple[BodyKind, str]] = {
    "ihk": (BodyKind.IHK, msg("answers.office_ihk")),
    "hwk": (BodyKind.HWK, msg("answers.office_hwk")),
    "jobcenter": (BodyKind.JOBCENTER, msg("answers.office_jobcenter")),
    "agency": (BodyKind.EMPLOYMENT_AGENCY, msg("answers.office_agency")),
    "health_recognition": (BodyKind.HEALTH_RECOGNITION, msg("answers.office_health_recognition")),
    "recognition_advice": (BodyKind.RECOGNITION_ADVICE, msg("answers.office_recognition_advice")),
}


def _decimal(value: object) -> Decimal:
    return Decimal(str(value)).normalize()


def _body_ref(body: Body | None, unknown: str) -> Ref:
    return Ref(f"body:{body.id}") if body is not None else Ref(unknown)


Condition = Callable[[Facts], bool]


def reminder_at(starts_at: dt.datetime, now: dt.datetime) -> dt.datetime | None:
    """When the reminder of an appointment goes out: a day ahead; booked for less than a day
    ahead, two hours ahead if more than 2 h 15 min are left; else none (and none is promised)."""
    if starts_at - REMINDER_AHEAD > now:
        return starts_at - REMINDER_AHEAD
    if starts_at - now > SHORT_REMINDER_NEEDS:
        return starts_at - SHORT_REMINDER_AHEAD
    return None


def _reminder_lead(f: Facts) -> dt.timedelta | None:
    """How long before the appointment its reminder goes out; None: no reminder."""
    appointment = f.slots.get("appointment")
    if appointment is None:
        return None
    starts_at = dt.datetime.fromisoformat(str(appointment))
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=dt.UTC)
    due = reminder_at(starts_at, f.now or dt.datetime.now(dt.UTC))
    return None if due is None else starts_at - due


_MEETING_TEXT = {
    "phone": msg("handover.meeting_phone"),
    "office": msg("handover.meeting_office"),
    "video": msg("handover.meeting_video"),
}
MODE_LABELS = {
    "phone": msg("handover.mode_phone"),
    "office": msg("handover.mode_office"),
    "video": msg("handover.mode_video"),
}


def meeting_phrase(mode: object, place: object, with_name: object, phone: object) -> Phrase:
    """How the meeting happens, in a sentence: "Am Telefon: Anna ruft Sie an (+49 …)."

    ``phone`` is the person's own number, shown back to them only; ``False``: they gave none
    (they are asked for it); ``None``: not shown (reminders and news go without it).
    """
    if mode == "phone" and phone:
        return Phrase(msg("handover.meeting_phone_number"), {"with": with_name, "phone": phone})
    if mode == "phone" and phone is False:
        # The person's own view of a call without a number (a counsellor chose a phone slot).
        return Phrase(msg("handover.meeting_phone_missing"), {"with": with_name})
    ref = _MEETING_TEXT.get(str(mode), msg("handover.meeting_phone"))
    return Phrase(ref, {"with": with_name or "", "place": place or ""})


def _chosen_phone_without_number(f: Facts) -> bool:
    chosen = f.chosen_slot
    return chosen is not None and chosen.get("mode") == "phone" and not f.slots.get("contact_phone")


def _reachable_outside_chat(f: Facts) -> bool:
    via = f.slots.get("contact_via")
    return bool(
        (via == "phone" and f.slots.get("contact_phone"))
        or (via == "email" and f.slots.get("contact_email"))
    )


def _exam_eligible(f: Facts) -> bool:
    exam = f.exam
    return exam is not None and exam.eligible


CONDITIONS: dict[str, Condition] = {
    "occupation_has_chamber_exam": lambda f: f.has_chamber_exam,
    "exam_eligible": _exam_eligible,
    "occupation_regulated": lambda f: f.occupation is not None and f.occupation.regulated,
    "qualification_from_germany": lambda f: f.slots.get("country") == "DE",
    "qualification_from_abroad": lambda f: f.slots.get("country") not in (None, "DE"),
    "recognition_body_known": lambda f: f.recognition_body is not None,
    "chamber_known": lambda f: f.chamber is not None,
    "part_time": lambda f: float(f.slots.get("workload", 1)) < 1,
    "part_time_hours_unknown": lambda f: (
        bool(f.slots.get("part_time")) and "workload" not in f.slots
    ),
    "has_appointment": lambda f: f.slots.get("appointment") is not None,
    "reminder_ahead": lambda f: _reminder_lead(f) == REMINDER_AHEAD,
    "short_reminder_ahead": lambda f: _reminder_lead(f) == SHORT_REMINDER_AHEAD,
    "chosen_phone_without_number": _chosen_phone_without_number,
    "appointment_needs_number": lambda f: (
        f.slots.get("appointment_mode") == "phone" and not f.slots.get("contact_phone")
    ),
    # A slot button of an older offer (before slots had a mode): offer the slots again.
    "chosen_slot_unknown": lambda f: f.chosen_slot is None,
    "reachable_outside_chat": _reachable_outside_chat,
    "has_consent": lambda f: f.slots.get("consent") is not None,
    "offer_external_exam": lambda f: f.offer == "external_exam",
    "offer_recognition": lambda f: f.offer == "recognition",
    "offer_funding": lambda f: f.offer == "funding",
    "has_kompass_consent": lambda f: f.slots.get("kompass_consent") is not None,
    "period_has_tasks": lambda f: str(f.slots.get("period_occupation")) in f.knowledge.tasks,
    "no_work_periods": lambda f: not f.slots.get("work_periods"),
    # After an exam result, before the Kom-Pass was made: offer it.
    "offer_kompass": lambda f: f.has_chamber_exam and f.slots.get("kompass") is None,
}
