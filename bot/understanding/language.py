"""Language detection for short chat messages: script, special letters, vocabulary, n-grams."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping

from bot.understanding.normalize import normalize, tokens

__all__ = ["GERMAN_TERMS", "LanguageDetector"]

LANGUAGES = ("de", "tr", "ru")

# Function words and chat words typical of each language, written as ``normalize`` writes them.
_SEED: dict[str, str] = {
    "de": (
        "ich du er sie wir ihr es bin bist ist sind habe hast hat haben kann kan konnen möchte "
        "mochte will wil brauche brauch bitte danke hallo moin servus guten tag abend morgen wie "
        "was wo wer wan warum welche welcher gibt mir mich mein meine meinen meiner kein keine "
        "nicht nichts und oder aber auch noch schon seit als für fur mit ohne bei von vom zum "
        "zur der die das den dem des ein eine einen einem einer aus nach jahre jahren yahr "
        "arbeite arbeiten gearbeitet hier da dan wen ob so sehr gut geht einen termin frage "
        "machen mache gemacht bekomme kriege sprechen deutsh leider vielleicht gerne bite ja "
        "nein okay genau klar danke stimmt richtig"
    ),
    "tr": (
        "ben sen biz siz o bu su bir ve ile icin mi mu mı misin miyim musun nasil ne neden nerede "
        "kim hangi var yok evet hayir tesekurler merhaba selam iyi gunler gunaydin aksamlar "
        "yil yildir sene senedir beri olarak calisiyorum calistim calisiyor istiyorum lazim "
        "gerekiyor yapabilir yapilir miyim olur mu ama de da ki cok daha sadece simdi benim "
        "bana beni icin almak alabilir miyim yardim lutfen abi hocam degil degilim olarak "
        "tanitma denklik belge diploma meslek kurs almanca almanya is isim yok mu nasil"
    ),
    "ru": (
        "ya ty on ona my vy oni eto kak chto gde kto pochemu kogda mozhno nuzhno hochu mogu "
        "u menya net da i ili no ne v na s po iz za dlya ot do pri let god goda rabotayu "
        "rabotal rabotala privet zdravstvuyte dobry den spasibo pozhaluysta skolko kakie "
        "kakoy mne moy moya moe est uzhe tolko esli chtoby nado etot eta ochen vas nas "
        "poluchit poluchayu diplom obrazovanie specialnost professiya nemetskiy kursy"
    ),
}

# German terms that people mix into Turkish and Russian messages; they say little about language.
_GERMAN_TERMS = (
    "Bürgergeld Jobcenter Agentur Arbeit Arbeitsamt IHK HWK Handwerkskammer Ausbildung "
    "Anerkennung Bildungsgutschein Teilqualifikation Teilqualifikationen Externenprüfung "
    "Externenprüfung Prüfung Sprachkurs Deutschkurs Integrationskurs Berufssprachkurs "
    "Gesellenbrief Kammer Aufstiegs BAföG Meister Umschulung Weiterbildung "
    "Anpassungsqualifizierung Validierung ValiKom Gleichwertigkeit Berufsanerkennung "
    "Anerkennungszuschuss Termin Beratung Arbeitslosengeld ALG Minijob Teilzeit Vollzeit Chef "
    "Firma Betrieb "
)
GERMAN_TERMS: frozenset[str] = frozenset(normalize(t) for t in _GERMAN_TERMS.split())

_ORDER = 4
LATIN_RUSSIAN_PENALTY = 2.0
# German words that folding makes look Russian ("ja" and "я" both become "ya").
_RAW_GERMAN = frozenset({"ja", "jaa", "jap", "jo", "jein", "jetzt", "jahre", "jahren"})
_CYRILLIC_RANGE = ("\u0400", "\u04ff")


def _grams(token: str) -> list[str]:
    padded = f"<{token}>"
    return [padded[i : i + n] for n in range(1, _ORDER + 1) for i in range(len(padded) - n + 1)]


class LanguageDetector:
    """Naive Bayes over character n-grams of folded tokens, plus script and letter evidence."""

    def __init__(self, training: Mapping[str, Iterable[str]]) -> None:
        self._logp: dict[str, dict[str, float]] = {}
        self._unseen: dict[str, float] = {}
        self._vocab: dict[str, frozenset[str]] = {}
        for language in LANGUAGES:
            words = tokens(_SEED[language]) * 3
            for text in training.get(language, ()):
                words.extend(t for t in tokens(text) if t not in GERMAN_TERMS or language == "de")
            counts: Counter[str] = Counter()
            for word in words:
                counts.update(_grams(word))
            total = sum(counts.values()) + len(counts) + 1
            self._logp[language] = {g: math.log((c + 1) / total) for g, c in counts.items()}
            self._unseen[language] = math.log(0.5 / total)
            self._vocab[language] = frozenset(tokens(_SEED[language]))

    def _token_scores(self, token: str) -> dict[str, float]:
        grams = _grams(token)
        scores = {}
        for language in LANGUAGES:
            table, unseen = self._logp[language], self._unseen[language]
            score = sum(table.get(g, unseen) for g in grams) / len(grams)
            if token in self._vocab[language]:
                score += 1.5
            scores[language] = score
        return scores

    def detect(self, text: str) -> tuple[str, float]:
        """Return the most likely language and a confidence in 0..1."""
        letters = [ch for ch in text if ch.isalpha()]
        cyrillic = sum(1 for ch in letters if _CYRILLIC_RANGE[0] <= ch <= _CYRILLIC_RANGE[1])
        if letters and cyrillic / len(letters) >= 0.3:
            return "ru", round(min(1.0, 0.9 + 0.1 * cyrillic / len(letters)), 3)
        totals = dict.fromkeys(LANGUAGES, 0.0)
        lowered = text.casefold()
        totals["tr"] += 4.0 * sum(lowered.count(ch) for ch in "ığş") + 1.5 * lowered.count("ç")
        totals["de"] += 4.0 * sum(lowered.count(ch) for ch in "äß")
        totals["de"] += 8.0 * sum(1 for w in lowered.split() if w.strip(".,!?") in _RAW_GERMAN)
        words = [t for t in tokens(text) if not t.isdigit()]
        weights = [0.15 if w in GERMAN_TERMS else 1.0 for w in words]
        if all(w in GERMAN_TERMS for w in words):
            weights = [1.0] * len(words)
        for word, weight in zip(words, weights, strict=True):
            for language, score in self._token_scores(word).items():
                totals[language] += weight * score * 4.0
        # Latin script: Russian is possible ("priznanie diploma") but less likely a priori.
        totals["ru"] -= LATIN_RUSSIAN_PENALTY
        if not words and totals["tr"] == totals["de"] == 0.0:
            return "de", 0.34
        top = max(totals.values())
        exp = {lang: math.exp(value - top) for lang, value in totals.items()}
        norm = sum(exp.values())
        language = max(exp, key=exp.__getitem__)
        return language, round(exp[language] / norm, 3)
