"""Slot extraction (years, occupation, country, employment) from folded chat text."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from bot.understanding.normalize import fold_text, fold_token, normalize, tokens

__all__ = [
    "TermIndex",
    "content_words",
    "extract_employment",
    "extract_years",
    "is_company_word",
    "word_tokens",
]

log = logging.getLogger(__name__)

_WORD = re.compile(r"\d+(?:[.,]\d+)?|[a-z]+")


def word_tokens(text: str) -> list[str]:
    """Folded tokens that keep decimals ("4,5") whole and split digits from suffixes."""
    return [
        fold_token(t) if t[0].isalpha() else t.replace(",", ".")
        for t in _WORD.findall(fold_text(text))
    ]


def _folded(words: str) -> list[str]:
    return [fold_token(w) for w in normalize(words).split()]


def _table(spec: Mapping[float, str]) -> dict[str, float]:
    table: dict[str, float] = {}
    for value, words in spec.items():
        for word in _folded(words):
            table.setdefault(word, value)
    return table


_UNITS = _table(
    {
        0: "null sıfır ноль",
        1: "ein eins eine einen einem einer bir один одного одну одним одном odin",
        2: "zwei zwo iki два две двух двумя dva dve",
        3: "drei üç три трех трёх tri",
        4: "vier dört четыре четырех четырёх chetyre",
        5: "fünf fuenf funf beş пять пяти pyat",
        6: "sechs altı шесть шести shest",
        7: "sieben yedi семь семи sem",
        8: "acht sekiz восемь восьми vosem",
        9: "neun dokuz девять девяти devyat",
    }
)
_TEENS = _table(
    {
        10: "zehn on десять десяти desyat",
        11: "elf одиннадцать одиннадцати",
        12: "zwölf zwoelf двенадцать двенадцати",
        13: "dreizehn тринадцать тринадцати",
        14: "vierzehn четырнадцать четырнадцати",
        15: "fünfzehn пятнадцать пятнадцати",
        16: "sechzehn шестнадцать шестнадцати",
        17: "siebzehn семнадцать семнадцати",
        18: "achtzehn восемнадцать восемнадцати",
        19: "neunzehn девятнадцать девятнадцати",
    }
)
_TENS = _table(
    {
        20: "zwanzig yirmi двадцать двадцати",
        30: "dreißig dreissig otuz тридцать тридцати",
        40: "vierzig kırk сорок",
    }
)
_HALF_WORDS = _table(
    {
        1.5: "anderthalb eineinhalb einhalb полтора полутора poltora",
        0.5: "halb halbes halben yarım полгода пол",
    }
)
_PLUS_HALF = set(_folded("buçuk buçuktur einhalb половиной polovinoy"))
_COMPOUND = re.compile(r"^([a-z]+?)(und|unt)([a-z]+)$")  # German "einundzwanzig"
_HALF_SUFFIX = "einhalb"
_YEAR_PREFIXES = tuple(_folded("jahr yıl sene year"))  # jahr, jahre, jahren, yıldır, senedir …
_YEAR_WORDS = set(_folded("j год года году годом лет годик годика g god goda let yrs"))
_MONTH_PREFIXES = tuple(_folded("monat месяц mesyac"))
_MONTH_WORDS = set(_folded("ay aydır aylık ayı mon"))
_SINCE_BEFORE = set(_folded("seit ab с since"))
_SINCE_AFTER = set(_folded("beri yana itibaren"))
_AGO = set(_folded("vor önce назад nazad"))
_AGE = set(_folded("alt yaşında yaşındayım yaşım yasindayim"))
_APPROX = set(
    _folded(
        "ca circa etwa ungefähr ungefaehr fast über mehr als knapp rund yaklaşık civarı "
        "aşağı yukarı около примерно почти больше где-то"
    )
)
_JOINERS = set(_folded("und ve i и"))
# "nicht 3 Jahre", "а не 3 года": a duration the person rejects, not their experience.
_DENIAL = set(_folded("nicht kein keine не"))
# A duration of training or schooling ("3 Jahre Lehre", "3 года учиться") is no experience.
_TRAINING_STEMS = tuple(
    _folded("ausbild schul umschul studi lernen obuch uchits uchil ucheb egitim okul kurs")
)
_TRAINING_WORDS = set(_folded("lehre lehrzeit"))
_STOP_TRAINING = set(_folded("ohne bez без siz als olarak как"))
# Adjectives made from a duration ("3 yıllık", "3-jährige") describe a programme, not experience.
_DURATION_ADJECTIVE = ("yillik", "jahrig", "letn")


def _is_year_unit(token: str) -> bool:
    return token in _YEAR_WORDS or token.startswith(_YEAR_PREFIXES)


def _is_month_unit(token: str) -> bool:
    return token in _MONTH_WORDS or token.startswith(_MONTH_PREFIXES) or token.startswith("mesya")


def _word_value(token: str) -> float | None:
    """Value of one number word, also German compounds like "einundzwanzig", "viereinhalb"."""
    for table in (_UNITS, _TEENS, _TENS, _HALF_WORDS):
        if token in table:
            return float(table[token])
    if token.endswith(_HALF_SUFFIX) and len(token) > len(_HALF_SUFFIX):
        base = _word_value(token[: -len(_HALF_SUFFIX)])
        return None if base is None else base + 0.5
    match = _COMPOUND.match(token)
    if match and match.group(1) in _UNITS and match.group(3) in _TENS:
        return _UNITS[match.group(1)] + _TENS[match.group(3)]
    return None


def _number_at(words: Sequence[str], i: int) -> tuple[float, int] | None:
    """Parse a number starting at ``words[i]``; return (value, next index)."""
    token = words[i]
    if token[0].isdigit():
        value = float(token)
        j = i + 1
        if j + 1 < len(words) and words[j] == "1" and words[j + 1] == "2":  # "4 1/2"
            value, j = value + 0.5, j + 2
    else:
        word = _word_value(token)
        if word is None:
            return None
        value, j = word, i + 1
        tens = token in _TENS or (token in _TEENS and value == 10)
        if tens and j < len(words) and words[j] in _UNITS:  # "yirmi bir", "двадцать один", "on iki"
            value, j = value + _UNITS[words[j]], j + 1
    if j < len(words) and words[j] in _PLUS_HALF:
        value, j = value + 0.5, j + 1
    elif j + 1 < len(words) and words[j] in ("s", "i") and words[j + 1] in _PLUS_HALF:
        value, j = value + 0.5, j + 2
    return value, j


def _since_year(words: Sequence[str], i: int, today: dt.date) -> float | None:
    token = words[i]
    if not (len(token) == 4 and token.isdigit()):
        return None
    year = int(token)
    if not 1950 <= year <= today.year:
        return None
    before = words[i - 1] if i > 0 else ""
    after = words[i + 1 : i + 4]
    if before in _SINCE_BEFORE or any(w in _SINCE_AFTER for w in after):
        return float(today.year - year)
    return None


def extract_years(text: str, today: dt.date) -> float | None:
    """Years of experience stated in the text: "6 Jahre", "dört buçuk yıl", "с 2016 года"."""
    words = word_tokens(text)
    months_only: float | None = None
    for i in range(len(words)):
        since = _since_year(words, i, today)
        if since is not None:
            return since
        parsed = _number_at(words, i)
        if parsed is None:
            continue
        value, j = parsed
        if j < len(words) and _is_year_unit(words[j]):
            if _excluded(words, i, j):
                continue
            years = value
            k = j + 1
            if k < len(words) and words[k] in _JOINERS:
                k += 1
            month = _number_at(words, k) if k < len(words) else None
            if month is not None and month[1] < len(words) and _is_month_unit(words[month[1]]):
                years += month[0] / 12
            if 0 <= years <= 50:
                return round(float(years), 2)
        elif j < len(words) and _is_month_unit(words[j]) and months_only is None:
            if not _excluded(words, i, j):
                months_only = round(value / 12, 2)
        elif _HALF_WORDS.get(words[i]) == 0.5 and j < len(words) and _is_year_unit(words[j]):
            return 0.5
    if months_only is not None:
        return months_only
    return _bare_number(words)


def _excluded(words: Sequence[str], start: int, unit: int) -> bool:
    """Ages ("35 Jahre alt", "мне 35 лет"), points in time ("vor 5 Jahren"), durations of
    training ("3 Jahre Lehre", "3 yıllık ausbildung") and denied durations are no experience."""
    before = words[max(0, start - 2) : start]
    after = words[unit + 1 : unit + 2]
    if words[unit].startswith(_DURATION_ADJECTIVE) or any(w in _DENIAL for w in before):
        return True
    for word in words[unit + 1 : unit + 4]:
        if word in _STOP_TRAINING:
            break
        if word in _TRAINING_WORDS or word.startswith(_TRAINING_STEMS):
            return True
    if any(w in _AGO for w in before[-1:]) or any(w in _AGO for w in after):
        return True
    if words[unit] in _AGE or any(w.startswith("yas") for w in words[unit : unit + 2]):
        return True
    return any(w in _AGE for w in after) or "mne" in before


def _bare_number(words: Sequence[str]) -> float | None:
    """A message that is only a number (answering "how many years?")."""
    rest = [w for w in words if w not in _APPROX]
    if not rest:
        return None
    parsed = _number_at(rest, 0)
    if parsed is None or parsed[1] != len(rest):
        return None
    value = parsed[0]
    return float(value) if 0 <= value <= 50 else None


# --- occupations and countries -------------------------------------------------------------

_FILLER = set(
    _folded(
        "der die das den dem des für fuer im in am an und von aus als mit zum zur ve ile "
        "i и в на из по для с"
    )
)


def content_words(term: str) -> str:
    """The folded words of a term without prepositions and articles ("из Сирии" -> "siri")."""
    return " ".join(w for w in tokens(term) if w not in _FILLER)


@dataclass(frozen=True)
class _Term:
    key: str
    words: tuple[str, ...]


def _stems(word: str) -> tuple[str, ...]:
    """Stems that inflected forms start with: маляр→маляром, Украина→Украине, Россия→России."""
    stems = [word]
    if len(word) >= 6 and word[-1] in "aeiouy":
        stems.append(word[:-1])
    if len(word) >= 6 and word.endswith("iya"):
        stems.append(word[:-2])
    if len(word) >= 7 and word.endswith("ets"):  # продавец→продавца
        stems.append(word[:-3] + "ts")
    # Latin-script Russian often writes ц as "c": "prodavca", "kvalifikaciya".
    stems.extend(stem.replace("ts", "c") for stem in list(stems) if "ts" in stem)
    return tuple(stems)


# Endings that may follow a four-letter word ("aşçı-yım", "Koch-in", "повар-ом" is longer anyway).
_SHORT_SUFFIXES = frozenset(
    {"", "yim", "yum", "yiz", "im", "um", "iz", "lik", "luk", "ligi", "lugu", "lar", "ler"}
    | {"in", "en", "e", "s", "n", "om", "a", "u", "y", "i", "oy", "em", "ami", "ov"}
)


def _word_matches(query: str, word: str) -> bool:
    """Whether a query token is the term word, inflected, or with a one-letter typo."""
    if query == word:
        return True
    size = len(word)
    if size < 4 or len(query) < 4:
        return False
    for stem in _stems(word):
        if not query.startswith(stem):
            continue
        suffix = query[len(stem) :]
        if len(stem) >= 5 and len(suffix) <= 6:
            return True
        if len(stem) == 4 and suffix in _SHORT_SUFFIXES:
            return True
    if len(query) >= 7 and word.startswith(query) and size - len(query) <= 2:
        return True  # "Metallbau" for "Metallbauer"
    if size < 6 or query[:2] != word[:2]:
        return False
    allowed = 1 if size < 12 else 2
    # Typos must leave the word's ending intact, so "polstavki" is no "polsha".
    if query[-2:] == word[-2:] and Levenshtein.distance(query, word) <= allowed:
        return True
    head = query[:size]
    return (
        len(query) - size <= 3
        and head[-2:] == word[-2:]
        and Levenshtein.distance(head, word, score_cutoff=allowed) <= allowed
    )


class TermIndex:
    """Fuzzy, inflection-tolerant lookup of multi-word terms (job titles, country names)."""

    def __init__(
        self,
        terms: Iterable[tuple[str, str]],
        *,
        skip: Callable[[str, str, str], bool] | None = None,
    ) -> None:
        self._terms: list[_Term] = []
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for key, term in terms:
            words = tuple(w for w in tokens(term) if w not in _FILLER)
            if not words or sum(len(w) for w in words) < 3 or (key, words) in seen:
                continue
            seen.add((key, words))
            self._terms.append(_Term(key, words))
        self._vocabulary = sorted({w for t in self._terms for w in t.words})
        self._by_head: dict[str, list[str]] = {}
        for word in self._vocabulary:
            self._by_head.setdefault(word[:2], []).append(word)
        self._by_first: dict[str, list[_Term]] = {}
        for entry in self._terms:
            self._by_first.setdefault(entry.words[0], []).append(entry)
        self._skip = skip
        self._lookup = lru_cache(maxsize=16384)(self._lookup_uncached)

    def _lookup_uncached(self, query: str) -> frozenset[str]:
        candidates = self._by_head.get(query[:2], [])
        return frozenset(w for w in candidates if _word_matches(query, w))

    def find(self, text: str) -> str | None:
        """Return the key of the best (longest, most exact) term found in the text."""
        raw = tokens(text)
        words = [w for w in raw if w not in _FILLER]
        before = [raw[i - 1] if i else "" for i, w in enumerate(raw) if w not in _FILLER]
        matched = [self._lookup(w) for w in words]
        best: tuple[float, str] | None = None
        for start, options in enumerate(matched):
            for first in options:
                for term in self._by_first.get(first, ()):
                    score = self._score(term, start, words, matched, before[start])
                    if score is not None and (best is None or score > best[0]):
                        best = (score, term.key)
        if best is not None:
            log.debug("term %s matched with score %s", best[1], best[0])
        return None if best is None else best[1]

    def _score(
        self,
        term: _Term,
        start: int,
        words: Sequence[str],
        matched: Sequence[frozenset[str]],
        before: str,
    ) -> float | None:
        size = len(term.words)
        if start + size > len(words):
            return None
        if not all(term.words[k] in matched[start + k] for k in range(1, size)):
            return None
        after = words[start + size] if start + size < len(words) else ""
        if self._skip is not None and self._skip(before, words[start], after):
            return None
        exact = sum(words[start + k] == term.words[k] for k in range(size))
        # Longer and exact terms win; among equals, the earlier term in the file.
        return size * 10 + exact * 2 + sum(len(w) for w in term.words) / 100 - start / 1000


# Words for a business: "Reinigungsfirma", "строительная фирма", "temizlik firmam" name a
# company's trade, not the writer's occupation.
_COMPANY_SUFFIXES = tuple(_folded("firma firmen betrieb unternehmen"))
_COMPANY_PREFIXES = tuple(_folded("firm şirket sirket kompan predpri фирм компан предпри"))


def is_company_word(before: str, word: str, after: str) -> bool:
    """Whether a job word only describes a company ("Baufirma", "строительная фирма")."""
    del before
    return word.endswith(_COMPANY_SUFFIXES) or after.startswith(_COMPANY_PREFIXES)


# --- employment -----------------------------------------------------------------------------

_EMPLOYMENT: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "jobcenter",
        (
            "jobcenter", "job center", "jobcentr", "bürgergeld", "buergergeld", "bürgergelt",
            "burgergeld", "hartz", "alg 2", "alg ii", "arbeitslosengeld 2", "arbeitslosengeld ii",
            "джобцентр", "джоб центр", "жобцентр", "йобцентр", "бюргергельд", "бургергельд",
            "бюргергелд", "бургер гельд", "гарц", "харц", "sosyal yardım", "sosyal yardim",
        ),
    ),
    (
        "unemployed",
        (
            "arbeitslos", "arbeitssuchend", "arbeitsuchend", "ohne arbeit", "ohne job",
            "keine arbeit", "keinen job", "keine stelle", "agentur für arbeit", "arbeitsagentur",
            "arbeitsamt", "alg 1", "alg i", "arbeitslosengeld", "arbeite nicht",
            "arbeite zurzeit nicht",
            "arbeite gerade nicht", "arbeite momentan nicht", "arbeite derzeit nicht",
            "arbeite im moment nicht", "suche arbeit", "suche einen job", "suche job",
            "işsiz", "iş arıyorum", "is ariyorum", "işim yok", "isim yok", "çalışmıyorum",
            "calismiyorum",
            "calismiyom", "iş bulamıyorum", "işsizlik", "iş kurumu", "ajansa kayıtlı",
            "безработ", "не работаю", "без работы", "ищу работу", "нет работы", "биржа труда",
            "биржи труда", "агентур", "арбайтсамт", "арбайтсагентур", "пособие по безработице",
            "ne rabotayu", "bez raboty", "bezrabotn", "ishu rabotu",
        ),
    ),
    (
        "employed",
        (
            "ich arbeite", "arbeite als", "arbeite seit", "arbeite in", "arbeite bei",
            "arbeite im", "arbeite noch", "arbeite jetzt", "arbeite schon", "arbeite vollzeit",
            "arbeite teilzeit", "bin angestellt", "angestellt als", "angestellt bei",
            "festangestellt",
            "bin beschäftigt", "beschäftigt als", "beschäftigt bei",
            "festanstellung",
            "berufstätig", "minijob", "habe arbeit", "habe einen job", "habe eine stelle",
            "çalışıyorum", "calisiyorum", "calisiyom", "çalışıyom", "işim var", "isim var",
            "işe gidiyorum",
            "работаю", "rabotayu", "трудоустроен", "устроен", "есть работа", "я работаю",
            "официально работаю", "работаю на",
        ),
    ),
)  # fmt: skip
_NEGATION_AFTER = set(_folded("nicht"))  # German: "ich arbeite seit Mai nicht mehr"
_NEGATION_BEFORE = set(_folded("не"))  # Russian: "я не работаю"; Turkish "ne" means "what"


def _compile_employment() -> tuple[tuple[str, re.Pattern[str]], ...]:
    compiled = []
    for status, phrases in _EMPLOYMENT:
        alternatives = sorted({re.escape(normalize(p)) for p in phrases}, key=len, reverse=True)
        compiled.append((status, re.compile(r"\b(?:" + "|".join(alternatives) + r")")))
    return tuple(compiled)


_EMPLOYMENT_PATTERNS = _compile_employment()


def extract_employment(text: str) -> str | None:
    """Employment status: "jobcenter" beats "unemployed" beats "employed"; negation flips work."""
    folded = normalize(text)
    for status, pattern in _EMPLOYMENT_PATTERNS:
        match = pattern.search(folded)
        if match is None:
            continue
        if status == "employed":
            before = folded[: match.start()].split()[-1:]
            after = folded[match.end() :].split()[:3]
            if any(w in _NEGATION_BEFORE for w in before) or any(
                w in _NEGATION_AFTER for w in after
            ):
                return "unemployed"
        return status
    return None
