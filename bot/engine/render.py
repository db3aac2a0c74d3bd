"""Turn a reply (message ids and parameters) into text in the reader's language."""

from __future__ import annotations

import datetime as dt
import logging
import string
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from bot.content import Knowledge
from bot.content.models import LANGUAGES
from bot.engine.events import Reply, ReplyOption
from bot.engine.facts import MODE_LABELS, Phrase, Ref
from bot.engine.refs import is_reference, reference_text
from bot.i18n import (
    Counted,
    Days,
    StoredData,
    Translator,
    When,
    Workload,
    Years,
    language_name,
    msg,
)

# What /mydata lists, in this order, with the label of each field.
_STORED_FIELDS = (
    ("occupation", msg("data.occupation")),
    ("years", msg("data.years")),
    ("country", msg("data.country")),
    ("employment", msg("data.employment")),
    ("contact_name", msg("data.contact_name")),
    ("contact_phone", msg("data.contact_phone")),
    ("contact_email", msg("data.contact_email")),
    ("availability", msg("data.availability")),
    ("appointment", msg("data.appointment")),
    ("consent", msg("data.consent")),
)
_VALUE_LABELS = {
    "employment": "fund.opt_",
    "availability": "handover.opt_time_",
}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderedOption:
    id: str
    label: str


@dataclass(frozen=True)
class RenderedLink:
    """A source link from the knowledge base (never from user input); https only."""

    title: str
    url: str


@dataclass(frozen=True)
class RenderedMessage:
    text: str
    options: tuple[RenderedOption, ...] = ()
    links: tuple[RenderedLink, ...] = ()


class _Missing(dict[str, str]):
    """Unknown placeholders stay visible instead of crashing the reply."""

    def __missing__(self, key: str) -> str:
        log.warning("message parameter %s missing", key)
        return "{" + key + "}"


class Renderer:
    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self._names = {lang: language_name(lang) for lang in LANGUAGES}

    def text(
        self, ref: str, translator: Translator, params: Mapping[str, object] | None = None
    ) -> str:
        if is_reference(ref):
            template = reference_text(ref, self.knowledge, translator.language, self._names)
            if not ref.startswith("answer:"):
                return template  # knowledge texts carry no placeholders, except answers
        else:
            template = translator.text(ref)
        if not params or "{" not in template:
            return template
        values = _Missing({k: self._value(v, translator) for k, v in params.items()})
        return string.Formatter().vformat(template, (), values)

    def links(self, ref: str) -> tuple[RenderedLink, ...]:
        """The source links of an answer entry, in the order the entry lists them."""
        kind, _, ident = ref.partition(":")
        answer = self.knowledge.answers.get(ident) if kind == "answer" else None
        if answer is None:
            return ()
        return tuple(RenderedLink(s.title, str(s.url)) for s in answer.sources)

    def _value(self, value: object, translator: Translator) -> str:
        match value:
            case Years():
                return translator.years(value.value)
            case When():
                return translator.datetime(value.value)
            case Days():
                return translator.days(value.value)
            case StoredData():
                return self._stored(value.slots, translator, value.asked)
            case Counted():
                return self._counted(value, translator)
            case Workload():
                return self._workload(value, translator)
            case Ref(ref=ref):
                return self.text(ref, translator)
            case Phrase(ref=ref, params=params):
                return self.text(ref, translator, params)
            case int() | float():
                return translator.number(value)
        return str(value)

    def _counted(self, counted: Counted, translator: Translator) -> str:
        """ "3 Jahre (Türkei) + 2 Jahre (Deutschland) = 5 Jahre", or just "5 Jahre"."""
        total = translator.years(counted.total)
        if len(counted.periods) < 2:
            return total
        parts = []
        for years, country in counted.periods:
            part = translator.years(years)
            if country in self.knowledge.countries:
                part += f" ({self.text(f'country:{country}', translator)})"
            parts.append(part)
        return " + ".join(parts) + f" = {total}"

    def _workload(self, workload: Workload, translator: Translator) -> str:
        if workload.share >= 1:
            return translator.text(msg("exam.workload_full"))
        hours = workload.hours if workload.hours is not None else workload.share * 40
        return translator.text(msg("exam.workload_hours")).format(
            hours=translator.number(hours.quantize(Decimal("0.1")).normalize())
        )

    def options(
        self, options: list[ReplyOption], translator: Translator
    ) -> tuple[RenderedOption, ...]:
        return tuple(
            RenderedOption(
                o.id, ("✓ " if o.selected else "") + self.text(o.label, translator, o.params)
            )
            for o in options
        )

    def _stored(
        self, slots: dict[str, object], translator: Translator, asked: tuple[str, ...] = ()
    ) -> str:
        lines = []
        for name, label in _STORED_FIELDS:
            value = slots.get(name)
            if value is None:
                continue
            shown = self._slot_value(name, value, translator)
            if name == "appointment" and (mode := slots.get("appointment_mode")) in MODE_LABELS:
                # How and with whom: "… 10:30 (am Telefon, Anna)".
                with_name = str(slots.get("appointment_with") or "")
                how = ", ".join(filter(None, (translator.text(MODE_LABELS[str(mode)]), with_name)))
                shown += f" ({how})"
            lines.append(f"• {translator.text(label)}: {shown}")
        if asked:
            item = msg("data.asked_item")  # the language's quotation marks around a question
            quoted = "; ".join(self.text(item, translator, {"text": text}) for text in asked)
            lines.append(f"• {translator.text(msg('data.asked'))}: {quoted}")
        return "\n".join(lines) if lines else translator.text(msg("data.nothing"))

    def _slot_value(self, name: str, value: object, translator: Translator) -> str:
        if name == "occupation" and str(value) in self.knowledge.occupations:
            return self.text(f"occupation:{value}", translator)
        if name == "country" and str(value) in self.knowledge.countries:
            return self.text(f"country:{value}", translator)
        if name == "years":
            return translator.years(Decimal(str(value)))
        if name == "appointment":
            return translator.datetime(dt.datetime.fromisoformat(str(value)))
        if name in _VALUE_LABELS:
            return translator.text(_VALUE_LABELS[name] + str(value))
        return str(value)

    def render(self, reply: Reply, translator: Translator) -> list[RenderedMessage]:
        """One message per line; the options go with the last message."""
        messages = [
            RenderedMessage(
                self.text(line.ref, translator, line.params),
                (),
                self.links(line.ref) + tuple(RenderedLink(t, u) for t, u in line.links),
            )
            for line in reply.lines
        ] or [RenderedMessage("")]
        last = messages[-1]
        messages[-1] = RenderedMessage(
            last.text, self.options(reply.options, translator), last.links
        )
        return messages
