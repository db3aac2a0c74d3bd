"""The ``Understander``: one object, built once, that reads a chat message."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from bot.content.loader import Knowledge
from bot.content.models import Country
from bot.understanding import slots as _slots
from bot.understanding.foreign import detect_foreign_language
from bot.understanding.intents import NULL, IntentRanker, Ranking
from bot.understanding.language import LanguageDetector
from bot.understanding.normalize import normalize, tokens
from bot.understanding.places import PlaceFinder, PlaceMention
from bot.understanding.slots import Period, Workload

__all__ = ["Analysis", "Period", "Understander", "Workload"]

log = logging.getLogger(__name__)

THRESHOLD = 0.4
GREETING_CONFIDENCE = 0.95
OUT_OF_SCOPE_WITH_GREETING = 0.7
# Slots that tie a message to Lotse's field when two of them occur together.
ANCHOR_SLOTS = ("years", "occupation", "country")
_LANGUAGES = ("de", "tr", "ru")
_GREETINGS = frozenset(
    tokens(
        "hallo hallöchen hallöle hello hi hey heyy huhu moin servus grüß grüss gott tag tach abend "
        "morgen "
        "grüezi salut gruß grüße merhaba merhabalar mrb meraba merhba selam selamlar slm sa "
        "selamün selamun aleyküm aleykum günaydın günaydınlar günler akşamlar geceler sabahlar "
        "gelsin hayırlı naber привет приветик приветики прив здравствуйте здраствуйте здрасте "
        "здравствуй здрасьте добрый доброе доброго утречко приветствую хай салам салют ку алло "
        "zdravstvuyte zdravstvuite privet privetik dobryy dobry dobriy"
    )
)
_GREETING_STEMS = ("halo", "merhab", "selam", "privet", "zdrav", "zdras", "gunayd")
# Words that carry no topic; a message made only of greetings and these is a greeting.
_EMPTY = frozenset(
    tokens(
        "und ja nein bitte danke liebe lieber leute team zusammen alle miteinander auch ich bin "
        "hier ve evet hayir lütfen tesekkürler arkadaslar hocam abi abla herkese ben iyi "
        "и да нет пожалуйста спасибо всем друзья я a morgen abend tag день вечер утро "
        "ночи dobroy den vecher utro guten schönen frage fragen hab habe ne eine hilfe brauche "
        "bir şey soru sorum soracaktım sormak istiyorum yardım lazım var у меня вопрос вопросик "
        "помощь нужна помогите"
    )
)
_SMALL_DIGITS = 9


@dataclass(frozen=True)
class Analysis:
    """What one message says: language, intent (None when unsure or out of scope) and slots.

    ``confidence`` is the calibrated probability that the decision is right: for an intent,
    that it is the intended one; for ``None``, that no listed intent applies.
    """

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
        training: dict[str, list[str]] = {lang: [] for lang in _LANGUAGES}
        for by_language in examples.values():
            for language, phrases in by_language.items():
                training.setdefault(language, []).extend(phrases)
        for occupation in knowledge.occupations.values():
            for language in _LANGUAGES:
                training[language].extend(getattr(occupation.titles, language))
        self._detector = LanguageDetector(training)
        self._occupations = _slots.TermIndex(
            (
                (occ_id, term)
                for occ_id, occ in knowledge.occupations.items()
                for term in (*occ.name.de.split("/"), occ.name.tr, occ.name.ru, *occ.titles.all())
            ),
            skip=_slots.is_company_word,
        )
        self._countries = _slots.TermIndex(
            (
                (code, term)
                for code, country in knowledge.countries.items()
                if code != "DE"
                for term in _country_terms(country)
            ),
            skip=_is_language_name,
        )
        self._places = PlaceFinder(knowledge)
        # Slots found in a message are features too: "6 Jahre als Koch" means the exam route.
        self._ranker = IntentRanker(examples, markers=self._markers) if examples else None
        log.info(
            "understanding ready: %s intents, %s occupations, %s countries",
            len(examples),
            len(knowledge.occupations),
            len(knowledge.countries),
        )

    def _markers(self, text: str) -> list[str]:
        """Pseudo-words for the slots a text mentions, shared by all languages (three copies
        so that they weigh like a strong word)."""
        return [f"@{name}{copy}" for name in self.extract_slots(text) for copy in range(3)]

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

    def find_place(self, text: str) -> PlaceMention | None:
        """A town, district or postcode named in the text, with the configured region if any."""
        return self._places.find(text)

    def foreign_language(self, text: str) -> str | None:
        """The code of a language Lotse does not speak, when the text is clearly in one."""
        return detect_foreign_language(text)

    def intent_probabilities(self, text: str) -> dict[str, float]:
        """The ranker's probability per intent id (``null`` included), for answer selection."""
        if self._ranker is None:
            return {}
        return dict(self._ranker.rank(normalize(text)).scores)

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
        greeting = [w for w in words if _is_greeting(w)]
        rest = [w for w in words if not _is_greeting(w) and w not in _EMPTY]
        if greeting and not rest:
            return "greeting", GREETING_CONFIDENCE, (("greeting", GREETING_CONFIDENCE),)
        if self._ranker is None or not words:
            return None, 1.0, ()
        anchored = self._anchored(text)
        if greeting:
            # "Hallo, ich brauche Anerkennung" is about recognition; "Hallo, ist da jemand?"
            # stays a greeting; "Hallo, wie wird das Wetter?" is out of scope.
            ranking = self._ranker.rank(" ".join(w for w in words if not _is_greeting(w)))
            best, probability = ranking.scores[0]
            if anchored or (best not in (NULL, "greeting") and probability >= THRESHOLD):
                return self._decide(ranking, anchored=anchored)
            if best == NULL and probability >= OUT_OF_SCOPE_WITH_GREETING and len(rest) >= 3:
                return self._decide(ranking)
            candidates = _candidates(ranking.scores, first="greeting")
            return "greeting", GREETING_CONFIDENCE, candidates
        ranking = self._ranker.rank(" ".join(words))
        if anchored:
            return self._decide(ranking, anchored=True)
        if ranking.scores[0][0] == "greeting" and not self._ranker.near_match(" ".join(words)):
            # Small talk without a greeting word ("wie alt bist du") is out of scope.
            return None, ranking.scores[0][1], _candidates(ranking.scores)
        return self._decide(ranking)

    def _anchored(self, text: str) -> bool:
        """A message naming two of occupation, years and country is about Lotse's field
        ("seit 2018 Verkäuferin", "Tischler aus dem Iran"), however it is worded."""
        found = self.extract_slots(text)
        return sum(name in found for name in ANCHOR_SLOTS) >= 2

    def _decide(
        self, ranking: Ranking, *, anchored: bool = False
    ) -> tuple[str | None, float, tuple[tuple[str, float], ...]]:
        candidates = _candidates(ranking.scores)
        if anchored:
            # Out of scope and greeting are ruled out: take the best topic.
            topics = [(i, p) for i, p in ranking.scores if i not in (NULL, "greeting")]
            share = sum(p for _, p in topics) or 1.0
            return topics[0][0], topics[0][1] / share, candidates
        best, probability = ranking.scores[0]
        if best == NULL:
            return None, probability, candidates
        if probability < THRESHOLD:
            return None, 1.0 - probability, candidates
        return best, probability, candidates

    def match_option(self, text: str, choices: Mapping[str, Sequence[str]]) -> str | None:
        """Which offered option the text means: a 1-based digit or a (fuzzy) label; else None."""
        ids = list(choices)
        if not ids:
            return None
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

    def extract_periods(self, text: str) -> list[Period]:
        """The periods that make up the years, each with the country it was spent in ("DE" for
        Germany), so that years abroad and in Germany can be told apart."""
        return _slots.extract_periods(text, self._today(), self._countries.find)

    def extract_workload(self, text: str) -> Workload | None:
        """Share of a full-time week and hours per week: "Teilzeit, 20 Stunden", "на полставки"."""
        return _slots.extract_workload(text)

    def extract_occupation(self, text: str) -> str | None:
        """Occupation id from a job title in any language, inflected or misspelt."""
        return self._occupations.find(text)

    def extract_country(self, text: str) -> str | None:
        """ISO code of the foreign country named in the text (Germany is not a slot value)."""
        return self._countries.find(text)

    def extract_employment(self, text: str) -> str | None:
        """ "employed", "unemployed" (Agentur für Arbeit) or "jobcenter" (Bürgergeld)."""
        return _slots.extract_employment(text)


def _country_terms(country: Country) -> list[str]:
    """Names, and those forms long enough not to collide with ordinary words ("Сирии"≠"şiiri")."""
    names = [country.name.de, country.name.tr, country.name.ru]
    forms = [f for f in country.forms.all() if len(_slots.content_words(f)) >= 5]
    return names + forms


def _is_greeting(word: str) -> bool:
    return word in _GREETINGS or word.startswith(_GREETING_STEMS)


def _candidates(
    scores: Sequence[tuple[str, float]], first: str | None = None
) -> tuple[tuple[str, float], ...]:
    """Up to three in-scope intents, best first; ``first`` is put in front when given."""
    ranked = [(i, round(p, 3)) for i, p in scores if i not in (NULL, first)]
    if first is not None:
        ranked.insert(0, (first, GREETING_CONFIDENCE))
    return tuple(ranked[:3])


def _partial(query: str, label: str) -> float:
    """Label typed inside a longer reply ("ja, bitte"), with a small penalty."""
    if len(label) < 5:
        return 0.0
    return float(fuzz.partial_ratio(label, query)) - 6.0


def _is_language_name(before: str, word: str, after: str) -> bool:
    """ "Türkçe", "русский язык", "spreche Russisch" name a language, not a country."""
    if word.endswith(("ce", "ca")) or after.startswith(("yazik", "yazyk", "dil")):
        return True
    if before in ("auf", "po", "na"):
        return True
    return before.startswith(("sprech", "sprich", "govor", "konus", "lern", "uchu", "izuch"))
