"""Finding occupations by what people type: names and job titles in any of the three languages.

The server's search form and the static export's inline script fold text the same way
(lower case, no accents, Turkish dotless ı as i), so both find the same occupations.
"""

from __future__ import annotations

import unicodedata

from bot.content.models import Occupation

MAX_QUERY = 100


def fold(text: str) -> str:
    """Lower case without accents: "Köchin" -> "kochin", "AŞÇI" -> "asci", "Ёж" -> "еж"."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("ı", "i"))
    # The accents the inline script strips too (U+0300–U+036F).
    stripped = "".join(ch for ch in decomposed if not "\u0300" <= ch <= "\u036f")
    return " ".join(stripped.split())


def terms(occupation: Occupation) -> str:
    """Everything an occupation can be found by, folded, one string."""
    words = [occupation.name.de, occupation.name.tr, occupation.name.ru, *occupation.titles.all()]
    return " | ".join(dict.fromkeys(fold(w) for w in words))


def matches(folded_terms: str, query: str) -> bool:
    """Every word of the query occurs somewhere in an occupation's ``terms``."""
    return all(word in folded_terms for word in fold(query[:MAX_QUERY]).split())
