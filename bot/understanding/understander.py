"""The ``Understander``: one object, built once, that reads a chat message."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from bot.content.loader import Knowledge
from bot.understanding import slots as _slots
from bot.understanding.intents import NULL, IntentRanker
from bot.understanding.language import LanguageDetector
from bot.understanding.normalize import normalize, tokens

__all__ = ["Analysis", "Understander"]

log = logging.getLogger(__name__)

THRESHOLD = 0.5
_LANGUAGES = ("de", "tr", "ru")
_GREETINGS = frozenset(
    tokens(
        "hallo hello hi hey moin servus grüß gott guten tag morgen abend grüezi salut "
        "merhaba merhabalar selam selamlar selamun aleyküm aleykum iyi günler akşamlar sabahlar "
        "günaydın kolay gelsin привет здравствуйте здравствуй добрый день вечер утро доброе "
        "салам салют zdravstvuyte privet dobryy dobry den"
    )
)
# Words that carry no topic; a message made only of greetings and these is a greeting.
_EMPTY = frozenset(
    tokens(
        "und ja nein bitte danke liebe lieber leute team zusammen alle ich bin hier "
        "ve evet hayir lütfen tesekkürler arkadaslar hocam abi abla herkese ben "
        "и да нет пожалуйста спасибо всем друзья я a"
    )
)
_SMALL_DIGITS = 9


@dataclass(frozen=True)
class Analysis:
    """What one message says: language, intent (None when unsure or out of scope) and slots."""

    language: str
    language_confidence: float
    intent: str | None
    confidence: float
    candidates: tuple[tuple[str, float], ...]
    slots: dict[str, object] = field(default_factory=dict)


class Understander:
    """Language, intent and slots for free text; all indexes are built in ``__init__``."""

    def __init__(
        self, knowledge: Knowledge, *, today: Callable[[], dt.date] = dt.date.today
    ) -> None:
        self._today = today
        examples = {k: v for k, v in knowledge.examples.items() if v}
        self._ranker = IntentRanker(examples) if examples else None
        training: dict[str, list[str]] = {lang: [] for lang in _LANGUAGES}
        for by_language in examples.values():
            for language, phrases in by_language.items():
                training.setdefault(language, []).extend(phrases)
        for occupation in knowledge.occupations.values():
            for language in _LANGUAGES:
                training[language].extend(getattr(occupation.titles, language))
        self._detector = LanguageDetector(training)
        self._occupations = _slots.TermIndex(
            (occ_id, term)
            for occ_id, occ in knowledge.occupations.items()
            for term in (*occ.name.de.split("/"), occ.name.tr, occ.name.ru, *occ.titles.all())
        )
        self._countries = _slots.TermIndex(
            ((code, term) for code, country in knowledge.countries.items() if code != "DE"
             for term in (country.name.de, country.name.tr, country.name.ru, *country.forms.all())),
            skip=_is_language_name,
        )  # fmt: skip
        log.info(
            "understanding ready: %s intents, %s occupations, %s countries",
            len(examples),
            len(knowledge.occupations),
            len(knowledge.countries),
        )

    def detect_language(self, text: str) -> tuple[str, float]:
        """Return ("de"|"tr"|"ru", confidence) for a short message."""
        return self._detector.detect(text)

    def analyse(self, text: str, *, language_hint: str | None = None) -> Analysis:
        """Read one message; the hint (conversation language) wins when detection is unsure."""
        language, language_confidence = self.detect_language(text)
        if language_hint in _LANGUAGES and language_hint != language and language_confidence < 0.8:
            language, language_confidence = language_hint, 1.0 - language_confidence
        intent, confidence, candidates = self._intent(text)
        return Analysis(
            language=language,
            language_confidence=round(language_confidence, 3),
            intent=intent,
            confidence=round(confidence, 3),
            candidates=candidates,
            slots=self.extract_slots(text),
        )

    def extract_slots(self, text: str) -> dict[str, object]:
        """All slots found in the text; missing ones are left out."""
        found: dict[str, object] = {}
        years = self.extract_years(text)
        if years is not None:
            found["years"] = years
        occupation = self.extract_occupation(text)
        if occupation is not None:
            found["occupation"] = occupation
        country = self.extract_country(text)
        if country is not None:
            found["country"] = country
        employment = self.extract_employment(text)
        if employment is not None:
            found["employment"] = employment
        return found

    def _intent(self, text: str) -> tuple[str | None, float, tuple[tuple[str, float], ...]]:
        words = normalize(text).split()
        greeting = [w for w in words if w in _GREETINGS]
        rest = [w for w in words if w not in _GREETINGS and w not in _EMPTY]
        if greeting and not rest:
            return "greeting", 0.97, (("greeting", 0.97),)
        if self._ranker is None or not words:
            return None, 1.0, ()
        ranking = self._ranker.rank(" ".join(words))
        if greeting and rest:
            stripped = self._ranker.rank(" ".join(w for w in words if w not in _GREETINGS))
            if stripped.scores[0][0] not in (NULL, "greeting"):
                ranking = stripped
        candidates = tuple((i, round(p, 3)) for i, p in ranking.scores if i != NULL)[:3]
        best, probability = ranking.scores[0]
        if best == NULL or probability < THRESHOLD or ranking.coverage < 0.34:
            if best == NULL:
                return None, probability, candidates
            return None, 1.0 - probability, candidates
        return best, probability, candidates

    def match_option(self, text: str, choices: Mapping[str, Sequence[str]]) -> str | None:
        """Which offered option the text means: a 1-based digit or a (fuzzy) label; else None."""
        ids = list(choices)
        stripped = text.strip().rstrip(".)")
        if stripped.isdigit() and len(stripped) <= 2:
            position = int(stripped)
            return ids[position - 1] if 1 <= position <= len(ids) <= _SMALL_DIGITS + 90 else None
        query = normalize(text)
        if not query:
            return None
        query_words = set(query.split())
        scored: list[tuple[float, str]] = []
        for option_id, labels in choices.items():
            best = 0.0
            for label in (option_id.replace("_", " "), *labels):
                folded = normalize(label)
                if not folded:
                    continue
                if folded == query:
                    best = 101.0
                    break
                label_words = set(folded.split())
                if label_words <= query_words and (len(folded) >= 3 or len(query_words) <= 2):
                    best = max(best, 96.0 + min(len(folded), 30) / 10)
                    continue
                if len(folded) >= 4 and len(query) >= 4:
                    best = max(best, fuzz.ratio(query, folded), _partial(query, folded))
            scored.append((best, option_id))
        scored.sort(reverse=True)
        top, option = scored[0]
        runner_up = scored[1][0] if len(scored) > 1 else 0.0
        if top >= 85 and top - runner_up >= 4:
            return option
        return None

    def extract_years(self, text: str) -> float | None:
        """Years of work experience: digits, number words, halves, months, "seit 2016"."""
        return _slots.extract_years(text, self._today())

    def extract_occupation(self, text: str) -> str | None:
        """Occupation id from a job title in any language, inflected or misspelt."""
        return self._occupations.find(text)

    def extract_country(self, text: str) -> str | None:
        """ISO code of the foreign country named in the text (Germany is not a slot value)."""
        return self._countries.find(text)

    def extract_employment(self, text: str) -> str | None:
        """ "employed", "unemployed" (Agentur für Arbeit) or "jobcenter" (Bürgergeld)."""
        return _slots.extract_employment(text)


def _partial(query: str, label: str) -> float:
    """Label typed inside a longer reply ("ja, bitte"), with a small penalty."""
    if len(label) < 5:
        return 0.0
    return float(fuzz.partial_ratio(label, query)) - 6.0


def _is_language_name(before: str, word: str, after: str) -> bool:
    """ "Türkçe", "русский язык", "spreche Russisch" name a language, not a country."""
    if word.endswith(("ce", "ca")) or after.startswith(("yazik", "yazyk", "dil")):
        return True
    return before.startswith(("sprech", "sprich", "govor", "konus", "lern", "uchu", "izuch"))
