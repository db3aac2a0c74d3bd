"""Settings refuse unsafe production defaults."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import Settings


def test_production_refuses_the_placeholder_secret() -> None:
    with pytest.raises(ValidationError, match="LOTSE_SECRET_KEY"):
        Settings(LOTSE_ENVIRONMENT="production")


def test_webhook_needs_a_secret() -> None:
    with pytest.raises(ValidationError, match="TELEGRAM_WEBHOOK_SECRET"):
        Settings(TELEGRAM_WEBHOOK_URL="https://example.org/telegram/webhook")


def test_default_database_is_sqlite_under_var() -> None:
    settings = Settings(LOTSE_DATABASE_URL="")
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.effective_database_url.endswith("var/lotse.sqlite3")
