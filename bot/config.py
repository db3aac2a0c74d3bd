"""One typed settings object, read from ``LOTSE_*`` / ``TELEGRAM_*`` variables and ``.env``."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "development-only"}


class Settings(BaseSettings):
    """Configuration of one Lotse instance; built once and passed along, never global."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    environment: Literal["development", "production", "test"] = Field(
        default="development", alias="LOTSE_ENVIRONMENT"
    )
    database_url: str = Field(default="", alias="LOTSE_DATABASE_URL")
    secret_key: str = Field(default="development-only", alias="LOTSE_SECRET_KEY")
    region: str | None = Field(default="dortmund", alias="LOTSE_REGION")
    retention_days: int = Field(default=180, ge=1, alias="LOTSE_RETENTION_DAYS")
    telegram_bot_token: str | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_url: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_api_base_url: str | None = Field(default=None, alias="TELEGRAM_API_BASE_URL")
    # Optional: a Telegram group of the counsellors that hears of new leads (no personal data).
    telegram_counsellor_chat_id: int | None = Field(
        default=None, alias="TELEGRAM_COUNSELLOR_CHAT_ID"
    )
    content_root: Path = Field(default=PROJECT_ROOT, alias="LOTSE_CONTENT_ROOT")
    var_dir: Path = Field(default=PROJECT_ROOT / "var", alias="LOTSE_VAR_DIR")

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Self:
        if self.environment == "production" and self.secret_key.lower() in _PLACEHOLDER_SECRETS:
            raise ValueError("LOTSE_SECRET_KEY must be set to a real secret outside development")
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise ValueError("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set")
        return self

    @cached_property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.var_dir / 'lotse.sqlite3'}"

    @property
    def dialogs_dir(self) -> Path:
        return self.content_root / "dialogs"

    @property
    def knowledge_dir(self) -> Path:
        return self.content_root / "knowledge"

    @property
    def locales_dir(self) -> Path:
        return self.content_root / "locales"
