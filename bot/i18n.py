"""Translations per conversation: catalogs by message id, locale-aware numbers and CLDR plurals.

The language is resolved per conversation and a ``Translator`` is passed along; there is no
process-wide ``_()`` bound to one language.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, get_timezone
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from bot.content.models import LANGUAGES

DOMAIN = "messages"
DEFAULT_LANGUAGE = "de"


def msg(message_id: str) -> str:
    """Mark a message id for extraction; returns it unchanged."""
    return message_id


TIMEZONE = get_timezone("Europe/Berlin")


@dataclass(frozen=True)
class Years:
    """A number of years, rendered with the unit in the right CLDR plural form."""

    value: Decimal


@dataclass(frozen=True)
class Days:
    value: int


@dataclass(frozen=True)
class When:
    """A point in time, shown in Europe/Berlin wall time in the reader's locale."""

    value: dt.datetime


@dataclass(frozen=True)
class Counted:
    """How the years were counted: the periods (years, country code) and their sum."""

    periods: tuple[tuple[Decimal, str | None], ...]
    total: Decimal


@dataclass(frozen=True)
class Workload:
    """How much someone worked: a share of a full-time week, and hours when stated."""

    share: Decimal
    hours: Decimal | None = None


@dataclass(frozen=True)
class StoredData:
    """What is stored about a person, listed field by field for ``/mydata``, and the questions
    they typed (kept with the conversation, and copied to the lead after consent)."""

    slots: dict[str, object]
    asked: tuple[str, ...] = ()


# Units by CLDR plural category; every catalog holds all four so any language can be added.
PLURAL_MESSAGES = (
    msg("unit.years.one"),
    msg("unit.years.few"),
    msg("unit.years.many"),
    msg("unit.years.other"),
    msg("unit.days.one"),
    msg("unit.days.few"),
    msg("unit.days.many"),
    msg("unit.days.other"),
    msg("unit.months.one"),
    msg("unit.months.few"),
    msg("unit.months.many"),
    msg("unit.months.other"),
)


class Translator:
    """Look up message ids and format numbers for one language."""

    def __init__(self, language: str, translations: NullTranslations) -> None:
        self.language = language
        self.locale = Locale.parse(language)
        self._translations = translations

    def has(self, message_id: str) -> bool:
        return self._translations.gettext(message_id) != message_id

    def text(self, message_id: str) -> str:
        return self._translations.gettext(message_id)

    def number(self, value: Decimal | float | int) -> str:
        return format_decimal(value, format="#,##0.##", locale=self.locale)

    def years(self, value: Decimal) -> str:
        """Whole and half years as numbers ("4,5 Jahre"), other fractions in years and months.

        CLDR picks the form: ru "1 год", "2 года", "5 лет", "4,5 года"; de "1 Jahr", "4,5 Jahre".
        "2,62 Jahre" is hard to picture: it reads "2 Jahre und 7 Monate".
        """
        if (value * 2) == (value * 2).to_integral_value():
            return self._quantity(value, "years")
        whole, rest = divmod(int((value * 12).to_integral_value()), 12)
        if rest == 0:
            return self._quantity(Decimal(whole), "years")
        months_text = self._quantity(Decimal(rest), "months")
        if whole == 0:
            return months_text
        years_text = self._quantity(Decimal(whole), "years")
        return self.text(msg("unit.years_and_months")).format(years=years_text, months=months_text)

    def days(self, value: int) -> str:
        return self._quantity(Decimal(value), "days")

    def _quantity(self, value: Decimal, unit: str) -> str:
        if value == value.to_integral_value():
            value = value.quantize(Decimal(1))  # 6.0 from storage is six, not a fraction
        category = self.locale.plural_form(value)
        return f"{self.number(value)} {self.text(f'unit.{unit}.{category}')}"

    def date(self, value: dt.date) -> str:
        return format_date(value, format="medium", locale=self.locale)

    def datetime(self, value: dt.datetime) -> str:
        """Weekday, date and wall time in Berlin, e.g. "Dienstag, 1. Dezember 2026, 10:30"."""
        local = value.astimezone(TIMEZONE)
        day = format_date(local.date(), format="full", locale=self.locale)
        return f"{day}, {local:%H:%M}"


def plural_categories(language: str) -> tuple[str, ...]:
    """The CLDR plural categories a language needs for integers and decimals."""
    return tuple(sorted(Locale.parse(language).plural_form.tags | {"other"}))


class Catalogs:
    """Compiled gettext catalogs of all languages, loaded once at start-up."""

    def __init__(self, locales_dir: Path) -> None:
        self._translators: dict[str, Translator] = {}
        for language in LANGUAGES:
            translations = Translations.load(str(locales_dir), [language], domain=DOMAIN)
            if not isinstance(translations, Translations):
                translations = _compiled_in_memory(locales_dir, language)
            self._translators[language] = Translator(language, translations)

    def has_message(self, language: str, message_id: str) -> bool:
        return language in self._translators and self._translators[language].has(message_id)

    def translator(self, language: str | None) -> Translator:
        return self._translators.get(
            language or DEFAULT_LANGUAGE, self._translators[DEFAULT_LANGUAGE]
        )


def _compiled_in_memory(locales_dir: Path, language: str) -> Translations:
    """The catalog compiled from its .po file when no .mo was built (an installed package)."""
    po = locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        raise FileNotFoundError(f"{po} is missing: no catalog for '{language}'")
    with po.open("rb") as file:
        catalog = read_po(file, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@cache
def language_name(language: str) -> str:
    """The language's own name, for the language menu ("Türkçe", "Русский")."""
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]
