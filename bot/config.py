"""One typed settings object, read from ``LOTSE_*`` / ``TELEGRAM_*`` variables and ``.env``."""

from __future__ import annotations

import datetime as dt
import ipaddress
import sys
from functools import cached_property
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# `pip install .` puts dialogs/, knowledge/ and locales/ under <prefix>/share/lotse.
PACKAGED_CONTENT = Path(sys.prefix) / "share" / "lotse"


def default_content_root() -> Path:
    """The repository's content folders in a checkout, else the ones installed with the package."""
    return PROJECT_ROOT if (PROJECT_ROOT / "dialogs").is_dir() else PACKAGED_CONTENT


def default_var_dir() -> Path:
    """./var of the checkout, else ./var of the folder the service is started in."""
    return PROJECT_ROOT / "var" if (PROJECT_ROOT / "dialogs").is_dir() else Path.cwd() / "var"


MIN_SECRET_LENGTH = 32
# Values from examples and habits; compared case-insensitively, also as the start of a secret.
_PLACEHOLDER_SECRETS = (
    "changeme", "change-me", "change_me", "change-this", "replace-me", "secret", "password",
    "development-only", "insecure", "example", "your-secret", "lotse", "xxxxxxxx", "12345678",
    "test-secret",
)  # fmt: skip
MAKE_A_SECRET = 'python3 -c "import secrets; print(secrets.token_urlsafe(48))"'


class Settings(BaseSettings):
    """Configuration of one Lotse instance; built once and passed along, never global."""

    # Errors name the setting, never its value (a secret would end up in a log).
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", populate_by_name=True, hide_input_in_errors=True
    )

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
    # A Telegram reply that cannot be delivered (flood waits, Telegram unreachable) is dropped
    # only this long after it was queued: seconds, or ISO 8601 such as PT24H.
    telegram_reply_deadline: dt.timedelta = Field(
        default=dt.timedelta(hours=24), gt=dt.timedelta(0), alias="TELEGRAM_REPLY_DEADLINE"
    )
    # A counsellor conversation in the chat (bot.thread) ends, and the bot is back, after this
    # long without a message either way: seconds, or ISO 8601 such as PT48H.
    thread_idle: dt.timedelta = Field(
        default=dt.timedelta(hours=48), gt=dt.timedelta(0), alias="LOTSE_THREAD_IDLE"
    )
    # Telegram's limits for the whole bot (every worker process together): messages in any
    # second, messages a second to one private chat after a burst of three, and messages in any
    # minute in one group chat.
    telegram_rate_per_second: float = Field(default=30.0, gt=0, alias="TELEGRAM_RATE_PER_SECOND")
    telegram_chat_per_second: float = Field(
        default=1.0, gt=0, alias="TELEGRAM_CHAT_RATE_PER_SECOND"
    )
    telegram_group_per_minute: float = Field(default=20.0, gt=0, alias="TELEGRAM_GROUP_PER_MINUTE")
    # Prometheus metrics (bot/metrics, docs/metrics.md): GET /metrics on the app with this bearer
    # token, and/or on its own port (on LOTSE_METRICS_HOST, loopback by default); neither: 404.
    metrics_token: str | None = Field(default=None, min_length=16, alias="LOTSE_METRICS_TOKEN")
    metrics_port: int | None = Field(default=None, ge=1, le=65535, alias="LOTSE_METRICS_PORT")
    metrics_host: str = Field(default="127.0.0.1", alias="LOTSE_METRICS_HOST")
    # Reverse proxies whose X-Forwarded-For / -Proto are believed: addresses or networks,
    # comma-separated ("127.0.0.1", "10.0.0.0/8,::1"); empty: the peer address is the client's.
    trusted_proxies: str = Field(default="", alias="LOTSE_TRUSTED_PROXIES")
    # Where the web app is reached from outside (https://lotse.example.org): canonical links,
    # the atlas sitemap and chat links of the static atlas; unset: the request's own address.
    public_url: str | None = Field(default=None, alias="LOTSE_PUBLIC_URL")
    # The bot's username for t.me links; unset: asked from Telegram (getMe) when a token is set.
    telegram_bot_username: str | None = Field(default=None, alias="TELEGRAM_BOT_USERNAME")
    content_root: Path = Field(default_factory=default_content_root, alias="LOTSE_CONTENT_ROOT")
    var_dir: Path = Field(default_factory=default_var_dir, alias="LOTSE_VAR_DIR")

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Self:
        if self.environment == "production" and (problem := secret_problem(self.secret_key)):
            raise ValueError(
                f"LOTSE_SECRET_KEY {problem}. Use at least {MIN_SECRET_LENGTH} random characters, "
                f"e.g. from: {MAKE_A_SECRET}"
            )
        self.trusted_proxy_list  # noqa: B018 - refuse a malformed list at start-up
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise ValueError("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set")
        return self

    @cached_property
    def trusted_proxy_list(self) -> list[str]:
        """The trusted proxies as addresses or networks (validated)."""
        entries = [e.strip() for e in self.trusted_proxies.split(",") if e.strip()]
        for entry in entries:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"LOTSE_TRUSTED_PROXIES: {entry!r} is no IP address or network"
                ) from None
        return entries

    @cached_property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.var_dir / 'lotse.sqlite3'}"

    @property
    def cache_dir(self) -> Path:
        """Trained understanding, rebuilt whenever the content or the code changes."""
        return self.var_dir / "cache"

    @property
    def dialogs_dir(self) -> Path:
        return self.content_root / "dialogs"

    @property
    def knowledge_dir(self) -> Path:
        return self.content_root / "knowledge"

    @property
    def locales_dir(self) -> Path:
        return self.content_root / "locales"


def secret_problem(secret: str) -> str | None:
    """What makes ``secret`` unfit for production, or None."""
    if not secret:
        return "is not set"
    if secret != secret.strip():
        return "has whitespace at its start or end"
    if len(secret) < MIN_SECRET_LENGTH:
        return f"is shorter than {MIN_SECRET_LENGTH} characters"
    lowered = secret.lower()
    if any(lowered.startswith(p) for p in _PLACEHOLDER_SECRETS) or len(set(secret)) < 8:
        return "is a placeholder, not a random value"
    return None
