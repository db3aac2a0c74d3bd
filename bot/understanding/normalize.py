"""Text normalisation shared by every matcher: one spelling for many ways of typing a word."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["fold_text", "fold_token", "normalize", "tokens", "transliterate"]

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "u",
}  # fmt: skip
_TRANSLIT = str.maketrans(_CYRILLIC)
# Latin spellings people use for the same sound, rewritten to the transliteration above.
_LATIN_VARIANTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"shch|sch", "sh"),
        (r"kh", "h"),
        (r"j", "y"),
        (r"w", "v"),
        (r"(?<=[aou])e", ""),  # German umlauts typed as ae/oe/ue
        (r"iy(?![aeiou])|yy", "y"),  # Russian adjective endings: -ий/-ый typed iy, ij, yj
        (r"([b-df-hj-np-tv-z])\1+", r"\1"),  # doubled consonants are a frequent typo
    )
)
_SPLIT = re.compile(r"[^0-9a-z]+")
_SPECIAL = str.maketrans({"ı": "i", "İ": "i", "ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l"})
# Frequent misspellings and chat shorthand, after folding.
_MISSPELLINGS = {
    "tq": "teilqualifikation",
    "tqs": "teilqualifikation",
    "teilquali": "teilqualifikation",
    "bgs": "bildungsgutshein",
    "alg": "arbeitslosengeld",
    "hallu": "halo",
    "nabend": "abend",
    "slm": "selam",
    "mrb": "merhaba",
    "mrhaba": "merhaba",
    "tsm": "tesekurler",
    "pzh": "pozhaluysta",
    "pls": "bite",
    "plz": "bite",
    "nsl": "nasil",
    "dipl": "diplom",
    "ok": "okay",
}


def transliterate(text: str) -> str:
    """Write Cyrillic in Latin letters so Latin-script Russian meets Cyrillic examples."""
    return text.translate(_TRANSLIT)


@lru_cache(maxsize=8192)
def fold_token(token: str) -> str:
    """Canonical spelling of one already lower-cased ASCII token."""
    if token.isdigit():
        return token
    previous = ""
    while token != previous:  # rewrite until stable, so normalising twice changes nothing
        previous = token
        for pattern, repl in _LATIN_VARIANTS:
            token = pattern.sub(repl, token)
    return _MISSPELLINGS.get(token, token)


def fold_text(text: str) -> str:
    """Lower-case ASCII letters for any script: Turkish i, umlauts, Cyrillic."""
    text = text.replace("İ", "i").replace("I", "i").casefold().translate(_SPECIAL)
    text = transliterate(text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str) -> list[str]:
    """Split into folded tokens; apostrophes split Turkish suffixes off ("Türkiye'de")."""
    return [fold_token(t) for t in _SPLIT.split(fold_text(text)) if t]


def normalize(text: str) -> str:
    """Fold case, script, diacritics and spelling variants into one comparable form."""
    return " ".join(tokens(text))
