"""Configuration from the environment or a .env file (names and defaults in README and .env.example).

A bad value stops startup with one clear line naming the variable (`ConfigError`), never a traceback, and never
the token's value.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{10,100}$")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what setWebhook's secret_token allows


class ConfigError(Exception):
    """One line for the operator, naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None
    database_url: str = "sqlite+aiosqlite:///data/coach.db"
    # Below one second a program day rounds to nothing (days left, day numbers): refuse it at startup.
    coach_day_seconds: float = Field(default=86400, ge=1, le=86400 * 7)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    nudge_rate: float = Field(default=25, gt=0, le=30)
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    metrics_port: int | None = Field(default=None, ge=1, le=65535)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TOKEN.match(value.get_secret_value().strip()):
            # The message must not contain the value: it is a secret even when malformed.
            raise ValueError("does not look like a bot token (digits, a colon, then the secret)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            # Without it anyone who finds the URL could post updates in her name.
            raise ValueError("WEBHOOK_SECRET: required when WEBHOOK_URL is set")
        return self

    @field_validator("telegram_api_base_url", "llm_base_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value.strip()):
            raise ValueError("must be an http:// or https:// URL")
        return value.strip().rstrip("/") if value else value

    @field_validator("database_url")
    @classmethod
    def _async_url(cls, value: str) -> str:
        if not (value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        try:
            make_url(value).port  # noqa: B018 - parsing the port is what fails on "host:x/db"
        except (ArgumentError, ValueError):
            # Not the value itself: the URL may hold a password.
            raise ValueError(
                "is malformed (expected e.g. postgresql+asyncpg://user:password@host:5432/name)"
            ) from None
        return value

    @property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value().strip() if self.telegram_bot_token else None

    @property
    def secret(self) -> str | None:
        return self.webhook_secret.get_secret_value() if self.webhook_secret else None


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        variable = str(err["loc"][0]).upper() if err.get("loc") else ""
        message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        where = f"{variable}: " if variable else ""  # a model check names its variable in the message
        raise ConfigError(f"configuration error: {where}{message}") from None
