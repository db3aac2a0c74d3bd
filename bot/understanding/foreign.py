"""Notice messages written in a language Lotse does not speak, so it can say so politely.

Lotse answers in German, Turkish and Russian. A message in another script (Arabic, Persian,
Greek, Chinese …) is recognised by its letters; one in Latin letters by short function words and
special letters of English, French, Spanish, Italian, Portuguese, Polish, Romanian, Albanian,
Serbo-Croatian and Vietnamese, weighed against words of German, Turkish and Latin-script Russian.
Ukrainian, Belarusian, Bulgarian and Kazakh in Cyrillic count as understood (Russian is read).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from bot.understanding.language import _SEED as _LANGUAGE_SEED
from bot.understanding.language import GERMAN_TERMS
from bot.understanding.normalize import normalize

__all__ = ["detect_foreign_language"]

# Unicode blocks of scripts no supported language uses, with the language they most likely mean.
_SCRIPTS: tuple[tuple[int, int, str], ...] = (
    (0x0370, 0x03FF, "el"),
    (0x0530, 0x058F, "hy"),
    (0x0590, 0x05FF, "he"),
    (0x0600, 0x06FF, "arabic"),
    (0x0750, 0x077F, "arabic"),
    (0xFB50, 0xFDFF, "arabic"),
    (0xFE70, 0xFEFF, "arabic"),
    (0x0900, 0x097F, "hi"),
    (0x0980, 0x09FF, "bn"),
    (0x0A00, 0x0A7F, "pa"),
    (0x0B80, 0x0BFF, "ta"),
    (0x0E00, 0x0E7F, "th"),
    (0x10A0, 0x10FF, "ka"),
    (0x1200, 0x139F, "am"),  # Ethiopic: Amharic or Tigrinya, which letters cannot tell apart
    (0x1780, 0x17FF, "km"),
    (0x3040, 0x30FF, "ja"),
    (0x3400, 0x4DBF, "zh"),
    (0x4E00, 0x9FFF, "zh"),
    (0xAC00, 0xD7AF, "ko"),
    (0x1100, 0x11FF, "ko"),
)
_CYRILLIC = (0x0400, 0x04FF)
# Letters only one Arabic-script language uses; otherwise Persian ی ک پ چ ژ against Arabic ي ك ة ى.
_ARABIC_SCRIPT_LETTERS: tuple[tuple[str, str], ...] = (
    ("ku", "ێۆڵڕە"),
    ("ps", "ټډړښږځڅېۍ"),
    ("ur", "ٹڈڑںےہ"),
)
_PERSIAN_LETTERS = "یکپچژگ"
_ARABIC_LETTERS = "يكةىأإ"
# Serbian and Macedonian Cyrillic letters; other Cyrillic is read as Russian.
_CYRILLIC_LETTERS: tuple[tuple[str, str], ...] = (("mk", "ѓќѕ"), ("sr", "ђјљњћџ"))

# Function and chat words per language, written without accents. Words that German, Turkish or
# Latin-script Russian also use ("is", "my", "i", "da", "ne") are dropped at start-up.
_FOREIGN_WORDS: dict[str, str] = {
    "en": (
        "the a an is are am was were be been being i im you he she we they it my your his her "
        "our their me him us them this that these those what how where when why which who whose "
        "can could would should will shall do does did dont doesnt didnt cant have has had need "
        "needs want wanted looking look help please thanks thank hello hey dear sir madam good "
        "morning evening and or but not no yes with for from about of to in on at by as if so "
        "then there here because also too very much many any some all just only still already "
        "work working worked works experience qualification qualified certificate degree "
        "recognition recognised recognized recognize apply applied application exam test course "
        "courses language german english germany country years year months live living lived "
        "get got become skills profession professional vocational chamber know understand speak "
        "information possible someone anyone nurse driver job jobs"
    ),
    "fr": (
        "je j ai suis es est sommes etes sont vous nous tu il elle ils elles on le la les l un "
        "une des du au aux ce cet cette ces c ca mon ma mes ton ta tes son sa ses notre votre "
        "leur pour avec dans sur sans chez par pas ne plus que qui quoi quel quelle quels "
        "comment pourquoi ou quand combien et mais donc car oui non merci bonjour bonsoir salut "
        "svp travail travaille travailler emploi metier diplome formation reconnaissance "
        "allemagne allemand francais langue cours examen ans depuis peux peut pouvez veux "
        "voudrais besoin aide aider faire fait avoir etre tres beaucoup aussi deja encore"
    ),
    "es": (
        "yo tu el ella nosotros ustedes usted ellos soy eres es somos son estoy esta estan tengo "
        "tienes tiene tenemos hay la los las un una unos unas de del al a en con por para sin "
        "sobre mi mis tus su sus nuestro que quien como donde cuando cuanto cuantos porque y o "
        "pero si no gracias hola buenos buenas dias tardes favor trabajo trabajar trabajando "
        "empleo titulo reconocimiento alemania aleman espanol idioma curso examen anos desde "
        "hace puedo puede quiero quisiera necesito ayuda hacer muy tambien ya todavia"
    ),
    "it": (
        "io tu lui lei noi voi loro sono sei e siamo siete ho hai ha abbiamo avete hanno il lo "
        "la i gli le un uno una di del della dei delle da dal in nel nella con per su tra fra "
        "mio mia miei tuo suo nostro che chi come dove quando quanto perche o ma se non si "
        "grazie ciao buongiorno buonasera prego lavoro lavorare titolo riconoscimento germania "
        "tedesco italiano lingua corso esame anni posso puo voglio vorrei bisogno aiuto fare "
        "molto anche gia ancora"
    ),
    "pt": (
        "eu voce voces ele ela nos sou estou esta tenho tem temos o a os as um uma de do da dos "
        "das em no na com para por sem meu minha seu sua que como onde quando porque e ou mas "
        "sim nao obrigado obrigada ola bom dia trabalho trabalhar emprego diploma "
        "reconhecimento alemanha alemao portugues lingua curso exame anos desde posso pode "
        "quero queria preciso ajuda fazer muito tambem ja ainda"
    ),
    "pl": (
        "ja ty on ona my wy oni jestem jestes jest jestesmy sa mam masz ma mamy maja nie tak "
        "czy jak co gdzie kiedy dlaczego ile ktory ktora i a w we z ze na do od dla po przez "
        "o u moj moja moje twoj jego jej nasz to ten ta te sie mnie mi pracuje pracowac praca "
        "pracy zawod zawodu dyplom uznanie uznania niemczech niemcy niemiecki polski jezyk kurs "
        "egzamin lat rok moge mozna chce chcialbym chcialabym potrzebuje pomoc prosze dziekuje "
        "dzien dobry czesc witam bardzo tez juz jeszcze"
    ),
    "ro": (
        "eu tu el ea noi voi ei ele sunt esti este e suntem avem am ai are au nu da si sau dar "
        "in la cu pentru din pe de despre un o unei unui meu mea mei tau lui nostru ce cine "
        "cum unde cand cat care buna ziua multumesc va rog salut munca muncesc lucrez lucru "
        "diploma recunoastere germania german romana limba curs examen ani pot poate vreau "
        "dori nevoie ajutor face foarte deja inca"
    ),
    "sq": (
        "une ti ai ajo ne ju ata jam je eshte jemi jeni jane kam ke ka kemi keni kane nuk po jo "
        "dhe ose por me nga per te se si cfare ku kur pse sa cili cila im ime yt juaj "
        "faleminderit pershendetje tungjatjeta mirdita pune punoj punen diplome njohje gjermani "
        "gjermanisht shqip gjuhe kurs provim vjet vite mund dua duhet ndihme shume edhe tashme"
    ),
    "hr": (
        "ja ti on ona mi vi oni sam si je smo ste su imam imas ima imamo imate imaju ne da i "
        "ili ali u na sa s za od do iz kod o po moj moja moje tvoj njegov njen nas vas sta sto "
        "kako gdje gde kada zasto koliko koji koja koje hvala molim zdravo dobar dan pozdrav "
        "posao poslu radim raditi radio diploma priznavanje nostrifikacija njemacka nemacka "
        "njemacki nemacki jezik kurs ispit godina godine mogu moze hocu zelim trebam treba "
        "pomoc vrlo jako takodje vec jos"
    ),
    "vi": (
        "toi ban anh chi em ong ba chung minh ho la co khong duoc cua va nhung voi cho o tai "
        "trong tu den nay do gi sao nao dau khi bao nhieu lam viec hoc tieng duc nghe bang cap "
        "cong nhan xin chao cam on vui long muon can giup nam thang rat cung da roi"
    ),
}
# Words of German, Turkish and Latin-script Russian (and Ukrainian) chat beyond the language
# detector's seed, including English loans these chats use ("sorry", "job") and Turkish case
# endings written after an apostrophe ("Almanya'dan" gives "dan").
_LOCAL_WORDS = (
    # German
    "der die das den dem des ein eine einen einem einer und oder aber ich du er sie es wir ihr "
    "bin bist ist sind war waren habe hast hat haben hatte kann kannst muss musst soll will "
    "wollen darf wird werden wurde nicht kein keine mein meine dein sein unser mit fur von vom "
    "zum zur bei aus nach in im am an ans auf um uber unter vor seit als wie was wo wer wann "
    "warum welche gibt so ja jo nein doch noch schon auch nur sehr gut danke bitte hallo hi hey "
    "moin ciao tschuss jetzt hier dort da dann denn weil dass ob wenn mal ma man mir mich dir "
    "dich uns euch sich je los per pro plus sei tu find bad mund examen kurs job team sorry ok "
    "okay online meeting training chat app email mail link check cool super chef hat rat "
    # Turkish
    "ve ile icin bir bu su o ne mi mu misin miyim ben sen biz siz onlar benim senin var yok "
    "evet hayir tamam ama cok daha en gibi kadar sonra simdi nasil neden nerede kim hangi kac "
    "is isim can kar el al at as an her hem son il ani kur dua para hay imam de da ki ya yani "
    "dan den ta te tan ten a e ye i u in un nin nun "
    # Latin-script Russian and Ukrainian
    "ya ja ty on ona oni my vy eto kak chto shto sto gde mne menya moy moj moi u v w na s so "
    "k po iz za dlya dla ot do bez i a no ili ne net da est mogu nado tam tak li sam yak jak "
    "shcho scho meni mene pratsyuyu pracjuju dyakuyu dyakuju robota treba chy mozhna"
)
# Special letters as written; each distinct one found adds a point to its language.
_LETTERS: dict[str, str] = {
    "pl": "ąęłśźżń",
    "es": "ñ¿¡",
    "pt": "ãõ",
    "fr": "èêùœà",
    "it": "àèìòù",
    "ro": "ășțţ",
    "sq": "ë",
    "hr": "čćđšž",
    "vi": "ơưđăêô",
}
_LOCAL_LETTERS = "ğışäß"
_VIETNAMESE_TONES = (0x1EA0, 0x1EF9)  # ạ ả ấ … ỹ: only Vietnamese writes these
_MAX_LETTER_POINTS = 2
_MIN_WORDS = 3  # "ok", "hello", "hi there" say too little to tell a language
_MIN_FOREIGN_WORDS = 2
_ORDER = ("en", "fr", "es", "it", "pt", "pl", "ro", "sq", "hr", "vi")
_WORD = re.compile(r"[^\W\d_]+")
_SPECIAL = str.maketrans({"ı": "i", "ł": "l", "đ": "d", "ß": "ss", "ø": "o", "œ": "oe"})


def _plain(word: str) -> str:
    """Lower case without accents, as the word lists are written."""
    decomposed = unicodedata.normalize("NFKD", word.casefold().translate(_SPECIAL))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _plain_set(words: Iterable[str]) -> frozenset[str]:
    return frozenset(_plain(w) for w in words)


_LOCAL = _plain_set(_LOCAL_WORDS.split()) | _plain_set(
    word for seed in _LANGUAGE_SEED.values() for word in seed.split()
)
_FOREIGN = {lang: _plain_set(words.split()) for lang, words in _FOREIGN_WORDS.items()}


def detect_foreign_language(text: str) -> str | None:
    """ISO 639-1 code when ``text`` is plainly in a language other than de, tr, ru; else None."""
    script = _main_script(text)
    if script == "arabic":
        return _arabic_script_language(text)
    if script == "cyrillic":
        return _cyrillic_language(text)
    if script == "latin":
        return _latin_language(text)
    return script


def _script_of(ch: str) -> str | None:
    code = ord(ch)
    if code < 0x0250:
        return "latin"
    if _CYRILLIC[0] <= code <= _CYRILLIC[1]:
        return "cyrillic"
    if _VIETNAMESE_TONES[0] <= code <= _VIETNAMESE_TONES[1]:
        return "latin"
    for low, high, script in _SCRIPTS:
        if low <= code <= high:
            return script
    return None


def _main_script(text: str) -> str | None:
    """The script of most letters: "latin", "cyrillic", "arabic" or a language code."""
    counts = Counter(_script_of(ch) for ch in text if ch.isalpha())
    counts.pop(None, None)
    if not counts:
        return None
    if counts["ja"]:  # kana: Japanese, however many Chinese characters it mixes in
        counts["ja"] += counts.pop("zh", 0)
    script, count = counts.most_common(1)[0]
    return script if count * 2 >= sum(counts.values()) else None


def _arabic_script_language(text: str) -> str:
    """Arabic, Persian, Urdu, Pashto or Sorani Kurdish, told apart by the letters each adds."""
    for language, letters in _ARABIC_SCRIPT_LETTERS:
        if any(ch in letters for ch in text):
            return language
    persian = sum(text.count(ch) for ch in _PERSIAN_LETTERS)
    arabic = sum(text.count(ch) for ch in _ARABIC_LETTERS) + len(re.findall(r"(?:^|\s)ال", text))
    return "fa" if persian > arabic else "ar"


def _cyrillic_language(text: str) -> str | None:
    """Serbian or Macedonian by their own letters; other Cyrillic is read as Russian."""
    lowered = text.casefold()
    for language, letters in _CYRILLIC_LETTERS:
        if any(ch in letters for ch in lowered):
            return language
    return None


def _latin_language(text: str) -> str | None:
    """The foreign language whose own words and letters clearly outweigh de, tr and ru words."""
    words = [_plain(w) for w in _WORD.findall(text)]
    words = [w for w in words if normalize(w) not in GERMAN_TERMS]
    if len(words) < _MIN_WORDS:
        return None
    lowered = text.casefold()
    local_letters = _letter_points(lowered, _LOCAL_LETTERS)
    best: tuple[int, str] | None = None
    for language in _ORDER:
        own = _FOREIGN[language]
        foreign = sum(1 for w in words if w in own and w not in _LOCAL)
        if language == "en":
            foreign += _capital_i(text)
        local = sum(1 for w in words if w in _LOCAL and w not in own) + local_letters
        score = foreign + _letter_points(lowered, _LETTERS.get(language, ""))
        if language == "vi":
            score += _vietnamese_tone_points(lowered)
        if foreign >= _MIN_FOREIGN_WORDS and score > local and (best is None or score > best[0]):
            best = (score, language)
    return best[1] if best else None


def _capital_i(text: str) -> int:
    """A capital "I" on its own is English; Russian "и" in Latin letters is a lowercase "i"."""
    return 1 if re.search(r"(?<![^\W\d_])I(?![^\W\d_])", text) else 0


def _letter_points(text: str, letters: str) -> int:
    return min(_MAX_LETTER_POINTS, sum(1 for ch in set(letters) if ch in text))


def _vietnamese_tone_points(text: str) -> int:
    low, high = _VIETNAMESE_TONES
    return _MAX_LETTER_POINTS if any(low <= ord(ch) <= high for ch in text) else 0
