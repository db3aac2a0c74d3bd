"""Is a message a question? Question marks, question words and verb-first sentences.

Used to tell a side question ("what does the exam cost?") from an answer to the question
that is pending ("Koch", "5 Jahre"), and a question from a statement of facts.
"""

from __future__ import annotations

import re
from itertools import pairwise

from bot.understanding.normalize import normalize

__all__ = ["is_question"]

# Folded as ``normalize`` folds them (Cyrillic is transliterated, ö → o, ş → s).
_QUESTION_WORDS = frozenset(
    normalize(
        # German
        "wie was wann wo wer wen wem warum wieso weshalb welche welcher welches welchen wozu "
        "woher wohin wieviel wieviele womit wofür worauf "
        # Turkish
        "neden niye nasil nerede nereye nereden kim kimin kime hangi hangisi kac kaca "
        "mi mı mu mü misin musun miyim muyum midir mudur miyiz mıyım mısın mıdır misiniz "
        "musunuz miydi muydu miyiz muyuz acaba "
        # Russian, Cyrillic and Latin
        "как что где когда кто кому кого сколько почему зачем какой какая какие каких какое "
        "куда откуда ли чем можно нужно надо ли разве может могу"
    ).split()
)
# A German sentence that starts with a finite verb is a yes/no question ("Kann ich …").
_GERMAN_VERB_FIRST = frozenset(
    normalize(
        "kann kan könnte konnte muss mus müssen darf dürfen gibt gilt zählt zahlt ist sind "
        "soll sollte wird werden geht kostet kosten hilft reicht reichen lohnt stimmt bekommt "
        "braucht übernimmt bezahlt zahlt akzeptiert"
    ).split()
)
# Verbs that start statements too ("bin seit 5 Jahren Koch"): a question only with a pronoun.
_GERMAN_VERB_PRONOUN = frozenset(
    normalize("bin habe hab hat haben brauche brauch bekomme kriege mache muss kann werde").split()
)
# A modal verb right before its subject asks, wherever it stands ("…, kann ich trotzdem …").
_GERMAN_INVERSION = frozenset(
    normalize(
        "kann kan darf muss brauch brauche bekomme kriege zählt zahlt gilt gibt reicht lohnt "
        "soll sollte wird werden übernimmt bezahlt könnte"
    ).split()
)
# Verbs that ask wherever they stand, even without a question mark ("… zählt Teilzeit auch").
_GERMAN_ASKING_VERBS = frozenset(
    normalize("zählt zählen gilt gelten reicht reichen lohnt klappt").split()
)
_GEHT_SUBJECTS = frozenset(normalize("das es sowas anerkennung trotzdem auch").split())
_PRONOUNS = frozenset(
    normalize("ich man es er sie wir du ihr mein meine meinen das der die").split()
)


_CLAUSE = re.compile(r"[,.;:!\n]|\s-\s")
# The Turkish question particle typed together with its verb: "sayılırmı", "varmı", "yokmu",
# "lazımmı", "alabilirmiyim" (but not "kısmi", "resmi").
_ATTACHED_PARTICLES = tuple(
    stem + particle
    for stem in ("r", "z", "k", "m", "l")
    for particle in ("mi", "mu", "miyim", "misin", "miyiz", "musun", "muyum")
)
# "ne" is Turkish "what" but German chat for "eine" ("hab ne Frage").
_TURKISH_ONLY = frozenset({"ne"})


def is_question(text: str, language: str | None = None) -> bool:
    """True when the text asks something (as far as its words show)."""
    if "?" in text or "¿" in text or "؟" in text:
        return True
    words = normalize(text).split()
    if not words:
        return False
    if any(w in _QUESTION_WORDS for w in words):
        return True
    if language == "tr" and any(w in _TURKISH_ONLY for w in words):
        return True
    clauses = (normalize(c).split() for c in _CLAUSE.split(text))
    if any(clause and clause[0] in _GERMAN_VERB_FIRST for clause in clauses):
        return True
    if any(a in _GERMAN_INVERSION and b in _PRONOUNS for a, b in pairwise(words)):
        return True
    if language in (None, "de") and any(w in _GERMAN_ASKING_VERBS for w in words):
        return True
    if any(a == "geht" and b in _GEHT_SUBJECTS for a, b in pairwise(words)):
        return True
    if language == "tr" and any(w.endswith(_ATTACHED_PARTICLES) for w in words):
        return True  # the question particle written together with the verb ("sayılırmı")
    return len(words) > 1 and words[0] in _GERMAN_VERB_PRONOUN and words[1] in _PRONOUNS
