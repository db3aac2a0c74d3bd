"""Slot extractors in German, Turkish and Russian."""

from __future__ import annotations

import pytest

from bot.understanding import Understander


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("6 Jahre", 6.0),
        ("ich arbeite seit 6 Jahren als Koch", 6.0),
        ("seit 2016", 9.0),
        ("viereinhalb Jahre", 4.5),
        ("vier einhalb jahre", 4.5),
        ("4,5 Jahre", 4.5),
        ("4.5 jahre", 4.5),
        ("anderthalb Jahre", 1.5),
        ("ein halbes Jahr", 0.5),
        ("3 Jahre und 6 Monate", 3.5),
        ("drei Jahre", 3.0),
        ("einundzwanzig Jahre", 21.0),
        ("18 Monate", 1.5),
        ("5", 5.0),
        ("fünf", 5.0),
        ("ca. 7", 7.0),
        ("6 yıl", 6.0),
        ("6 yil calistim", 6.0),
        ("altı yıldır aşçıyım", 6.0),
        ("dört buçuk yıl", 4.5),
        ("dort bucuk sene", 4.5),
        ("iki yil 6 ay", 2.5),
        ("yirmi bir yıl", 21.0),
        ("2016'dan beri çalışıyorum", 9.0),
        ("2016 yılından beri", 9.0),
        ("beş", 5.0),
        ("6 лет", 6.0),
        ("пять лет работаю", 5.0),
        ("pyat let rabotayu", 5.0),
        ("четыре с половиной года", 4.5),
        ("полтора года", 1.5),
        ("2 года и 3 месяца", 2.25),
        ("с 2016 года", 9.0),
        ("s 2019 goda rabotayu", 6.0),
        ("восемь", 8.0),
    ],
)
def test_extract_years(small: Understander, text: str, years: float) -> None:
    assert small.extract_years(text) == pytest.approx(years)


@pytest.mark.parametrize(
    "text",
    [
        "ich bin 35 Jahre alt",
        "vor 5 Jahren bin ich gekommen",
        "ich habe 2 Kinder",
        "35 yaşındayım",
        "5 yıl önce geldim",
        "мне 35 лет",
        "приехал 3 года назад",
        "hallo",
        "Termin am 12.",
    ],
)
def test_extract_years_ignores_other_numbers(small: Understander, text: str) -> None:
    assert small.extract_years(text) is None


@pytest.mark.parametrize(
    ("text", "occupation"),
    [
        ("Ich arbeite als Koch", "koch"),
        ("als Köchin", "koch"),
        ("bin koechin", "koch"),
        ("aşçı olarak çalışıyorum", "koch"),
        ("asci olarak calisiyorum", "koch"),
        ("aşçıyım", "koch"),
        ("работаю поваром", "koch"),
        ("работаю маляром", "maler_lackierer"),
        ("rabotayu malyarom", "maler_lackierer"),
        ("Malerin", "maler_lackierer"),
        ("boyacıyım", "maler_lackierer"),
        ("seit 2016 verkäuferin", "verkaeufer"),
        ("Verkeuferin", "verkaeufer"),
        ("я продавцом работаю", "verkaeufer"),
        ("satış elemanı olarak", "verkaeufer"),
        ("Fachkraft für Lagerlogistik", "fachkraft_lagerlogistik"),
    ],
)
def test_extract_occupation(small: Understander, text: str, occupation: str) -> None:
    assert small.extract_occupation(text) == occupation


@pytest.mark.parametrize(
    "text", ["ich male gern", "koch?", "ich bin da", "ama", "мал", "Kochen ist mein Hobby nicht"]
)
def test_extract_occupation_avoids_short_words(small: Understander, text: str) -> None:
    assert small.extract_occupation(text) in (None, "koch")
    assert small.extract_occupation("ich bin da") is None
    assert small.extract_occupation("ama ben") is None


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("aus der Türkei", "TR"),
        ("türkische Ausbildung", "TR"),
        ("Türkiye'de okudum", "TR"),
        ("turkiyede", "TR"),
        ("из Казахстана", "KZ"),
        ("iz kazakhstana", "KZ"),
        ("Kazakistan'dan geldim", "KZ"),
        ("в Украине", "UA"),
        ("priznanie diploma iz ukrainy", "UA"),
        ("ukrainisches Diplom", "UA"),
        ("из России", "RU"),
        ("Rusya'dan", "RU"),
    ],
)
def test_extract_country(small: Understander, text: str, country: str) -> None:
    assert small.extract_country(text) == country


@pytest.mark.parametrize("text", ["ich lebe in Deutschland", "Deutschkurs", "ich spreche Türkisch"])
def test_extract_country_ignores_germany_and_languages(small: Understander, text: str) -> None:
    assert small.extract_country(text) is None


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Ich bekomme Bürgergeld", "jobcenter"),
        ("bin beim Jobcenter", "jobcenter"),
        ("Я получаю Bürgergeld", "jobcenter"),
        ("получаю пособие от джобцентра", "jobcenter"),
        ("jobcenterdan para alıyorum", "jobcenter"),
        ("ich bin arbeitslos gemeldet", "unemployed"),
        ("bei der Agentur für Arbeit gemeldet", "unemployed"),
        ("işsizim", "unemployed"),
        ("şu an çalışmıyorum", "unemployed"),
        ("я безработный", "unemployed"),
        ("сейчас не работаю", "unemployed"),
        ("ich arbeite nicht", "unemployed"),
        ("ich arbeite als Koch", "employed"),
        ("bin festangestellt", "employed"),
        ("bir fabrikada çalışıyorum", "employed"),
        ("calisiyorum", "employed"),
        ("работаю на складе", "employed"),
        ("rabotayu voditelem", "employed"),
    ],
)
def test_extract_employment(small: Understander, text: str, status: str) -> None:
    assert small.extract_employment(text) == status


@pytest.mark.parametrize("text", ["hallo", "diploma denkligi", "признание диплома"])
def test_extract_employment_none(small: Understander, text: str) -> None:
    assert small.extract_employment(text) is None
