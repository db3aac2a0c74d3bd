"""Typed models of the curated knowledge in ``knowledge/``.

Every fact carries ``sources`` and ``reviewed``; every user-visible text exists in de, tr and ru.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

LANGUAGES: tuple[str, ...] = ("de", "tr", "ru")
# The intent ids of docs/contracts.md; "null" is the topic for "not understood".
INTENT_IDS: tuple[str, ...] = (
    "external_exam",
    "partial_qualification",
    "validation",
    "recognition",
    "funding",
    "language_course",
    "employer",
    "counselling",
    "greeting",
    "null",
)
Language = Literal["de", "tr", "ru"]
# Answer entries about Lotse itself, privacy or the counselling belong to no tree.
ABOUT_TOPIC = "about"
ANSWER_TOPICS: tuple[str, ...] = (
    *(i for i in INTENT_IDS if i not in ("greeting", "null")),
    ABOUT_TOPIC,
)
# Region offices an answer may name with a placeholder ("In Ihrer Region: {ihk}.").
ANSWER_PLACEHOLDERS: tuple[str, ...] = (
    "chambers",  # the body for the person's occupation when known, else the region's IHK and HWK
    "ihk",
    "hwk",
    "jobcenter",
    "agency",
    "health_recognition",
    "recognition_advice",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """One text in the three languages."""

    de: str = Field(min_length=1)
    tr: str = Field(min_length=1)
    ru: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return str(getattr(self, language, self.de))


class Terms(_Strict):
    """Words people use for a thing, per language (used for matching, not shown)."""

    de: list[str] = Field(default_factory=list)
    tr: list[str] = Field(default_factory=list)
    ru: list[str] = Field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.de, *self.tr, *self.ru]


class Source(_Strict):
    """Where a fact comes from: a law (``BBiG §45 Abs. 2``) or an official page."""

    title: str = Field(min_length=3)
    url: HttpUrl | None = None


class AnswerSource(Source):
    """A source shown to the person as a link: always an https address."""

    url: HttpUrl

    @field_validator("url")
    @classmethod
    def _https_only(cls, url: HttpUrl) -> HttpUrl:
        if url.scheme != "https":
            raise ValueError("source links must use https")
        return url


class Fact(_Strict):
    sources: list[Source] = Field(min_length=1)
    reviewed: dt.date
    # False where a fact is not confirmed: the bot hands over instead of stating it.
    confirmed: bool = True


class ChamberType(StrEnum):
    """Who is the competent body for an occupation (after the BIBB codes IH, Hw, Lw, ÖD, Hausw).

    The BIBB code FB (liberal professions) is split into the real kinds of chamber, because a
    medical assistant's exam is never at an IHK or a Handwerkskammer.
    """

    IHK = "IHK"
    HWK = "HWK"
    LWK = "LWK"  # green occupations: Landwirtschaftskammer, or the Land office where there is none
    PUBLIC_SERVICE = "OED"
    PHYSICIANS = "AEK"  # Ärztekammer
    DENTISTS = "ZAEK"  # Zahnärztekammer
    VETS = "TAEK"  # Tierärztekammer
    PHARMACISTS = "APOK"  # Apothekerkammer
    TAX_ADVISERS = "STBK"  # Steuerberaterkammer
    HOUSEKEEPING = "HAUSW"
    STATE = "STATE"  # state-regulated school training (health, care, education): no chamber


class LegalBasis(StrEnum):
    BBIG = "BBiG"
    HWO = "HwO"
    STATE_LAW = "state"  # federal or Land law outside BBiG/HwO, e.g. PflBG, Land laws for educators


class Occupation(Fact):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: Text  # official German name for all genders, e.g. "Koch/Köchin"; tr/ru translations
    titles: Terms  # job titles people really use, incl. ASCII Turkish and Latin-script Russian
    duration_years: float = Field(ge=1, le=4)
    chamber: ChamberType
    legal_basis: LegalBasis
    regulated: bool  # regulated in Germany: recognition needed before working in it


class Country(_Strict):
    code: str = Field(pattern=r"^[A-Z]{2}$")  # ISO 3166-1 alpha-2
    name: Text  # for display: "Türkei", "Türkiye", "Турция"
    forms: Terms  # names, adjectives, inflected forms, ASCII / Latin spellings for matching
    eu: bool  # EU, EEA or Switzerland: simplified recognition rules for regulated professions


class Topic(Fact):
    """The curated answer for one intent id of docs/contracts.md."""

    id: str = Field(pattern=r"^[a-z_]+$")  # equals the intent id
    title: Text
    answer: Text
    dialog: str | None = None  # the decision tree that goes deeper, if any


class EmploymentStatus(StrEnum):
    EMPLOYED = "employed"
    UNEMPLOYED = "unemployed"
    JOBCENTER = "jobcenter"


class FundingProgramme(Fact):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: Text
    summary: Text  # amounts and conditions in plain language
    applies_to: list[EmploymentStatus] = Field(min_length=1)
    regions: list[str] = Field(default_factory=list)  # empty: nationwide
    # Listed only when this condition of the dialogs holds (e.g. a foreign qualification).
    only_when: str | None = None
    # False: a later step (after a first qualification); answer entries explain it, lists don't.
    listed: bool = True


class BodyKind(StrEnum):
    IHK = "ihk"
    HWK = "hwk"
    LWK = "lwk"  # exams in the green occupations
    PHYSICIANS_CHAMBER = "physicians_chamber"
    DENTISTS_CHAMBER = "dentists_chamber"
    VETS_CHAMBER = "vets_chamber"
    PHARMACISTS_CHAMBER = "pharmacists_chamber"
    TAX_ADVISERS_CHAMBER = "tax_advisers_chamber"
    PUBLIC_SERVICE = "public_service"
    HOUSEKEEPING = "housekeeping"
    # Recognition of foreign qualifications in the green occupations and home economics: one
    # body for all of Germany since 2025, apart from the exam body of the Land.
    GREEN_RECOGNITION = "green_recognition"
    IHK_FOSA = "ihk_fosa"
    HEALTH_RECOGNITION = "health_recognition"
    TEACHER_RECOGNITION = "teacher_recognition"
    JOBCENTER = "jobcenter"
    EMPLOYMENT_AGENCY = "employment_agency"
    RECOGNITION_ADVICE = "recognition_advice"
    COUNSELLING = "counselling"
    PORTAL = "portal"


class Body(Fact):
    """A competent body or office. Unknown details stay ``None`` and lead to a counsellor."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    kind: BodyKind
    name: Text
    region: str | None = None  # None: nationwide
    website: HttpUrl | None = None
    address: str | None = None
    phone: str | None = None


class RegionArea(_Strict):
    """The places and postcodes a region's bodies serve, so a named town finds its region."""

    places: list[str] = Field(default_factory=list)  # towns and districts, as officially written
    # Exact five-digit postcodes, or three-digit prefixes wholly inside the area.
    postcodes: list[str] = Field(default_factory=list)

    @field_validator("places")
    @classmethod
    def _no_blank_places(cls, places: list[str]) -> list[str]:
        if any(not place.strip() for place in places):
            raise ValueError("place names must not be blank")
        return places

    @field_validator("postcodes")
    @classmethod
    def _postcode_shape(cls, postcodes: list[str]) -> list[str]:
        for code in postcodes:
            if not re.fullmatch(r"\d{3}|\d{5}", code):
                raise ValueError(f"postcode '{code}' must be 5 digits or a 3-digit prefix")
        return postcodes


class Region(Fact):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    state: str  # Bundesland
    # Which body serves which purpose here; None means unknown: hand over to a counsellor.
    bodies: dict[BodyKind, str | None]
    serves: RegionArea = RegionArea()


GERMAN_STATES: tuple[str, ...] = (
    "Baden-Württemberg",
    "Bayern",
    "Berlin",
    "Brandenburg",
    "Bremen",
    "Hamburg",
    "Hessen",
    "Mecklenburg-Vorpommern",
    "Niedersachsen",
    "Nordrhein-Westfalen",
    "Rheinland-Pfalz",
    "Saarland",
    "Sachsen",
    "Sachsen-Anhalt",
    "Schleswig-Holstein",
    "Thüringen",
)


class Place(_Strict):
    """A German town or district outside the configured regions, with the ways people type it."""

    name: str = Field(min_length=2)  # display name, e.g. "Mülheim an der Ruhr"
    state: str  # Bundesland
    forms: list[str] = Field(default_factory=list)  # spellings, transliterations, other scripts

    @field_validator("state")
    @classmethod
    def _known_state(cls, state: str) -> str:
        if state not in GERMAN_STATES:
            raise ValueError(f"unknown Bundesland '{state}'")
        return state


class AnswerNext(StrEnum):
    """What an answer offers next: check one's own case in a tree, or a counsellor."""

    EXTERNAL_EXAM = "external_exam"
    RECOGNITION = "recognition"
    FUNDING = "funding"
    HANDOVER = "handover"
    MY_DATA = "mydata"  # what is stored about the person, with the way to delete it


class Answer(_Strict):
    """The fixed answer to one class of question ("What does the exam cost?").

    Like every fact it has sources and a review date; its sources are shown as links, so each
    one has an https address.
    """

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    topic: str
    title: Text  # a short question, used on "did you mean" buttons
    examples: Terms  # how people ask it, per language
    answer: Text  # the direct answer first; may name region offices by placeholder
    next: AnswerNext | None = None
    sources: list[AnswerSource] = Field(min_length=1)
    reviewed: dt.date

    @field_validator("topic")
    @classmethod
    def _known_topic(cls, topic: str) -> str:
        if topic not in ANSWER_TOPICS:
            raise ValueError(f"unknown topic '{topic}' (one of {', '.join(ANSWER_TOPICS)})")
        return topic

    @property
    def intent(self) -> str | None:
        """The intent id of the contract, or None for entries about Lotse and counselling."""
        return None if self.topic == ABOUT_TOPIC else self.topic

    @property
    def offer(self) -> str:
        """The next step: the named tree, else the topic's tree, else a counsellor."""
        if self.next is not None:
            return self.next.value
        if self.topic in (AnswerNext.EXTERNAL_EXAM, AnswerNext.RECOGNITION, AnswerNext.FUNDING):
            return self.topic
        return AnswerNext.HANDOVER.value


class Task(_Strict):
    """One main task of an occupation, as a person would tick it ("Waren verpacken")."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: Text


class OccupationTasks(_Strict):
    """The main tasks of one occupation, paraphrased from its official description (BERUFENET or
    BIBB, https); 5 to 8 short tasks."""

    occupation: str
    items: list[Task] = Field(min_length=5, max_length=8)
    sources: list[AnswerSource] = Field(min_length=1)
    reviewed: dt.date

    @field_validator("items")
    @classmethod
    def _unique_ids(cls, items: list[Task]) -> list[Task]:
        ids = [t.id for t in items]
        if len(ids) != len(set(ids)):
            raise ValueError("task ids must be unique within an occupation")
        return items

    def task(self, task_id: str) -> Task | None:
        return next((t for t in self.items if t.id == task_id), None)
