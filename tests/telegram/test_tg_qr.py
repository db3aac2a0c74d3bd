"""``lotse qr``: deep links for flyers as PNG and SVG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.channels.telegram import bot_username
from bot.cli import main


def test_qr_png_for_a_telegram_deep_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "flyer-tr.png"
    assert main(["qr", "tr-dortmund-flyer", "-o", str(target), "--bot", "LotseBot"]) == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "https://t.me/LotseBot?start=tr-dortmund-flyer" in capsys.readouterr().out


def test_qr_svg_for_the_web_chat(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "poster-ru.svg"
    assert (
        main(["qr", "ru-luckenwalde-poster", "-o", str(target), "--web", "https://c.example"]) == 0
    )
    assert target.read_text().lstrip().startswith("<?xml")
    assert "<svg" in target.read_text()
    assert "https://c.example/?start=ru-luckenwalde-poster" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [
        ["qr", "tr dortmund", "-o", "x.png", "--bot", "LotseBot"],
        ["qr", "tr", "-o", "x.gif", "--bot", "LotseBot"],
    ],
)
def test_qr_refuses_bad_input(args: list[str], tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2


async def test_the_username_comes_from_get_me(bot_api: Any, database_url: str) -> None:
    from bot.config import Settings

    settings = Settings(
        LOTSE_ENVIRONMENT="test",
        LOTSE_DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN="123456:TEST-token",
        TELEGRAM_API_BASE_URL=bot_api.base_url,
    )
    assert await bot_username(settings) == "LotseTestBot"
