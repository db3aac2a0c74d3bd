"""Catalogs, locale number formats and CLDR plural forms."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.content.models import LANGUAGES
from bot.i18n import PLURAL_MESSAGES, plural_categories
from bot.service import Content


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("ru", "1", "1 год"),
        ("ru", "2", "2 года"),
        ("ru", "5", "5 лет"),
        ("ru", "11", "11 лет"),
        ("ru", "21", "21 год"),
        ("ru", "4.5", "4,5 года"),
        # Other fractions are years and months: "2,62 Jahre" is hard to picture.
        ("ru", "5.25", "5 лет и 3 месяца"),
        ("de", "2.62", "2 Jahre und 7 Monate"),
        ("de", "1.88", "1 Jahr und 11 Monate"),
        ("de", "0.25", "3 Monate"),
        ("ru", "2.62", "2 года и 7 месяцев"),
        ("ru", "0.0833", "1 месяц"),
        ("ru", "1.4166", "1 год и 5 месяцев"),
        ("tr", "2.62", "2 yıl 7 ay"),
        ("de", "1", "1 Jahr"),
        ("de", "4.5", "4,5 Jahre"),
        ("tr", "4.5", "4,5 yıl"),
        ("tr", "1", "1 yıl"),
        # Whole numbers stored as decimals ("6.0") are whole numbers, not fractions.
        ("ru", "5.0", "5 лет"),
        ("ru", "1.0", "1 год"),
        ("ru", "21.0", "21 год"),
        ("de", "1.0", "1 Jahr"),
    ],
)
def test_years_use_cldr_plurals_and_locale_decimals(
    content: Content, language: str, value: str, expected: str
) -> None:
    assert content.catalogs.translator(language).years(Decimal(value)) == expected


def test_every_language_has_every_plural_category_it_needs(content: Content) -> None:
    for language in LANGUAGES:
        translator = content.catalogs.translator(language)
        for category in plural_categories(language):
            for unit in ("years", "months", "days"):
                assert f"unit.{unit}.{category}" in PLURAL_MESSAGES
                assert translator.has(f"unit.{unit}.{category}"), (language, unit, category)


def test_catalogs_differ_per_language(content: Content) -> None:
    texts = {lang: content.catalogs.translator(lang).text("exam.ask_years") for lang in LANGUAGES}
    assert len(set(texts.values())) == 3
    assert "ı" in texts["tr"] or "ş" in texts["tr"]
    assert any("а" <= ch <= "я" for ch in texts["ru"])


def test_unknown_language_falls_back_to_german(content: Content) -> None:
    assert content.catalogs.translator("fr").language == "de"
