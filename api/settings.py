"""Settings from the environment, read once through ``get_settings()``."""

from __future__ import annotations

from functools import cache

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the data lives and how the service behaves.

    ``DATABASE_URL`` selects the store: SQLite by default (a file in the working directory,
    nothing to set up); ``postgresql://user@host:port/db`` for production and for several API
    replicas.
    """

    model_config = SettingsConfigDict(env_prefix="", env_file=None, extra="ignore")

    database_url: str = "sqlite:///transversal.sqlite"
    public_url: str | None = None
    """``PUBLIC_URL``: the address respondents and people signing in reach the service at
    (``https://survey.example.org``), for the links handed out; by default the address the
    request came to."""

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("PUBLIC_URL must be an https:// (or http://) address")
        return value or None

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
            raise ValueError("DATABASE_URL must be a sqlite:/// or postgresql:// URL")
        return value


@cache
def get_settings() -> Settings:
    return Settings()
