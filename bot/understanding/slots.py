"""Slot extraction (years, occupation, country, employment, workload) from folded chat text."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

from rapidfuzz.distance import Levenshtein

from bot.memo import Memoized
from bot.understanding.normalize import fold_text, fold_token, normalize, tokens

__all__ = [
    "Period",
    "TermIndex",
    "Workload",
    "content_words",
    "extract_employment",
    "extract_periods",
    "extract_workload",
    "extract_years",
    "is_company_word",
    "word_tokens",
]

log = logging.getLogger(__name__)

_WORD = re.compile(r"\d+(?:[.,]\d+)?|[a-z]+")


@dataclass(frozen=True)
class _Text:
    """Folded words of a message and where each stands, to cut the text around a period."""

    folded: str
    words: tuple[str, ...]
    bounds: tuple[tuple[int, int], ...]

    def between(self, left: int, right: int) -> str:
        """The folded text from the end of word ``left`` to the start of word ``right``."""
        return self.folded[self.bounds[left][1] : self.bounds[right][0]]


@lru_cache(maxsize=1024)
def _read(text: str) -> _Text:
    """Fold and split once: every message is read several times while it is analysed."""
    folded = fold_text(text)
    matches = list(_WORD.finditer(folded))
    words = tuple(
        fold_token(m.group()) if m.group()[0].isalpha() else m.group().replace(",", ".")
        for m in matches
    )
    return _Text(folded, words, tuple(m.span() for m in matches))


def word_tokens(text: str) -> list[str]:
    """Folded tokens that keep decimals ("4,5") whole and split digits from suffixes."""
    return list(_read(text).words)


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
_YEAR_WORDS = set(_folded("j год года году годом лет годик годика g god goda let yrs yl"))
_YEAR_WORDS |= set(_folded("jare jaren jahe jhre jahere годы gody"))  # frequent typos
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
_DURATION_ADJECTIVE = tuple(_folded("yıllık jährig летн"))


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


# --- periods of work ------------------------------------------------------------------------

_Date = tuple[int, int | None]  # year and month, when the month is named


@dataclass(frozen=True)
class Period:
    """One period of work, so that years abroad and years in Germany can be weighed apart."""

    years: float
    country: str | None = None


@dataclass(frozen=True)
class _Span:
    """A period in ``words[start:end]``; ``unit`` (years per stated number) and ``unit_word``
    carry over to an elided unit, as in "3 Jahre in der Türkei und 2 in Deutschland"."""

    years: float
    start: int
    end: int
    unit: float = 0.0
    unit_word: str = ""
    counts: bool = True


_MONTHS = {
    word: month
    for month, names in enumerate(
        (
            "januar jan ocak январь января yanvar",
            "februar feb şubat subat февраль февраля fevral",
            "märz maerz mrz mart март марта",
            "april apr nisan апрель апреля",
            "mai mayıs mayis май мая",
            "juni jun haziran июнь июня",
            "juli jul temmuz июль июля",
            "august aug ağustos agustos август августа",
            "september sep sept eylül eylul сентябрь сентября",
            "oktober okt ekim октябрь октября",
            "november nov kasım kasim ноябрь ноября",
            "dezember dez aralık aralik декабрь декабря",
        ),
        start=1,
    )
    for word in _folded(names)
}
_MONTH_YEAR = re.compile(r"(\d{1,2})\.(\d{4})")  # "03.2015" is read as one decimal token
_DAY_MONTH = re.compile(r"\d{1,2}\.(\d{1,2})")  # "12.03" of "12.03.2015"
_RANGE_OPENERS = set(_folded("von vom ab from с zwischen между between seit since"))
_RANGE_LINKS = set(_folded("bis ile по до to till until"))
_BETWEEN_LINKS = set(_folded("und ve и and"))  # only with "zwischen", "между", "arasında"
_BETWEEN = set(_folded("zwischen между between"))
_ABLATIVE = ("ten", "tan", "den", "dan")  # "2015'ten 2019'a", "2015 yılından"
_RANGE_TAIL = set(_folded("kadar a e ya ye"))
_MONEY = set(_folded("euro eur tl lira рублей рубля руб rubel dollar"))  # "2000 bis 2500 Euro"
_DASH = re.compile(r"[-‐‑–—/]")  # "2015–2019", "2015-19": years with nothing but a dash between
_PRESENT = set(_folded("heute jetzt now today şimdi halen сейчас сегодня сей сих dato aktuell"))
_PRESENT_STEMS = tuple(_folded("bugün günümüz настоящ"))
# "3 Jahre in der Türkei und 2 in Deutschland": words after which a unit may be left out.
_LIST_WORDS = set(_folded("und ve i и а dann danach sonra ardından потом затем then"))
_PLACE_WORDS = set(_folded("in im bei beim als auf an am в во на у at as hier dort burada orada"))
_LOCATIVE = ("de", "da", "te", "ta")  # Turkish "Almanya'da", "almanyada"
_TURKISH_UNITS = tuple(_folded("yıl sene ay"))
_ARTICLES = set(_folded("ein eine einen einem einer bir один одна одну"))
# "davon 2 in Teilzeit", "из них 2 года": part of a period already counted.
_SUBSET = (" davon ", " darunter ", " bunun ", " bunlardan ", " iz nih ", " of which ")
# "insgesamt 5 Jahre", "toplam 5 yıl": the sum, said again.
_TOTAL = set(_folded("insgesamt gesamt zusammen toplam toplamda всего итого сложности total"))
_RESTATED = (" also ", " yani ", " to est ", " d h ", " dh ")  # after another period
# "ich lebe seit 2015 in Deutschland", "10 yıldır Almanya'da yaşıyorum" are no experience.
_RESIDENCE = set(
    _folded("lebe lebt leben lebten gelebt wohne wohnt wohnen gewohnt живу живём живет живёт")
)
_RESIDENCE_STEMS = tuple(_folded("yaşıyor yaşadı oturuyor прожива"))
_BEING_THERE = ("dayim", "deyim", "tayim", "teyim")  # "2 yıldır Almanya'dayım"
_BE = set(_folded("bin sind ist bist"))
_WORK_STEMS = tuple(_folded("arbeit schaff tätig beschäft angestell stelle job"))
_HALF_YEAR = set(_folded("полгода polgoda"))
_SENTENCE_END = re.compile(r"[.!?\n](?!\d)")
_CLAUSE_WORDS = set(_folded("und ve и а aber ama но dann sonra потом"))
_CLAUSE_MARK = re.compile(r"[,;.!?:()\n]")


def _year_of(token: str) -> int | None:
    if len(token) == 4 and token.isdigit() and 1950 <= int(token) <= 2100:
        return int(token)
    return None


def _month_of(token: str) -> int | None:
    """A month named ("März", "mart", "марта"), numbered ("03/2015") or dated ("12.03.2015")."""
    if token in _MONTHS:
        return _MONTHS[token]
    day_month = _DAY_MONTH.fullmatch(token)
    number = day_month.group(1) if day_month else token
    if number.isdigit() and len(number) <= 2 and 1 <= int(number) <= 12:
        return int(number)
    return None


def _date_at(words: Sequence[str], i: int) -> tuple[_Date, int] | None:
    """A year at ``words[i]``, with the month before it when given; returns (date, next index)."""
    year = _year_of(words[i])
    if year is not None:
        return (year, None), i + 1
    joined = _MONTH_YEAR.fullmatch(words[i])
    if joined and 1 <= int(joined.group(1)) <= 12:
        return (int(joined.group(2)), int(joined.group(1))), i + 1
    if i + 1 < len(words):
        year, month = _year_of(words[i + 1]), _month_of(words[i])
        if year is not None and month is not None:
            return (year, month), i + 2
    return None


def _years_between(start: _Date, end: _Date) -> float:
    """Whole years unless both ends name a month ("03/2015 bis 09/2019" is 4.5 years)."""
    if start[1] is None or end[1] is None:
        return float(end[0] - start[0])
    return ((end[0] - start[0]) * 12 + end[1] - start[1]) / 12


def _is_present(token: str) -> bool:
    return token in _PRESENT or token.startswith(_PRESENT_STEMS)


def _skip(words: Sequence[str], i: int, keep: Callable[[str], bool]) -> int:
    while i < len(words) and keep(words[i]):
        i += 1
    return i


def _range_gap(text: _Text, i: int, j: int) -> int | None:
    """Index of the end date after a start date ending at ``j``: "2015–2019", "bis", "ile",
    "по", "2015'ten 2019'a", "zwischen 2015 und 2019"; None when the years are not linked."""
    words = text.words
    k = _skip(words, j, lambda w: _is_year_unit(w) or w in _ABLATIVE)
    if k >= len(words):
        return None
    if words[k] in _RANGE_LINKS:
        return k + 1
    if words[k] in _BETWEEN_LINKS:
        after = words[k + 2 : k + 5]
        between = i > 0 and words[i - 1] in _BETWEEN
        return k + 1 if between or any(w.startswith("aras") for w in after) else None
    if k > j:
        return k if any(w.endswith(_ABLATIVE) for w in words[j:k]) else None
    return k if _DASH.search(text.between(k - 1, k)) else None


def _range_end(text: _Text, k: int, start: _Date, today: dt.date) -> tuple[float, int] | None:
    """Years from ``start`` to the date at ``k`` ("2019", "09/2019", "heute", "19" after a
    dash), and the index after the range's closing words ("yılına kadar", "arası")."""
    words = text.words
    if _is_present(words[k]):
        end: _Date = (today.year, today.month)
        k += 1
    elif len(words[k]) == 2 and words[k].isdigit() and _DASH.search(text.between(k - 1, k)):
        end, k = (start[0] // 100 * 100 + int(words[k]), None), k + 1
    else:
        found = _date_at(words, k)
        if found is None:
            return None
        end, k = found
    if end[0] > today.year:
        end = (today.year, None if end[1] is None else today.month)
    years = _years_between(start, end)
    if not 0 <= years <= 50:
        return None
    tail = _skip(words, k, lambda w: _is_year_unit(w) or w in _RANGE_TAIL or w.startswith("aras"))
    if tail < len(words) and words[tail] in _MONEY:
        return None
    return round(years, 2), tail


def _date_span(text: _Text, i: int, today: dt.date) -> _Span | None:
    """A range ("2015–2019", "с 2015 по 2019") or a start ("seit 2016", "2016'dan beri") as a
    period; any other date ("2019 kam ich") is kept as a span that does not count."""
    words = text.words
    found = _date_at(words, i)
    if found is None:
        return None
    start, j = found
    if start[0] > today.year:
        return _Span(0.0, i, j, counts=False)
    opener = int(i > 0 and words[i - 1] in _RANGE_OPENERS)
    gap = _range_gap(text, i, j)
    ranged = None if gap is None or gap >= len(words) else _range_end(text, gap, start, today)
    if ranged is not None:
        return _Span(ranged[0], i - opener, ranged[1])
    after = [k for k in range(j, min(j + 3, len(words))) if words[k] in _SINCE_AFTER]
    if not after and not (i > 0 and words[i - 1] in _SINCE_BEFORE):
        return _Span(0.0, i, j, counts=False)
    years = _years_between(start, (today.year, today.month))
    end = after[0] + 1 if after else _skip(words, j, _is_year_unit)
    return _Span(round(years, 2), i - opener, end, counts=years >= 0)


def _months_at(words: Sequence[str], k: int) -> tuple[float, int] | None:
    """Months that complete a number of years: "3 Jahre und 6 Monate", "iki yıl 6 ay"."""
    if k < len(words) and words[k] in _JOINERS:
        k += 1
    month = _number_at(words, k) if k < len(words) else None
    if month is not None and month[1] < len(words) and _is_month_unit(words[month[1]]):
        return month[0], month[1] + 1
    return None


def _duration_at(words: Sequence[str], i: int) -> _Span | None:
    """A number with its unit: "6 Jahre", "dört buçuk yıl", "2 года и 3 месяца", "18 Monate"."""
    if words[i] in _HALF_YEAR:
        return _Span(0.5, i, i + 1, unit=1.0)
    parsed = _number_at(words, i)
    if parsed is None:
        return None
    value, j = parsed
    if j >= len(words) or not (_is_year_unit(words[j]) or _is_month_unit(words[j])):
        return None
    unit = 1.0 if _is_year_unit(words[j]) else 1 / 12
    years, end = value * unit, j + 1
    if unit == 1.0 and (months := _months_at(words, end)) is not None:
        years, end = years + months[0] / 12, months[1]
    counts = 0 <= years <= 50 and not _excluded(words, i, j)
    return _Span(round(years, 2), i, end, unit, words[j], counts)


def _ellipsis_at(text: _Text, i: int, spans: Sequence[_Span]) -> _Span | None:
    """A number whose unit the period before it gives: "3 Jahre in der Türkei und 2 in
    Deutschland", "3 года в Казахстане, 2 в Германии"."""
    words = text.words
    last = spans[-1] if spans else None
    if last is None or not last.counts or not last.unit or words[i] in _ARTICLES:
        return None
    listed = words[i - 1] in _LIST_WORDS or _CLAUSE_MARK.search(text.between(i - 1, i))
    if not (listed or last.end == i):
        return None
    parsed = _number_at(words, i)
    if parsed is None:
        return None
    value, j = parsed
    if j < len(words) and not _place_follows(words, j, last.unit_word):
        return None
    years = value * last.unit
    return _Span(round(years, 2), i, j, last.unit, last.unit_word) if 0 < years <= 50 else None


def _place_follows(words: Sequence[str], j: int, unit_word: str) -> bool:
    """Whether a place or a role follows an elided unit ("2 in Deutschland", "2 Almanya'da")."""
    if words[j] in _PLACE_WORDS or (j + 1 < len(words) and words[j + 1] in _LOCATIVE):
        return True
    return unit_word.startswith(_TURKISH_UNITS) and words[j].endswith(_LOCATIVE)


def _scan(text: _Text, today: dt.date) -> list[_Span]:
    """Every date and duration, left to right; each consumes its words, so none counts twice."""
    spans: list[_Span] = []
    i = 0
    while i < len(text.words):
        span = (
            _date_span(text, i, today)
            or _duration_at(text.words, i)
            or _ellipsis_at(text, i, spans)
        )
        if span is None:
            i += 1
            continue
        spans.append(span)
        i = span.end
    return spans


def _clause(text: _Text, span: _Span) -> Sequence[str]:
    """The words of the clause a period stands in, up to commas and words like "und"."""
    words, start, end = text.words, span.start, span.end
    while start > 0 and not _clause_break(text, start):
        start -= 1
    while end < len(words) and not _clause_break(text, end):
        end += 1
    return words[start:end]


def _clause_break(text: _Text, k: int) -> bool:
    return text.words[k] in _CLAUSE_WORDS or bool(_CLAUSE_MARK.search(text.between(k - 1, k)))


def _lived(text: _Text, span: _Span) -> bool:
    """Whether the period is a stay, not work: "ich lebe seit 2015 hier", "5 yıldır
    Almanya'dayım", "ich bin seit 2015 in Deutschland" (no work named in the clause)."""
    clause = _clause(text, span)
    if any(w in _RESIDENCE or w.startswith(_RESIDENCE_STEMS) for w in clause):
        return True
    place = text.words[span.end : span.end + 2]
    if any(w.endswith(_BEING_THERE) and not w.startswith("yas") for w in place):
        return True
    if not any(w in _BE for w in clause) or any(w.startswith(_WORK_STEMS) for w in clause):
        return False
    if "als" in clause:
        return False
    return _GERMANY.find(" ".join(clause)) is not None


def _asked_again(text: _Text, span: _Span, parts: Sequence[_Span]) -> bool:
    """ "Seit 6 Jahren Koch. Reichen 6 Jahre?": a question repeating a period already told."""
    if not any(p.years == span.years for p in parts):
        return False
    start, end = text.bounds[span.start][0], text.bounds[span.end - 1][1]
    if not _SENTENCE_END.search(text.folded, 0, start):
        return False
    close = _SENTENCE_END.search(text.folded, end)
    return close is not None and close.group() == "?"


def _counted(text: _Text, today: dt.date) -> list[_Span]:
    """The periods to add up: parts of a period ("davon 2") and a period asked about again
    are dropped, and a stated total ("insgesamt 5 Jahre") only counts alone."""
    parts: list[_Span] = []
    totals: list[_Span] = []
    for span in _scan(text, today):
        if not span.counts or _lived(text, span) or _asked_again(text, span, parts):
            continue
        before = text.words[max(0, span.start - 3) : span.start]
        said = f" {' '.join(before)} "
        if any(phrase in said for phrase in _SUBSET):
            continue
        restated = bool(parts) and any(phrase in said for phrase in _RESTATED)
        if restated or any(w in _TOTAL for w in before):
            totals.append(span)
        else:
            parts.append(span)
    return parts or totals[-1:]


def extract_years(text: str, today: dt.date) -> float | None:
    """Years of experience, all stated periods added up: "6 Jahre", "dört buçuk yıl",
    "с 2016 года", "3 Jahre in der Türkei und 2 in Deutschland", "2015–2019 und seit 2022"."""
    read = _read(text)
    spans = _counted(read, today)
    if spans:
        return round(sum(s.years for s in spans), 2)
    return _bare_number(read.words)


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


class TermIndex(Memoized):
    """Fuzzy, inflection-tolerant lookup of multi-word terms (job titles, country names)."""

    _memos: ClassVar[dict[str, tuple[str, int]]] = {"_lookup": ("_lookup_uncached", 16384)}

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


# --- countries of periods -------------------------------------------------------------------

# Germany is no value of the country slot, but a period spent there is told apart from one abroad.
_GERMANY = TermIndex(
    ("DE", name) for name in ("Deutschland", "Germany", "Almanya", "Германия", "Germaniya", "BRD")
)
# Where one period's words end and the next one's begin: "…in der Türkei, und 2 in Deutschland".
_CUT = re.compile(
    r"[,;.!?:()\n]|(?<!\S)(?:und|ve|i|a|and|dann|danach|sonra|potom|zatem|aber|ama|no)(?!\S)"
)


def _first_cut(folded: str, start: int, end: int) -> int | None:
    match = _CUT.search(folded, start, end)
    return None if match is None else match.start()


def _last_cut(folded: str, start: int, end: int) -> int:
    cut = start
    for match in _CUT.finditer(folded, start, end):
        cut = match.end()
    return cut


def _edges(text: _Text, spans: Sequence[_Span]) -> tuple[int, int]:
    """Where the clause of the first period starts and that of the last one ends."""
    first, last = text.bounds[spans[0].start][0], text.bounds[spans[-1].end - 1][1]
    cut = _first_cut(text.folded, last, len(text.folded))
    return _last_cut(text.folded, 0, first), len(text.folded) if cut is None else cut


def _surroundings(text: _Text, spans: Sequence[_Span], places_first: bool) -> list[tuple[str, str]]:
    """The words before and after each period. A gap between two periods is cut at its first
    comma or "und"; without one it goes to the later period when places come first
    ("Türkiye'de 3 yıl Almanya'da 2 yıl"), else to the earlier ("3 года в Казахстане 2 …")."""
    starts = [text.bounds[s.start][0] for s in spans]
    ends = [text.bounds[s.end - 1][1] for s in spans]
    cuts = []
    for end, start in zip(ends, starts[1:], strict=False):
        cut = _first_cut(text.folded, end, start)
        cuts.append(cut if cut is not None else end if places_first else start)
    left, right = _edges(text, spans)
    return [
        (text.folded[a:start], text.folded[end:b])
        for a, start, end, b in zip([left, *cuts], starts, ends, [*cuts, right], strict=True)
    ]


def extract_periods(
    text: str, today: dt.date, find_country: Callable[[str], str | None]
) -> list[Period]:
    """The periods ``extract_years`` adds up, each with the country named next to it: the code
    ``find_country`` gives for a foreign one, "DE" for Germany, None when none is named."""
    read = _read(text)
    spans = _counted(read, today)
    if not spans:
        bare = _bare_number(read.words)
        return [] if bare is None else [Period(bare)]

    def place(fragment: str) -> str | None:
        return find_country(fragment) or _GERMANY.find(fragment)

    left, right = _edges(read, spans)
    head = read.folded[left : read.bounds[spans[0].start][0]]
    tail = read.folded[read.bounds[spans[-1].end - 1][1] : right]
    places_first = place(head) is not None and place(tail) is None
    periods = []
    for span, (before, after) in zip(spans, _surroundings(read, spans, places_first), strict=True):
        near, far = (before, after) if places_first else (after, before)
        periods.append(Period(span.years, place(near) or place(far)))
    return periods


# --- workload -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """How much someone works, as part-time years may count for less: ``share`` of a full-time
    week (None when only "part-time" is known) and ``hours`` per week when stated."""

    share: float | None
    hours: float | None


@dataclass(frozen=True)
class _Mention:
    """Words ``start:end`` that state a share of full time or a number of hours per week."""

    start: int
    end: int
    value: float | None


_FULL_WEEK = 40.0
_DAYS_PER_WEEK = 5
_Phrase = tuple[tuple[str, bool], ...]  # folded words; True where the word is only a start


def _phrases(spec: str) -> tuple[_Phrase, ...]:
    """Phrases separated by "|"; a word ending in "*" matches any word it starts."""
    phrases = []
    for phrase in spec.split("|"):
        words: list[tuple[str, bool]] = []
        for word in phrase.split():
            pieces = _folded(word.rstrip("*"))
            words.extend((p, word.endswith("*") and p == pieces[-1]) for p in pieces)
        phrases.append(tuple(words))
    return tuple(phrases)


_SHARES: tuple[tuple[float | None, tuple[_Phrase, ...]], ...] = (
    (1.0, _phrases("full time|fulltime|tam zamanlı|tam gün*|tam mesai|полн* рабоч* день")),
    (1.0, _phrases("полн* день|полн* ставк*|полн* занятост*")),
    (0.5, _phrases("halbe stelle|halben stelle|yarı zamanlı|yarım gün*|yarım mesai")),
    (0.5, _phrases("полставк*|пол ставк*|половин* ставк*")),
    (None, _phrases("part time|parttime|kısmi zamanlı|kısmi süreli|geringfügig*|mini job")),
    (None, _phrases("неполн* день|неполн* рабоч* день|неполн* ставк*|неполн* занятост*")),
    (None, _phrases("частичн* занятост*|euro job|euro basis")),
)
# "Vollzeitstelle", "Teilzeitjob", "Minijobber", "teilzeitta": compounds that still name work,
# unlike "Vollzeitkurs" or "Teilzeitausbildung".
_COMPOUNDS: dict[str, float | None] = {
    fold_token(stem): share
    for stem, share in (("vollzeit", 1.0), ("teilzeit", None), ("halbtag", 0.5), ("minijob", None))
}
_COMPOUND_ENDINGS = {"", "s", "er", "a", "e", "ta", "te", "da", "de", "ci", "cu", "ler", "lar"}
_COMPOUND_STARTS = tuple(_folded("stelle sstelle job sjob kraft beschäft arbeit tätig vertrag"))
_NEGATIONS = set(_folded("nicht kein keine keinen не not"))
_SHARE_OF_POST = "stavk"  # "на 0,75 ставки"
_HOUR_UNITS = set(_folded("stunden stunde std stdn h hrs hr hour hours saat час часа часов ч"))
_PER_DAY = set(_folded("tag tage tags täglich tägl day daily gün günde günlük сутки ежедневно"))
_PER_WEEK = set(
    _folded("woche wochen wöchentlich wo week weekly hafta haftada haftalık неделю неделя")
)
_PER_MONTH = set(_folded("monat monats monatlich month monthly ay ayda aylık месяц"))
_WEEKS_PER_MONTH = 52 / 12
_DAY_WORDS = set(_folded("tag tage tagen day days gün дня дней дни"))


def _phrase_end(words: Sequence[str], i: int, phrase: _Phrase) -> int | None:
    if i + len(phrase) > len(words):
        return None
    for word, (expected, is_start) in zip(words[i:], phrase, strict=False):
        if not (word.startswith(expected) if is_start else word == expected):
            return None
    return i + len(phrase)


def _share_at(words: Sequence[str], i: int) -> _Mention | None:
    """A word for full time, half time or part time at ``words[i]``, or "0,75 ставки"."""
    for share, phrases in _SHARES:
        for phrase in phrases:
            end = _phrase_end(words, i, phrase)
            if end is not None:
                return _Mention(i, end, share)
    word = words[i]
    for stem, share in _COMPOUNDS.items():
        rest = word[len(stem) :]
        if word.startswith(stem) and (
            rest in _COMPOUND_ENDINGS or rest.startswith(_COMPOUND_STARTS)
        ):
            return _Mention(i, i + 1, share)
    if word == "vol" and _says_work(words, i):
        return _Mention(i, i + 1, 1.0)
    parsed = _number_at(words, i) if word[0].isdigit() else None
    if parsed and parsed[1] < len(words) and words[parsed[1]].startswith(_SHARE_OF_POST):
        return _Mention(i, parsed[1] + 1, parsed[0]) if 0 < parsed[0] <= 1 else None
    return None


def _says_work(words: Sequence[str], i: int) -> bool:
    """ "voll" is full time in a short answer or next to work ("arbeite voll"), not "voll gut"."""
    nearby = [*words[max(0, i - 2) : i], *words[i + 1 : i + 3]]
    return len(words) <= 3 or any(w.startswith(_WORK_STEMS) for w in nearby)


def _shares(words: Sequence[str]) -> list[_Mention]:
    """Every share word; a denied full time ("nicht Vollzeit", "не полный день") is part time,
    a denied part time is dropped."""
    found = []
    i = 0
    while i < len(words):
        mention = _share_at(words, i)
        if mention is None:
            i += 1
            continue
        denied = any(w in _NEGATIONS for w in words[max(0, i - 2) : i]) or (
            mention.end < len(words) and words[mention.end] == "degil"
        )
        if not denied:
            found.append(mention)
        elif mention.value == 1.0:
            found.append(_Mention(mention.start, mention.end, None))
        i = mention.end
    return found


def _days_per_week(words: Sequence[str]) -> _Mention | None:
    """ "5 Tage die Woche", "haftada 3 gün", "4 дня в неделю"."""
    for i in range(len(words) - 1):
        parsed = _number_at(words, i)
        if parsed is None or parsed[1] >= len(words) or words[parsed[1]] not in _DAY_WORDS:
            continue
        days, end = parsed[0], parsed[1] + 1
        around = range(max(0, i - 2), min(len(words), end + 3))
        weekly = [k for k in around if _per(words, k) == "week"]
        if 1 <= days <= 7 and weekly:
            return _Mention(min(i, *weekly), max(end, *(k + 1 for k in weekly)), days)
    return None


def _per(words: Sequence[str], k: int) -> str | None:
    word = words[k]
    if word == "den":  # Russian "в день", not the German article
        return "day" if k > 0 and words[k - 1] == "v" else None
    if word in _PER_DAY:
        return "day"
    if word in _PER_WEEK:
        return "week"
    return "month" if word in _PER_MONTH else None


def _hours_at(words: Sequence[str], i: int, days: _Mention | None) -> _Mention | None:
    """Hours per week at ``words[i]``: "20 Stunden", "20-25h", "haftada 25 saat", "по 4 часа в
    день" (times the days per week), "40 Stunden im Monat"."""
    parsed = _number_at(words, i)
    if parsed is None:
        return None
    value, j = parsed
    if j + 1 < len(words) and (words[j] in _RANGE_LINKS or words[j][0].isdigit()):
        upper = _number_at(words, j + (not words[j][0].isdigit()))
        if upper is not None and upper[1] < len(words) and words[upper[1]] in _HOUR_UNITS:
            value, j = (value + upper[0]) / 2, upper[1]
    if j >= len(words) or not (words[j] in _HOUR_UNITS or words[j].startswith("stund")):
        return None
    taken = range(days.start, days.end) if days else range(0)
    after = [k for k in range(j + 1, min(len(words), j + 4)) if k not in taken]
    before = [k for k in range(i - 1, max(-1, i - 4), -1) if k not in taken]
    # Hours after "5 Tage die Woche" are per day unless the words say otherwise.
    per = next((p for k in (*after, *before) if (p := _per(words, k))), "day" if days else "week")
    if per == "day":
        value *= days.value if days and days.value else _DAYS_PER_WEEK
    elif per == "month":
        value /= _WEEKS_PER_MONTH
    return _Mention(i, j + 1, round(value, 1))


def _hours(words: Sequence[str]) -> list[_Mention]:
    days = _days_per_week(words)
    found = []
    i = 0
    while i < len(words):
        mention = _hours_at(words, i, days)
        if mention is None:
            i += 1
            continue
        found.append(mention)
        i = mention.end
    return found


def _defined_week(
    words: Sequence[str], shares: Sequence[_Mention], hours: Sequence[_Mention]
) -> tuple[_Mention, float, _Mention | None] | None:
    """ "Vollzeit sind bei uns 38 Stunden": the full-time word, the week it defines, and the
    hours mention that stated it (None for a bare final "38")."""
    for share in shares:
        if share.value != 1.0:
            continue
        for mention in hours:
            if share.end <= mention.start <= share.end + 4 and 20 <= (mention.value or 0) <= 48:
                return share, mention.value or _FULL_WEEK, mention
        last = len(words) - 1
        parsed = _number_at(words, last) if share.end <= last <= share.end + 4 else None
        if parsed is not None and 20 <= parsed[0] <= 48:
            return share, parsed[0], None
    return None


def extract_workload(text: str) -> Workload | None:
    """Share of a full-time week and hours per week: "Teilzeit, 20 Stunden", "Minijob",
    "yarı zamanlı", "по 4 часа в день"; nonsense hours (0, over 80 a week) are ignored."""
    words = _read(text).words
    shares = _shares(words)
    hours = [m for m in _hours(words) if m.value is not None and 0 < m.value <= 80]
    full_week = _FULL_WEEK
    defined = _defined_week(words, shares, hours)
    if defined is not None:
        keyword, full_week, mention = defined
        shares = [s for s in shares if s is not keyword]
        hours = [m for m in hours if m is not mention]
        if not shares and not hours:
            return Workload(1.0, full_week)
    if hours and hours[0].value is not None:
        weekly = hours[0].value
        return Workload(round(min(1.0, weekly / full_week), 2), weekly)
    return Workload(shares[-1].value, None) if shares else None
