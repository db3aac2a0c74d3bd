"""``match_option``: buttons answered by typing."""

from __future__ import annotations

import pytest

from bot.understanding import Understander

YES_NO = {"yes": ["Ja", "Evet", "Да", "yes"], "no": ["Nein", "Hayır", "Нет", "no"]}
STATUS = {
    "employed": ["Ich arbeite", "Çalışıyorum", "Я работаю"],
    "unemployed": ["Arbeitslos gemeldet", "İşsiz (İş Ajansı)", "Безработный"],
    "jobcenter": ["Bürgergeld / Jobcenter", "Bürgergeld alıyorum", "Получаю Bürgergeld"],
}


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("1", "yes"),
        ("2", "no"),
        ("2.", "no"),
        ("ja", "yes"),
        ("Ja!", "yes"),
        ("ja bitte", "yes"),
        ("evet", "yes"),
        ("hayir", "no"),
        ("да", "yes"),
        ("da", "yes"),
        ("нет", "no"),
        ("net", "no"),
    ],
)
def test_yes_no(small: Understander, text: str, choice: str) -> None:
    assert small.match_option(text, YES_NO) == choice


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("3", "jobcenter"),
        ("bürgergeld", "jobcenter"),
        ("burgergeld aliyorum", "jobcenter"),
        ("arbeitslos", "unemployed"),
        ("arbetslos gemeldet", "unemployed"),
        ("issiz", "unemployed"),
        ("безработный", "unemployed"),
        ("bezrabotnyj", "unemployed"),
        ("calisiyorum", "employed"),
        ("ya rabotayu", "employed"),
        ("employed", "employed"),
    ],
)
def test_status(small: Understander, text: str, choice: str) -> None:
    assert small.match_option(text, STATUS) == choice


@pytest.mark.parametrize("text", ["0", "4", "17", "", "vielleicht", "weiß nicht", "bilmiyorum"])
def test_no_confident_match(small: Understander, text: str) -> None:
    assert small.match_option(text, STATUS) is None


def test_empty_choices(small: Understander) -> None:
    assert small.match_option("1", {}) is None
    assert small.match_option("ja", {}) is None


@pytest.mark.parametrize(
    ("text", "choice"),
    [("koch", "koch"), ("Maler", "maler"), ("malerin und lackiererin", "maler"), ("2", "maler")],
)
def test_occupation_labels(small: Understander, text: str, choice: str) -> None:
    choices = {"koch": ["Koch/Köchin", "Aşçı", "Повар"], "maler": ["Maler und Lackierer"]}
    assert small.match_option(text, choices) == choice
