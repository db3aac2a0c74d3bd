"""Work experience told as several periods (added up, each with its country) and workload,
in German, Turkish and Russian; ``today`` is 2025-06-15 (see conftest)."""

from __future__ import annotations

import pytest

from bot.understanding import Understander
from bot.understanding.understander import Period


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("3 Jahre in der Türkei und 2 in Deutschland", 5.0),
        ("2015–2019 und seit 2022", 7.0),
        ("Türkiye'de 3 yıl, Almanya'da 2 yıl çalıştım", 5.0),
        ("3 года в Казахстане и 2 года в Германии", 5.0),
        ("2 jahre koch, dann 3 jahre beikoch", 5.0),
        ("2015–2019", 4.0),
        ("von 2015 bis 2019 als Maler", 4.0),
        ("2015-2019", 4.0),
        ("2015 ile 2019 arası depoda çalıştım", 4.0),
        ("с 2015 по 2019", 4.0),
        ("s 2015 po 2019 rabotal", 4.0),
        ("zwischen 2015 und 2019", 4.0),
        ("2015'ten 2019'a kadar", 4.0),
        ("03/2015 bis 09/2019", 4.5),
        ("März 2015 bis September 2019", 4.5),
        ("с марта 2015 по сентябрь 2019", 4.5),
        ("Mart 2015'ten Eylül 2019'a kadar", 4.5),
        ("von 2018 bis heute", 7.0),
        ("seit März 2016", 9.25),
        ("3 jare in der Türkei und 2 in Deutchland", 5.0),  # typos
        ("turkiyede 3 yil calistim, almanyada 2 sene", 5.0),  # ASCII Turkish
        ("3 goda v Kazahstane i 2 goda v Germanii", 5.0),  # Latin-script Russian
        ("полтора года в Украине, а 2 в Германии", 3.5),
        ("drei Jahre und sechs Monate in Kasachstan, dann 1 Jahr hier", 4.5),
    ],
)
def test_periods_are_added_up(small: Understander, text: str, years: float) -> None:
    assert small.extract_years(text) == pytest.approx(years)


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("3 Jahre als Koch und 20 Stunden pro Woche", 3.0),
        ("ich bin 45 und arbeite seit 6 Jahren", 6.0),
        ("3 Jahre Koch und 2 Kinder", 3.0),
        ("мне 45 лет, работаю 3 года", 3.0),
        ("insgesamt 5 Jahre, davon 2 in Teilzeit", 5.0),
        ("seit 6 Jahren als Koch, davon 2 Jahre in Teilzeit", 6.0),
        ("3 Jahre in der Türkei und 2 in Deutschland, also 5 Jahre", 5.0),
        ("я работал 5 лет, из них 2 года в Германии", 5.0),
        ("ich lebe seit 2015 in Deutschland und arbeite seit 3 Jahren als Koch", 3.0),
        ("10 yıldır Almanya'da yaşıyorum, 5 yıldır aşçıyım", 5.0),
        ("eine 3-jährige Ausbildung schaffe ich nicht, arbeite seit 4 Jahren", 4.0),
        ("Ich arbeite seit 6 Jahren als Koch. Reichen 6 Jahre für die Prüfung?", 6.0),
        ("2 Jahre in der Türkei und 2 in Deutschland", 4.0),
    ],
)
def test_other_numbers_are_not_added(small: Understander, text: str, years: float) -> None:
    assert small.extract_years(text) == pytest.approx(years)


@pytest.mark.parametrize(
    "text",
    [
        "20 Stunden pro Woche",
        "haftada 25 saat",
        "ich bin 45",
        "45 yaşındayım",
        "мне 45 лет",
        "44137 Dortmund",
        "die 1,5-fache Miete",
        "am 12.03.2015 angefangen",
        "ich verdiene 1990 bis 2000 Euro",
        "ich lebe seit 2015 in Deutschland",
        "ich bin seit 5 Jahren in Deutschland",
        "5 yıldır Almanya'dayım",
        "живу в Германии 5 лет",
    ],
)
def test_no_period(small: Understander, text: str) -> None:
    assert small.extract_years(text) is None
    assert small.extract_periods(text) == []


@pytest.mark.parametrize(
    ("text", "periods"),
    [
        ("3 Jahre in der Türkei und 2 in Deutschland", [(3.0, "TR"), (2.0, "DE")]),
        ("Türkiye'de 3 yıl, Almanya'da 2 yıl çalıştım", [(3.0, "TR"), (2.0, "DE")]),
        ("Türkiye'de 3 yıl Almanya'da 2 yıl", [(3.0, "TR"), (2.0, "DE")]),
        ("3 yil Turkiyede, 2 Almanyada", [(3.0, "TR"), (2.0, "DE")]),
        ("3 года в Казахстане и 2 года в Германии", [(3.0, "KZ"), (2.0, "DE")]),
        ("3 goda v Kazahstane i 2 goda v Germanii", [(3.0, "KZ"), (2.0, "DE")]),
        (
            "In der Ukraine habe ich 4 Jahre und in Russland 2 Jahre gearbeitet",
            [(4.0, "UA"), (2.0, "RU")],
        ),
        ("Ich habe 10 Jahre in Russland gearbeitet", [(10.0, "RU")]),
        ("2015–2019 und seit 2022", [(4.0, None), (3.0, None)]),
        ("6 Jahre als Maler", [(6.0, None)]),
        ("5", [(5.0, None)]),
    ],
)
def test_periods_with_countries(
    small: Understander, text: str, periods: list[tuple[float, str | None]]
) -> None:
    assert small.extract_periods(text) == [Period(years, country) for years, country in periods]


@pytest.mark.parametrize(
    "text",
    [
        "seit 2016",
        "3 Jahre in der Türkei und 2 in Deutschland",
        "с 2015 по 2019 в Казахстане, а с 2022 в Германии",
        "iki yıl 6 ay Türkiye'de, 1 yıl burada",
    ],
)
def test_years_are_the_sum_of_the_periods(small: Understander, text: str) -> None:
    periods = small.extract_periods(text)
    assert len(periods) >= 1
    assert small.extract_years(text) == pytest.approx(sum(p.years for p in periods))


@pytest.mark.parametrize(
    ("text", "share", "hours"),
    [
        ("Vollzeit", 1.0, None),
        ("ich arbeite voll", 1.0, None),
        ("full time", 1.0, None),
        ("tam zamanlı çalışıyorum", 1.0, None),
        ("tam gun calisiyorum", 1.0, None),
        ("полный день", 1.0, None),
        ("на полную ставку", 1.0, None),
        ("rabotayu polnyy den", 1.0, None),
        ("Teilzeit", None, None),
        ("halbtags", 0.5, None),
        ("Minijob", None, None),
        ("yari zamanli", 0.5, None),
        ("kısmi zamanlı", None, None),
        ("part time", None, None),
        ("на полставки", 0.5, None),
        ("неполный день", None, None),
        ("nicht Vollzeit", None, None),
        ("Teilzeit, 20 Stunden", 0.5, 20.0),
        ("20 std", 0.5, 20.0),
        ("20h pro Woche", 0.5, 20.0),
        ("haftada 25 saat", 0.625, 25.0),
        ("25 saat", 0.625, 25.0),
        ("по 4 часа в день", 0.5, 20.0),
        ("po 4 chasa v den", 0.5, 20.0),
        ("4 saat günde", 0.5, 20.0),
        ("30 часов в неделю", 0.75, 30.0),
        ("Vollzeit sind bei uns 38 Stunden", 1.0, 38.0),
        ("ich arbeite 19 Stunden, Vollzeit sind bei uns 38", 0.5, 19.0),
        ("45 Stunden", 1.0, 45.0),
        ("5 Tage die Woche, 8 Stunden am Tag", 1.0, 40.0),
        ("Minijob, 10 Stunden die Woche", 0.25, 10.0),
    ],
)
def test_extract_workload(
    small: Understander, text: str, share: float | None, hours: float | None
) -> None:
    workload = small.extract_workload(text)
    assert workload is not None
    assert workload.share == (None if share is None else pytest.approx(share, abs=0.01))
    assert workload.hours == (None if hours is None else pytest.approx(hours))


@pytest.mark.parametrize(
    "text", ["0 Stunden", "100 Stunden pro Woche", "das ist voll gut", "Vollzeitkurs", "3 Jahre"]
)
def test_no_workload(small: Understander, text: str) -> None:
    assert small.extract_workload(text) is None
