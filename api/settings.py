"""Settings from the environment, read once through ``get_settings()``."""

from __future__ import annotations

from email.utils import parseaddr
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, field_validator, model_validator
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
    job_lease_seconds: int = 300
    """``JOB_LEASE_SECONDS``: how long a job's work may go unheard of before it is taken to
    have lost its worker (killed, or its machine gone) and is queued again, to resume."""

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

    @field_validator("job_lease_seconds")
    @classmethod
    def _some_lease(cls, value: int) -> int:
        if value < 1:
            raise ValueError("JOB_LEASE_SECONDS must be 1 or more")
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

    # -- e-mail (``api.jobs.mail``) ---------------------------------------------------------------

    smtp_host: str = ""
    """``SMTP_HOST``: the server invitations, reminders and notices are sent through. Empty:
    each message is written as an ``.eml`` file in ``MAIL_DIR`` instead, and nothing is sent."""
    smtp_port: int | None = None
    """``SMTP_PORT``: by default 587 with STARTTLS, 465 with TLS, 25 without."""
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    """``SMTP_SECURITY``: ``starttls`` (upgrade the connection), ``tls`` (TLS from the first
    byte) or ``none`` (plain text: only to a server on this machine or a trusted network)."""
    smtp_username: str = ""
    """``SMTP_USERNAME``: sign in with this name and ``SMTP_PASSWORD``; empty: no sign-in."""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout: float = 30.0
    """``SMTP_TIMEOUT``: seconds to wait for the server before the attempt counts as failed."""
    mail_from: str = "Transversal <transversal@localhost>"
    """``MAIL_FROM``: the sender of every message, ``Name <address>`` or an address."""
    mail_rate_per_minute: int = 60
    """``MAIL_RATE_PER_MINUTE``: at most this many messages leave per minute, however many
    workers send them."""
    mail_max_attempts: int = 8
    """``MAIL_MAX_ATTEMPTS``: tries of a message the server defers or cannot take (down,
    busy) before it is marked failed."""
    mail_retry_seconds: float = 60.0
    """``MAIL_RETRY_SECONDS``: the wait after a first failed try; it doubles with each try."""
    mail_dir: Path | None = None
    """``MAIL_DIR``: where messages are written as ``.eml`` files when ``SMTP_HOST`` is empty;
    by default ``mail`` in the data folder."""

    def mail_folder(self) -> Path:
        """``MAIL_DIR``, or ``mail`` in the data folder."""
        return self.mail_dir if self.mail_dir is not None else self.data_folder() / "mail"

    @field_validator("mail_from")
    @classmethod
    def _sender_address(cls, value: str) -> str:
        _name, address = parseaddr(value)
        if "@" not in address or any(c.isspace() for c in address):
            raise ValueError("MAIL_FROM must be an address, or 'Name <address>'")
        return value

    @field_validator("mail_rate_per_minute", "mail_max_attempts")
    @classmethod
    def _one_or_more(cls, value: int) -> int:
        if value < 1:
            raise ValueError("MAIL_RATE_PER_MINUTE and MAIL_MAX_ATTEMPTS must be 1 or more")
        return value

    @field_validator("mail_retry_seconds", "smtp_timeout")
    @classmethod
    def _positive_seconds(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("MAIL_RETRY_SECONDS and SMTP_TIMEOUT must be more than 0")
        return value

    @model_validator(mode="after")
    def _no_password_in_clear(self) -> Settings:
        # A password sent without TLS can be read on the way, unless the way is this machine.
        loopback = self.smtp_host in ("localhost", "127.0.0.1", "::1")
        if self.smtp_username and self.smtp_security == "none" and not loopback:
            raise ValueError(
                "SMTP_USERNAME is set with SMTP_SECURITY=none: the password would cross the"
                " network in clear; use starttls or tls"
            )
        return self

    def smtp_port_or_default(self) -> int:
        if self.smtp_port is not None:
            return self.smtp_port
        return {"starttls": 587, "tls": 465, "none": 25}[self.smtp_security]

    # -- guessing limits (``api.services.rate_limits``) -------------------------------------------
    #
    # Only failures are counted, so a crowd behind one address (a company's NAT) is never held
    # by normal use: a respondent who mistypes a link, or a person who mistypes a password, now
    # and then. Every limit is a number of failures in a window opened by the first of them;
    # once reached, the client (or the account) is answered 429 with ``Retry-After`` until the
    # window ends. 0 turns a limit off (for a benchmark, say). The client is the address the
    # server reports: behind a proxy, run uvicorn with ``--forwarded-allow-ips`` set to the
    # proxy's address, or every client counts as the proxy.

    rate_limit_url: str = ""
    """``RATE_LIMIT_URL``: where the counts of failures are kept. Empty: the database (table
    ``ratelimit``), shared by every process and replica on it; ``redis://host:6379/0``: Redis,
    which spares the database a write per failure."""
    rate_limit_tokens: int = 20
    """``RATE_LIMIT_TOKENS``: respondent links that do not exist (API and pages), per client
    and window. A link holds 192 random bits, so no number of tries finds one: the limit stops
    the scanning itself, and 20 leaves room for a whole office mistyping links."""
    rate_limit_keys: int = 20
    """``RATE_LIMIT_KEYS``: wrong or revoked API keys, per client and window; a script with
    an outdated key stops long before this, and a key is as unguessable as a link."""
    rate_limit_window_seconds: int = 300
    """``RATE_LIMIT_WINDOW_SECONDS``: the window of the two limits above."""
    rate_limit_sign_ins_per_account: int = 5
    """``RATE_LIMIT_SIGN_INS_PER_ACCOUNT``: failed sign-ins to one address, from anywhere, per
    sign-in window: a password is guessable, so an account gets as few tries as its owner
    needs (the same five as the account's own lock), however many addresses guess."""
    rate_limit_sign_ins_per_client: int = 20
    """``RATE_LIMIT_SIGN_INS_PER_CLIENT``: failed sign-ins from one client, to any addresses,
    per sign-in window: one common password tried against many accounts stops here."""
    rate_limit_sign_in_window_seconds: int = 900
    """``RATE_LIMIT_SIGN_IN_WINDOW_SECONDS``: the window of the sign-in limits (15 minutes, as
    the account's own lock)."""

    @field_validator("rate_limit_url")
    @classmethod
    def _known_rate_limit_store(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("RATE_LIMIT_URL must be empty (the database) or a redis:// URL")
        return value

    @field_validator(
        "rate_limit_tokens",
        "rate_limit_keys",
        "rate_limit_sign_ins_per_account",
        "rate_limit_sign_ins_per_client",
    )
    @classmethod
    def _limit_or_off(cls, value: int) -> int:
        if value < 0:
            raise ValueError("a RATE_LIMIT_ limit must be 0 (off) or more")
        return value

    @field_validator("rate_limit_window_seconds", "rate_limit_sign_in_window_seconds")
    @classmethod
    def _some_window(cls, value: int) -> int:
        if not 1 <= value <= 86_400:
            raise ValueError("a RATE_LIMIT_ window must be from 1 to 86400 seconds")
        return value


@cache
def get_settings() -> Settings:
    return Settings()
