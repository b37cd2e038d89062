"""Settings from the environment, read once through ``get_settings()``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url


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

    queue_url: str = ""
    """``QUEUE_URL``: where the queue of jobs (the batches of reports) lives. Empty: a SQLite
    file in the data folder, whose jobs ``transversal serve`` runs itself (or ``transversal
    worker`` beside it); ``redis://host:6379/0``: Redis, whose jobs ``transversal worker`` runs,
    on as many machines as needed."""
    data_dir: Path | None = None
    """``DATA_DIR``: the folder of the files kept beside the database (the queue's file, the
    rendered reports); by default ``<name>-data`` beside a SQLite database ``<name>.sqlite``,
    else ``transversal-data`` in the working directory."""
    report_workers: int | None = None
    """``REPORT_WORKERS``: processes rendering a batch of reports; by default one per CPU."""

    def data_folder(self) -> Path:
        """``DATA_DIR``, or its default (not created here: whoever writes in it does)."""
        if self.data_dir is not None:
            return self.data_dir
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            database = Path(str(url.database))
            return database.with_name(f"{database.stem}-data")
        return Path("transversal-data")

    @field_validator("queue_url")
    @classmethod
    def _known_queue(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("QUEUE_URL must be empty (SQLite) or a redis:// URL")
        return value

    @field_validator("report_workers")
    @classmethod
    def _some_workers(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError("REPORT_WORKERS must be 1 or more")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
            raise ValueError("DATABASE_URL must be a sqlite:/// or postgresql:// URL")
        return value


@cache
def get_settings() -> Settings:
    return Settings()
