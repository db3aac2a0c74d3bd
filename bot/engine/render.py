"""Turn a reply (message ids and parameters) into text in the reader's language."""

from __future__ import annotations

import logging
import string
from collections.abc import Mapping
from dataclasses import dataclass

from bot.content import Knowledge
from bot.content.models import LANGUAGES
from bot.engine.events import Line, Reply, ReplyOption
from bot.engine.facts import Ref
from bot.engine.refs import is_reference, reference_text
from bot.i18n import Translator, Years, language_name

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderedOption:
    id: str
    label: str


@dataclass(frozen=True)
class RenderedMessage:
    text: str
    options: tuple[RenderedOption, ...] = ()


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
            return reference_text(ref, self.knowledge, translator.language, self._names)
        template = translator.text(ref)
        if not params or "{" not in template:
            return template
        values = _Missing({k: self._value(v, translator) for k, v in params.items()})
        return string.Formatter().vformat(template, (), values)

    def _value(self, value: object, translator: Translator) -> str:
        match value:
            case Years():
                return translator.years(value.value)
            case Ref(ref=ref):
                return self.text(ref, translator)
            case int() | float():
                return translator.number(value)
        return str(value)

    def options(
        self, options: list[ReplyOption], translator: Translator
    ) -> tuple[RenderedOption, ...]:
        return tuple(RenderedOption(o.id, self.text(o.label, translator)) for o in options)

    def render(self, reply: Reply, translator: Translator) -> list[RenderedMessage]:
        """One message per line; the options go with the last message."""
        texts = [self.text(line.ref, translator, line.params) for line in reply.lines]
        if not texts:
            texts = [""]
        messages = [RenderedMessage(t) for t in texts[:-1]]
        messages.append(RenderedMessage(texts[-1], self.options(reply.options, translator)))
        return messages

    def line(self, line: Line, translator: Translator) -> str:
        return self.text(line.ref, translator, line.params)
