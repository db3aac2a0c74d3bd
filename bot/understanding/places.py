"""Find the German town or postcode a person names, and the configured region that serves it.

Places come from the regions' ``serves`` lists and from ``knowledge/places.yaml``. Matching works
on comparison keys that fold spelling, script and transliteration ("Lünen", "Luenen", "Люнен"),
understands Turkish and Russian case endings ("Bochum'da", "в Бохуме", "iz Berlina") and takes
town names that are also ordinary words ("Essen", "Hamm", "Kamen") only where the message shows
that a place is meant.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from bot.content.loader import Knowledge
from bot.content.models import Region
from bot.understanding.normalize import fold_text, fold_token

__all__ = ["PlaceFinder", "PlaceMention", "place_key"]


@dataclass(frozen=True)
class PlaceMention:
    """A place named in a message: what to show, the configured region serving it, its Land."""

    name: str
    region: str | None = None
    state: str | None = None


# Spelling rules on top of ``fold_token`` so German and Russian spellings of one name meet:
# "Lünen"/"Люнен", "Zossen"/"Цоссен", "Bochum"/"Бохум", "Leipzig"/"Лейпциг", "Mahlow"/"Малов".
_LOOSE_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"y([aeou])", r"\1"),  # Russian я, е, ё, ю after consonants
        (r"sh([tp])", r"s\1"),  # Штутгарт, Шпремберг
        (r"ch", "h"),
        (r"ck|c", "k"),
        (r"tz|ts|z", "s"),  # German z is Russian ц (ts); German s is often Russian з (z)
        (r"[ae][iy]", "ay"),  # ei, ai, ey: Лейпциг, Хайльбронн
        (r"eu", "oy"),  # Neuss/Нойс
        (r"ie", "i"),
        (r"ph", "f"),
        (r"th", "t"),
        (r"dt", "t"),
        (r"x", "ks"),
        (r"(?<=[aeiou])h(?![aeiou])", ""),  # lengthening h: Mahlow/Малов, Ihlow/Илов
        (r"([a-z])\1+", r"\1"),  # doubled letters: Aachen/Ахен
    )
)


def place_key(word: str) -> str:
    """Comparison key of one folded word, shared by place names and message words."""
    key = fold_token(word)
    for pattern, repl in _LOOSE_RULES:
        key = pattern.sub(repl, key)
    return key


def _keys(words: str) -> frozenset[str]:
    return frozenset(place_key(w) for w in fold_text(words).split())


def _endings(endings: str) -> frozenset[str]:
    return frozenset(endings.split())


# Town names that are also ordinary words in German, Turkish or Russian chat: they count only
# after a cue word or postcode, with a case ending, in Cyrillic, or as the whole message.
_AMBIGUOUS = _keys(
    "essen hamm unna werne selm kamen halle wesel marl herne siegen erlangen datteln bonn "
    "moers kiel ahlen giessen worms"
)
# Words before a place name that show a place is meant ("wohne in Essen", "iz Essena").
_CUES_BEFORE = _keys(
    "in im aus bei nach wohne wohnen wohnt lebe lebt stadt raum v vo iz pod okolo gorod gorode"
)
# Turkish words after a place name that show a place is meant ("Essen şehrinde").
_CUES_AFTER = _keys("sehrinde sehrinden sehrine sehri kentinde")
_RUSSIAN_PREPOSITIONS = _keys("v vo iz k ko pod okolo")
# Words before a town that make it an office's seat, not the person's home ("FOSA Nürnberg").
_OFFICES_BEFORE = _keys("bezirksregierung fosa")
# Case endings after folding (ı→i, ü→u): Turkish locative, ablative, dative, accusative,
# genitive, "from" and "I am in", then Russian prepositional, genitive, dative, instrumental.
_TURKISH_SUFFIXES = _endings(
    "da de ta te dan den tan ten daki deki taki teki dayim deyim tayim teyim dayiz deyiz "
    "a e ya ye i u yi yu in un nin nun la le yla yle li lu liyim luyum liyiz luyuz"
)
_RUSSIAN_SUFFIXES = _endings("e a u y om em oy")
_SUFFIXES = tuple(sorted(_TURKISH_SUFFIXES | _RUSSIAN_SUFFIXES, key=len, reverse=True))
# Russian endings that replace a final -a: "Унна" -> "в Унне", "Йена" -> "в Йене".
_A_STEM_ENDINGS = frozenset({"e", "u", "oy", "y", "i"})
_MIN_LATIN_STEM = 5  # "gerade" is not "Gera" + "-de"; shorter stems need Cyrillic or "v"/"iz"
_MIN_FUZZY = 7  # shorter words are too often ordinary words one letter away ("finden"/Minden)
# Keys this short collide with ordinary words once spelling is folded ("führt"/Fürth,
# "neues"/Neuss): spelled otherwise than listed, they need the same signs as ambiguous names.
_MAX_SHORT_KEY = 5
_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)

_WORD = re.compile(r"\d+|[^\W\d_]+(?:['’`´ʼ][^\W\d_]+)?")
_APOSTROPHE = re.compile(r"['’`´ʼ]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# "Frankfurt (Oder)" and "Frankfurt/Oder": keep "oder" from being read as the German "or".
_ODER = re.compile(r"\s*[/(]\s*oder\b\s*\)?", re.IGNORECASE)
_POSTCODE = re.compile(
    r"(?<![\d.,])(\d{5})(?![\d.,])(?!\s*(?:€|\$|%|eur|tl\b|₺|lira|rub|руб|km|км))", re.IGNORECASE
)


@dataclass(frozen=True)
class _Word:
    """One word of a message: its folded letters, comparison key and how it was written."""

    text: str  # folded, before spelling rules: "bochumda", "44137"
    key: str
    cyrillic: bool
    suffix: str  # a Turkish ending written after an apostrophe ("Bochum'da" -> "da"), else ""

    @property
    def is_postcode(self) -> bool:
        return len(self.text) == 5 and self.text.isdigit() and not self.text.endswith("000")


def _split_word(raw: str) -> list[_Word]:
    """Fold one raw word; the apostrophe part goes to the last piece as its case ending."""
    base, _, suffix = _APOSTROPHE.sub("'", raw).partition("'")
    cyrillic = bool(_CYRILLIC.search(base))
    pieces = [p for p in re.split(r"[^0-9a-z]+", fold_text(base)) if p]
    words = [_Word(p, place_key(p), cyrillic, "") for p in pieces]
    if words and suffix:
        last = words[-1]
        words[-1] = _Word(last.text, last.key, last.cyrillic, fold_text(suffix))
    return words


def _words(text: str) -> list[_Word]:
    text = _ODER.sub(" an der Oder", text)
    return [word for raw in _WORD.findall(text) for word in _split_word(raw)]


@dataclass(frozen=True)
class _Entry:
    mention: PlaceMention
    ambiguous: bool  # also an ordinary word: needs a sign that a place is meant


@dataclass(frozen=True)
class _Hit:
    entry: _Entry
    marked: bool  # written with a case ending or in Cyrillic: plainly a name
    spelled: bool  # letters as listed (only case, accents and script folded)
    fuzzy: bool = False


class PlaceFinder:
    """Recognises places and postcodes in chat messages; built once from the knowledge."""

    def __init__(self, knowledge: Knowledge) -> None:
        self._index: dict[tuple[str, ...], _Entry] = {}
        self._spellings: dict[tuple[str, ...], set[str]] = {}
        self._exact_codes: dict[str, PlaceMention] = {}
        self._prefix_codes: dict[str, PlaceMention] = {}
        for region in knowledge.regions.values():
            self._add_region(region)
        for place in knowledge.places.values():
            mention = PlaceMention(place.name, None, place.state)
            for form in (place.name, *place.forms):
                self._add(form, mention)
        self._longest = max((len(k) for k in self._index), default=0)
        self._fuzzy_keys: dict[tuple[str, int], list[tuple[str, _Entry]]] = {}
        for keys, entry in self._index.items():
            joined = " ".join(keys)
            if not entry.ambiguous and len(joined) >= _MIN_FUZZY - 1:
                bucket = self._fuzzy_keys.setdefault((joined[0], len(keys)), [])
                bucket.append((joined, entry))

    def _add_region(self, region: Region) -> None:
        """A served place names its region; "Dahme/Mark" is also found as "Dahme"."""
        for name in region.serves.places:
            mention = PlaceMention(name, region.id, region.state)
            self._add(name, mention)
            if "/" in name:
                self._add(name.split("/")[0], mention)
        for code in region.serves.postcodes:
            codes = self._exact_codes if len(code) == 5 else self._prefix_codes
            codes[code] = PlaceMention(region.name, region.id, region.state)

    def _add(self, form: str, mention: PlaceMention) -> None:
        """The first place to claim a key keeps it: served places are added first."""
        words = _words(form)
        keys = tuple(w.key for w in words)
        if not keys:
            return
        ambiguous = len(keys) == 1 and keys[0] in _AMBIGUOUS
        entry = self._index.setdefault(keys, _Entry(mention, ambiguous))
        if entry.mention == mention:
            spellings = self._spellings.setdefault(keys, set())
            for variant in (form, form.translate(_UMLAUTS)):
                spellings.add(" ".join(w.text for w in _words(variant)))

    def find(self, text: str) -> PlaceMention | None:
        """The first place named in ``text``, else the first postcode, else None."""
        return next(self._named(_words(text)), None) or self._postcode(text)

    def _named(self, words: Sequence[_Word]) -> Iterator[PlaceMention]:
        """Place names in text order; the longest name starting at a word wins."""
        start = 0
        while start < len(words):
            length, mention = self._match_at(words, start)
            if mention is not None:
                yield mention
            start += max(length, 1)

    def _match_at(self, words: Sequence[_Word], start: int) -> tuple[int, PlaceMention | None]:
        """The accepted place name starting at ``start`` and its length in words."""
        for length in range(min(self._longest, len(words) - start), 0, -1):
            hit = self._lookup(words, start, length)
            if hit is not None and self._accepted(hit, words, start, length):
                return length, hit.entry.mention
        return 0, None

    def _accepted(self, hit: _Hit, words: Sequence[_Word], start: int, length: int) -> bool:
        """Plain names count anywhere; ordinary-word names, odd spellings and typos need a sign.

        The sign: a case ending, Cyrillic, a cue word or postcode next to it, or nothing else
        in the message. Ambiguous names must moreover be spelled as listed ("allen" is no Ahlen).
        """
        if start and words[start - 1].key in _OFFICES_BEFORE:
            return False
        last = words[start + length - 1]
        if hit.fuzzy:
            return length > 1 or _turkish_case(last) or _has_cue(words, start, length)
        if hit.entry.ambiguous and not (hit.spelled or last.cyrillic):
            return False
        short = len(last.key) <= _MAX_SHORT_KEY and length == 1
        if hit.entry.ambiguous or (short and not hit.spelled):
            return hit.marked or _has_cue(words, start, length)
        return True

    def _lookup(self, words: Sequence[_Word], start: int, length: int) -> _Hit | None:
        """Exact spelling first, then with a case ending removed, then one typo away."""
        span = words[start : start + length]
        keys = tuple(w.key for w in span)
        texts = [w.text for w in span]
        last = span[-1]
        entry = self._index.get(keys)
        if entry is not None:
            spelled = " ".join(texts) in self._spellings.get(keys, ())
            return _Hit(entry, last.cyrillic or _turkish_case(last), spelled)
        previous = words[start - 1] if start else None
        for stem in _stems(last, previous):
            stem_keys = (*keys[:-1], place_key(stem))
            entry = self._index.get(stem_keys)
            if entry is not None:
                spelled = " ".join([*texts[:-1], stem]) in self._spellings.get(stem_keys, ())
                return _Hit(entry, True, spelled)
        return self._fuzzy(span, previous)

    def _fuzzy(self, span: Sequence[_Word], previous: _Word | None) -> _Hit | None:
        """A place one typo away (two for long names): "Dortmunt", "телтов-флеминг"."""
        last = span[-1]
        if any(w.text.isdigit() for w in span):
            return None
        head = [w.key for w in span[:-1]]
        for candidate in (last.text, *_stems(last, previous)):
            key = " ".join([*head, place_key(candidate)])
            if len(key) < _MIN_FUZZY:
                continue
            limit = 1 if len(key) < 11 else 2
            for form, entry in self._fuzzy_keys.get((key[0], len(span)), ()):
                if Levenshtein.distance(key, form, score_cutoff=limit) <= limit:
                    return _Hit(entry, False, False, fuzzy=True)
        return None

    def _postcode(self, text: str) -> PlaceMention | None:
        """A five-digit postcode: its region when listed, else the bare code."""
        for match in _POSTCODE.finditer(text):
            code = match.group(1)
            if code.endswith("000"):
                continue  # round numbers are sums, not postcodes
            found = self._exact_codes.get(code) or self._prefix_codes.get(code[:3])
            return found or PlaceMention(code)
        return None


def _turkish_case(word: _Word) -> bool:
    return word.suffix in _TURKISH_SUFFIXES


def _stems(word: _Word, previous: _Word | None) -> Iterator[str]:
    """The word without a Turkish or Russian case ending: "bochumda" -> "bochum"."""
    if word.suffix or word.text.isdigit():
        return
    short_allowed = word.cyrillic or (
        previous is not None and previous.key in _RUSSIAN_PREPOSITIONS
    )
    for suffix in _SUFFIXES:
        if not word.text.endswith(suffix) or len(word.text) <= len(suffix):
            continue
        stem = word.text[: -len(suffix)]
        if len(stem) >= _MIN_LATIN_STEM or (short_allowed and len(stem) >= 3):
            yield stem
            if suffix in _A_STEM_ENDINGS:
                yield stem + "a"


def _has_cue(words: Sequence[_Word], start: int, length: int) -> bool:
    """A cue word or postcode next to the name, or nothing but the name in the message."""
    before = words[start - 1] if start else None
    after = words[start + length] if start + length < len(words) else None
    if before is not None and (before.key in _CUES_BEFORE or before.is_postcode):
        return True
    if after is not None and (after.key in _CUES_AFTER or after.is_postcode):
        return True
    others = [*words[:start], *words[start + length :]]
    return all(w.is_postcode for w in others)
