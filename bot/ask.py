"""``lotse ask``: understand one message and answer it as a fresh conversation would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.bundle import Content
from bot.config import Settings
from bot.content.models import LANGUAGES
from bot.engine import ConversationState, Engine, Renderer, Start, Text
from bot.understanding import Understander


@dataclass
class Asker:
    content: Content
    understander: Understander
    engine: Engine
    renderer: Renderer

    @classmethod
    def create(cls, settings: Settings) -> Asker:
        content = Content.load(settings.content_root, cache_dir=settings.cache_dir)
        understander = content.understander
        engine = content.engine(region=settings.region, retention_days=settings.retention_days)
        return cls(content, understander, engine, Renderer(content.knowledge))

    def ask(self, text: str, *, language: str | None = None) -> dict[str, Any]:
        """The ``lotse ask --json`` object of docs/contracts.md for one message."""
        analysis = self.understander.analyse(text, language_hint=language)
        reply_language = language if language in LANGUAGES else analysis.language
        state, _ = self.engine.handle(
            ConversationState(), Start(language=reply_language, silent=True)
        )
        state, reply = self.engine.handle(state, Text(text))
        translator = self.content.catalogs.translator(reply_language)
        texts = [m.text for m in self.renderer.render(reply, translator) if m.text]
        intent, confidence = analysis.intent, float(analysis.confidence)
        if reply.answer is not None:
            # The entry shown decides the topic; entries about Lotse itself belong to none.
            intent = self.content.knowledge.answers[reply.answer].intent
            confidence = self.content.answers.select(text).confidence
        return {
            "language": analysis.language,
            "intent": intent,
            "confidence": round(confidence, 3),
            "slots": self._public_slots(analysis.slots),
            "reply": "\n\n".join(texts),
            "answer": reply.answer,
        }

    def _public_slots(self, slots: dict[str, Any]) -> dict[str, Any]:
        """Slots as the contract names them: occupation by its German name."""
        public = dict(slots)
        occupation = self.content.knowledge.occupations.get(str(public.get("occupation")))
        if occupation is not None:
            public["occupation"] = occupation.name.de
        years = public.get("years")
        if isinstance(years, float) and years.is_integer():
            public["years"] = int(years)  # "6", not "6.0"; halves stay 4.5
        return public
