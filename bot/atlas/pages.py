"""The atlas pages: view data from the knowledge and the catalogs, rendered with Jinja2.

Every page is addressed by its path below the atlas root (``("tr", "occupation", "koch")``) and
links to other pages relatively, so the same HTML works on the server (``/atlas/…``) and as a
static export in any folder. Only what differs is passed in ``Links``: absolute addresses when
known, the chat links, and whether the page is static (search by inline script, no courses).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.atlas.fields import FIELD_NAMES, FIELDS, OTHER
from bot.atlas.search import fold, matches, terms
from bot.atlas.svg import ways_svg
from bot.atlas.texts import TEXTS
from bot.atlas.ways import (
    FULL_WEEK,
    OccupationWays,
    RegionalBodies,
    Step,
    funding,
    occupation_ways,
)
from bot.channels.telegram import deep_link, web_link
from bot.content import Knowledge
from bot.content.models import LANGUAGES, Body, FundingProgramme, LegalBasis, Source, Topic
from bot.courses import OFFICIAL_SEARCH
from bot.engine.facts import Facts
from bot.engine.render import Renderer
from bot.i18n import Catalogs, Translator, language_name, msg

TEMPLATES = Path(__file__).resolve().parent / "templates"
# The topics that have a page of their own, by path segment.
TOPIC_PAGES = ("recognition", "funding")
PagePath = tuple[str, ...]
_MEMO_SIZE = 64
_SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
_XHTML = "http://www.w3.org/1999/xhtml"

_LEGAL = {
    LegalBasis.BBIG: msg("atlas.legal_bbig"),
    LegalBasis.HWO: msg("atlas.legal_hwo"),
    LegalBasis.STATE_LAW: msg("atlas.legal_state"),
}
_STEPS = {
    Step.WORKING: msg("atlas.step_working"),
    Step.FOREIGN: msg("atlas.step_foreign"),
    Step.EXPERIENCE: msg("atlas.step_experience"),
    Step.PARTIAL: msg("atlas.step_partial"),
    Step.EXAM: msg("atlas.step_exam"),
    Step.VALIDATION: msg("atlas.step_validation"),
    Step.SCHOOL: msg("atlas.step_school"),
    Step.RECOGNITION: msg("atlas.step_recognition"),
    Step.QUALIFICATION: msg("atlas.step_qualification"),
    Step.CERTIFICATE: msg("atlas.step_certificate"),
    Step.EQUIVALENT: msg("atlas.step_equivalent"),
}


@dataclass(frozen=True)
class Links:
    """What differs between the served atlas and a static export."""

    public_url: str | None = None  # https://lotse.example.org: absolute canonical links
    chat_url: str | None = None  # the web chat's address ("/" on the server); None: no link
    bot_username: str | None = None  # for t.me links; None: no Telegram link
    static: bool = False  # search by inline script; courses are looked up in the chat instead

    def absolute(self, path: PagePath) -> str | None:
        if self.public_url is None:
            return None
        return "/".join([self.public_url.rstrip("/"), "atlas", *path]) + "/"


@dataclass(frozen=True)
class CourseView:
    title: str
    lines: tuple[str, ...]
    url: str | None


@dataclass(frozen=True)
class RegionCourses:
    region: str
    courses: tuple[CourseView, ...]


class Words:
    """The atlas texts in one language: ``t.skip`` or ``t("training", duration=…)``."""

    def __init__(self, translator: Translator) -> None:
        self._translator = translator

    def __getattr__(self, key: str) -> str:
        if key not in TEXTS:  # Jinja probes objects for its own attributes
            raise AttributeError(key)
        return self._translator.text(TEXTS[key])

    def __call__(self, key: str, **params: object) -> str:
        return self._translator.text(TEXTS[key]).format(**params)


@dataclass
class _Page:
    """What the base template needs; each page adds its own values."""

    language: str
    path: PagePath
    title: str
    description: str
    links: Links
    values: dict[str, Any] = field(default_factory=dict)


class Atlas:
    """All atlas pages of one content, computed once (the ways) and rendered on demand."""

    def __init__(self, knowledge: Knowledge, catalogs: Catalogs) -> None:
        self.knowledge = knowledge
        self.catalogs = catalogs
        self.renderer = Renderer(knowledge)
        self.ways = {
            ident: occupation_ways(knowledge, occupation)
            for ident, occupation in knowledge.occupations.items()
        }
        self.terms = {ident: terms(o) for ident, o in knowledge.occupations.items()}
        # Pages that depend on nothing but the content, once rendered; bounded, since an
        # unconfigured public address follows the request's Host header.
        self._rendered: dict[tuple[str, ...], str] = {}
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html", "xml"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    # -- addresses ------------------------------------------------------------------------------

    def page_paths(self) -> list[PagePath]:
        """Every page of the atlas, for the export and the sitemap."""
        found: list[PagePath] = [()]
        for language in LANGUAGES:
            found.append((language,))
            found += [(language, "occupation", ident) for ident in self.knowledge.occupations]
            found += [(language, "topic", topic) for topic in TOPIC_PAGES]
        return found

    # -- pages ----------------------------------------------------------------------------------

    def root(self, links: Links) -> str:
        """The language choice at the atlas root (the server redirects to one language)."""
        choices = [
            {
                "language": language,
                "name": language_name(language),
                "site": self._translator(language).text(TEXTS["site_name"]),
                "choose": self._translator(language).text(TEXTS["choose_language"]),
            }
            for language in LANGUAGES
        ]
        sites = " · ".join(str(choice["site"]) for choice in choices)
        page = _Page("de", (), sites, sites, links, {"choices": choices})
        return self._render("root.html", page)

    def index(self, language: str, links: Links, query: str = "") -> str:
        query = query.strip()[:100]
        if not query:
            return self._memo(("index", language), links, lambda: self._index(language, links, ""))
        return self._index(language, links, query)

    def _index(self, language: str, links: Links, query: str) -> str:
        translator = self._translator(language)
        t = Words(translator)
        groups = []
        for field_id in [*FIELDS, OTHER]:
            members = [
                self._item(w, translator)
                for w in self.ways.values()
                if w.field == field_id
                and (not query or matches(self.terms[w.occupation.id], query))
            ]
            if members:
                members.sort(key=lambda item: fold(item["name"]))
                name = translator.text(FIELD_NAMES[field_id])
                groups.append({"id": field_id, "name": name, "items": members})
        found = sum(len(g["items"]) for g in groups)
        page = _Page(
            language,
            (language,),
            t("index_title", count=len(self.ways)),
            t.index_description,
            links,
            {
                "groups": groups,
                "query": query,
                "found": found,
                "noindex": bool(query),  # search results are no page of their own
                "chat": self._chat_links(links, f"{language}-atlas"),
                "topics": self._topic_links(language, translator),
            },
        )
        return self._render("index.html", page)

    def occupation(
        self,
        language: str,
        ident: str,
        links: Links,
        courses: Sequence[RegionCourses] | None = None,
    ) -> str:
        ways = self.ways[ident]
        translator = self._translator(language)
        t = Words(translator)
        name = self._name(ident, translator)
        values = {
            "ways": ways,
            "name": name,
            "facts": self._facts(ways, translator),
            "exam": self._exam(ways, translator),
            "picture": self._picture(ways, translator, name),
            "path_lists": self._path_lists(ways, translator),
            "topics": {topic.id: self._topic(topic, translator) for topic in ways.topics},
            "regions": [self._region(r, translator) for r in ways.regions],
            "body_sources": self._body_sources(ways, translator),
            "funding": [self._programme(p, translator) for p in ways.funding],
            "courses": courses,
            "official_search": OFFICIAL_SEARCH,
            "occupation_sources": self._sources(ways.occupation.sources),
            "occupation_reviewed": translator.date(ways.occupation.reviewed),
            "school_text": self.renderer.text(
                msg("exam.no_chamber_exam"),
                translator,
                {"occupation": name},
            ),
            "chat": self._chat_links(links, f"{language}-atlas-{ident}"),
        }
        page = _Page(
            language,
            (language, "occupation", ident),
            t("occupation_title", occupation=name),
            t("occupation_description", occupation=name),
            links,
            values,
        )
        return self._render("occupation.html", page)

    def topic(self, language: str, topic_id: str, links: Links) -> str:
        return self._memo(
            ("topic", language, topic_id),
            links,
            lambda: self._topic_page(language, topic_id, links),
        )

    def _topic_page(self, language: str, topic_id: str, links: Links) -> str:
        translator = self._translator(language)
        topic = self.knowledge.topics[topic_id]
        view = self._topic(topic, translator)
        answers = [
            {
                "id": a.id,
                "question": a.title.get(language),
                "paragraphs": self._paragraphs(
                    self.renderer.text(f"answer:{a.id}", translator, self._general_params())
                ),
                "sources": self._sources(a.sources),
                "reviewed": translator.date(a.reviewed),
            }
            for a in self.knowledge.answers.values()
            if a.topic == topic_id
        ]
        regulated = sorted(
            (
                {"id": w.occupation.id, "name": self._name(w.occupation.id, translator)}
                for w in self.ways.values()
                if w.occupation.regulated
            ),
            key=lambda item: fold(item["name"]),
        )
        page = _Page(
            language,
            (language, "topic", topic_id),
            view["title"],
            view["paragraphs"][0],
            links,
            {
                "topic": view,
                "answers": answers,
                "regulated": regulated if topic_id == "recognition" else [],
                "funding": (
                    [self._programme(p, translator) for p in funding(self.knowledge)]
                    if topic_id == "funding"
                    else []
                ),
                "chat": self._chat_links(links, f"{language}-atlas"),
            },
        )
        return self._render("topic.html", page)

    def sitemap(self, public_url: str) -> str:
        """Every page with its language alternates (the sitemaps.org format with xhtml:link)."""
        links = Links(public_url=public_url)
        ET.register_namespace("", _SITEMAP)
        ET.register_namespace("xhtml", _XHTML)
        urlset = ET.Element(f"{{{_SITEMAP}}}urlset")
        for path in self.page_paths():
            url = ET.SubElement(urlset, f"{{{_SITEMAP}}}url")
            ET.SubElement(url, f"{{{_SITEMAP}}}loc").text = links.absolute(path)
            for language in LANGUAGES if path else ():
                ET.SubElement(
                    url,
                    f"{{{_XHTML}}}link",
                    rel="alternate",
                    hreflang=language,
                    href=str(links.absolute((language, *path[1:]))),
                )
        ET.indent(urlset)
        return ET.tostring(urlset, encoding="unicode", xml_declaration=True) + "\n"

    def _memo(self, key: tuple[str, ...], links: Links, render: Callable[[], str]) -> str:
        full = (*key, repr(links))
        if full not in self._rendered:
            if len(self._rendered) >= _MEMO_SIZE:
                self._rendered.clear()
            self._rendered[full] = render()
        return self._rendered[full]

    # -- view data ------------------------------------------------------------------------------

    def _translator(self, language: str) -> Translator:
        return self.catalogs.translator(language)

    def _name(self, ident: str, translator: Translator) -> str:
        return self.renderer.text(f"occupation:{ident}", translator)

    def _item(self, ways: OccupationWays, translator: Translator) -> dict[str, Any]:
        occupation = ways.occupation
        duration = Decimal(str(occupation.duration_years)).normalize()
        return {
            "id": occupation.id,
            "name": self._name(occupation.id, translator),
            "german": self._name(occupation.id, self._translator("de")),
            "training": Words(translator)("training", duration=translator.years(duration)),
            "terms": self.terms[occupation.id],
        }

    def _facts(self, ways: OccupationWays, translator: Translator) -> list[str]:
        occupation = ways.occupation
        t = Words(translator)
        duration = translator.years(Decimal(str(occupation.duration_years)).normalize())
        return [
            translator.text(FIELD_NAMES[ways.field]),
            t("training", duration=duration),
            translator.text(_LEGAL[occupation.legal_basis]),
        ]

    def _exam(self, ways: OccupationWays, translator: Translator) -> dict[str, Any] | None:
        if ways.exam is None:
            return None
        t = Words(translator)
        exam = ways.exam
        return {
            "rule": t(
                "exam_rule",
                duration=translator.years(exam.duration),
                needed=translator.years(exam.needed),
            ),
            "needed": translator.years(exam.needed),
            "weeks": [
                {
                    "hours": t(
                        "hours_full" if week.hours >= FULL_WEEK else "hours_part",
                        hours=translator.number(week.hours),
                    ),
                    "needed": translator.years(week.needed),
                }
                for week in exam.weeks
            ],
        }

    def _step(self, step: Step, ways: OccupationWays, translator: Translator) -> str:
        text = translator.text(_STEPS[step])
        if step == Step.EXPERIENCE and ways.exam is not None:
            text = text.format(needed=translator.years(ways.exam.needed))
        return text

    def _path_lists(self, ways: OccupationWays, translator: Translator) -> list[list[str]]:
        return [[self._step(s, ways, translator) for s in path] for path in ways.paths]

    def _picture(self, ways: OccupationWays, translator: Translator, name: str) -> str:
        t = Words(translator)
        labelled = [[(s, self._step(s, ways, translator)) for s in path] for path in ways.paths]
        return ways_svg(
            labelled,
            title=t("picture_title", occupation=name),
            desc=t.picture_desc,
            ident=f"ways-{ways.occupation.id}",
        )

    def _paragraphs(self, text: str) -> list[str]:
        return [line.strip() for line in text.strip().splitlines() if line.strip()]

    def _sources(self, sources: Sequence[Source]) -> list[dict[str, str | None]]:
        return [{"title": s.title, "url": str(s.url) if s.url else None} for s in sources]

    def _topic(self, topic: Topic, translator: Translator) -> dict[str, Any]:
        return {
            "id": topic.id,
            "title": topic.title.get(translator.language),
            "paragraphs": self._paragraphs(topic.answer.get(translator.language)),
            "sources": self._sources(topic.sources),
            "reviewed": translator.date(topic.reviewed),
        }

    def _body(self, body: Body | None, translator: Translator) -> dict[str, Any] | None:
        if body is None:
            return None
        return {
            "name": body.name.get(translator.language),
            "url": str(body.website) if body.website else None,
        }

    def _region(self, regional: RegionalBodies, translator: Translator) -> dict[str, Any]:
        t = Words(translator)
        return {
            "name": f"{regional.region.name}, {regional.region.state}",
            "exam": self._body(regional.exam_body, translator),
            "exam_unknown": t("body_unknown", kind=translator.text(regional.exam_unknown)),
            "recognition": self._body(regional.recognition_body, translator),
            "advice": self._body(regional.recognition_advice, translator),
        }

    def _body_sources(self, ways: OccupationWays, translator: Translator) -> list[dict[str, Any]]:
        """Where each body and region shown comes from, once each, with its review date."""
        facts: dict[str, Any] = {}
        for regional in ways.regions:
            for body in (
                regional.exam_body,
                regional.recognition_body,
                regional.recognition_advice,
            ):
                if body is not None:
                    facts.setdefault(f"body:{body.id}", (body.name.get(translator.language), body))
            region = regional.region
            facts.setdefault(f"region:{region.id}", (region.name, region))
        return [
            {
                "name": name,
                "sources": self._sources(fact.sources),
                "reviewed": translator.date(fact.reviewed),
            }
            for name, fact in facts.values()
        ]

    def _programme(self, programme: FundingProgramme, translator: Translator) -> dict[str, Any]:
        t = Words(translator)
        conditions = []
        if programme.only_when == "qualification_from_abroad":
            conditions.append(t.funding_abroad)
        for region_id in programme.regions:
            region = self.knowledge.regions.get(region_id)
            conditions.append(t("funding_region", region=region.name if region else region_id))
        return {
            "id": programme.id,
            "name": programme.name.get(translator.language),
            "summary": programme.summary.get(translator.language).strip(),
            "who": [translator.text(f"fund.opt_{status.value}") for status in programme.applies_to],
            "conditions": conditions,
            "sources": self._sources(programme.sources),
            "reviewed": translator.date(programme.reviewed),
        }

    def _topic_links(self, language: str, translator: Translator) -> list[dict[str, Any]]:
        return [
            {"path": (language, "topic", t), "title": self.knowledge.topics[t].title.get(language)}
            for t in TOPIC_PAGES
            if t in self.knowledge.topics
        ]

    def _general_params(self) -> dict[str, object]:
        # No region and no case: answers name the kind of office, never a guessed one.
        return Facts(self.knowledge, {}, None).params()

    def _chat_links(self, links: Links, payload: str) -> dict[str, str | None]:
        web = None
        if links.chat_url is not None:
            if links.chat_url.startswith(("http://", "https://")):
                web = web_link(links.chat_url, payload)
            else:
                web = f"{links.chat_url}?start={payload}"
        telegram = deep_link(links.bot_username, payload) if links.bot_username else None
        return {"web": web, "telegram": telegram}

    # -- rendering ------------------------------------------------------------------------------

    def _render(self, template: str, page: _Page) -> str:
        translator = self._translator(page.language)

        def href(target: PagePath) -> str:
            """A link from this page to another, relative; static pages name index.html."""
            common = 0
            while common < min(len(page.path), len(target)) and (
                page.path[common] == target[common]
            ):
                common += 1
            up = "../" * (len(page.path) - common)
            down = "".join(f"{segment}/" for segment in target[common:])
            link = up + down
            return link + "index.html" if page.links.static else link or "./"

        alternates = [
            {
                "language": language,
                "href": page.links.absolute((language, *page.path[1:]))
                or href((language, *page.path[1:])),
            }
            for language in LANGUAGES
        ]
        switch = [
            {"language": code, "name": language_name(code), "href": href((code, *page.path[1:]))}
            for code in LANGUAGES
        ]
        values = {"chat": {"web": None, "telegram": None}, **page.values}
        return self.env.get_template(template).render(
            page=page,
            t=Words(translator),
            lang=page.language,
            href=href,
            canonical=page.links.absolute(page.path) or href(page.path),
            alternates=alternates if page.path else [],
            switch=switch,
            **values,
        )
