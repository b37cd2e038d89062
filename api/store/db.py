"""Engines and sessions for SQLite and PostgreSQL, and schema migration with Alembic.

Several processes may migrate one database at the same moment (API replicas and workers started
together): ``upgrade_database`` lets them in one at a time, so the first migrates and the others
find the schema at its head and change nothing."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlmodel import Session


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs given without a driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, enforced foreign keys and a busy timeout."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **options
        )
        event.listen(engine, "connect", sqlite_pragmas)
        return engine
    options = {"pool_size": POOL_SIZE, "max_overflow": POOL_SIZE, **options}
    engine = create_engine(url, **options)
    _CONNECT_ARGS[engine] = dict(options.get("connect_args", {}))
    event.listen(engine, "checkin", _note_checkin)
    event.listen(engine, "checkout", partial(_ping_if_idle, engine.dialect))
    return engine


_CONNECT_ARGS: WeakKeyDictionary[Engine, dict[str, Any]] = WeakKeyDictionary()


def connect_arguments(engine: Engine) -> tuple[list[Any], dict[str, Any]]:
    """The driver's ``connect()`` arguments for a connection like those of ``engine``'s pool:
    the URL's, and the ``connect_args`` it was made with (``make_engine``)."""
    arguments, options = engine.dialect.create_connect_args(engine.url)
    return list(arguments), {**options, **_CONNECT_ARGS.get(engine, {})}


PING_AFTER_IDLE = 5.0
"""Seconds a pooled PostgreSQL connection may sit unused before it is tested on its way out of
the pool. SQLAlchemy's ``pool_pre_ping`` tests every checkout, one round trip a request: under
load that was one statement in six of a submission, for connections used milliseconds before.
A connection that has just worked and still fails (the server restarted) fails its request,
and SQLAlchemy then drops every connection of the pool, as it does for any lost connection."""
_CHECKED_IN = "transversal: checked in"


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info[_CHECKED_IN] = time.monotonic()


def _ping_if_idle(dialect: Any, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Test a connection that has been idle, as ``pool_pre_ping`` would; a dead one is
    replaced (``DisconnectionError`` makes the pool open another)."""
    since = record.info.get(_CHECKED_IN)
    if since is not None and time.monotonic() - since < PING_AFTER_IDLE:
        return
    try:
        alive = dialect.do_ping(dbapi_connection)
    except dialect.loaded_dbapi.Error as error:
        raise DisconnectionError(f"a pooled connection is gone: {error}") from error
    if not alive:
        raise DisconnectionError("a pooled connection is gone")


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """What every connection to a SQLite file is set up with."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


POOL_SIZE = 10
"""Connections an engine keeps open to PostgreSQL (up to as many more when they are all busy)."""
WRITERS = 8
"""Transactions that write, run at once on one engine by the routes that bound them (within
the pool's size, so that other requests still find a connection)."""


def concurrent_writers(engine: Engine) -> int:
    """How many write transactions to run at once on ``engine`` from one process, each in a
    thread of its own.

    Threads share one interpreter lock, and a thread coming back from the database waits its
    turn for it: a few threads at once keep the database busy, while the event loop and the
    requests of other routes (results polled around a close) keep theirs. More threads would
    only wait for the database, on SQLite in its busy handler, which sleeps in steps of up to
    100 ms."""
    size = getattr(engine.pool, "size", None)
    if engine.dialect.name == "sqlite" or not callable(size):
        return WRITERS
    return max(1, min(WRITERS, int(size())))


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose objects stay readable after the services commit."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


MIGRATION_LOCK = "transversal: schema migration"
"""What the migration lock is named after; on PostgreSQL, with the schema, its advisory key."""


def alembic_config(engine: Engine | None = None) -> Config:
    """The packaged migrations, run on ``engine`` (``api/migrations/env.py`` reads it)."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("api") / "migrations"))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest revision of the packaged migrations."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("the packaged migrations have no revision")
    return head


def database_revision(engine: Engine) -> str | None:
    """The revision the database's schema is at; None for a database never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_database(
    engine: Engine, revision: str = "head", *, waiting: Callable[[], None] | None = None
) -> None:
    """Bring the schema up to ``revision`` with the packaged Alembic migrations, one process at
    a time (``migration_lock``).

    Of several processes started together on a fresh database, the first migrates; the others
    wait for it (calling ``waiting`` first, when given), then find the schema at ``revision``
    and change nothing. A schema already at the head is left alone without taking the lock.
    """
    if _is_at(engine, revision):
        return
    with migration_lock(engine, waiting=waiting):
        if not _is_at(engine, revision):  # else another process migrated it while this one waited
            command.upgrade(alembic_config(engine), revision)


def _is_at(engine: Engine, revision: str) -> bool:
    """Whether the schema is known to be at ``revision`` already (answered for the head only)."""
    return revision == "head" and database_revision(engine) == head_revision()


@contextmanager
def migration_lock(engine: Engine, *, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the database's migration lock for the time of the block, waiting for it as long as
    another process holds it (calling ``waiting`` once first, when given).

    On PostgreSQL, a session-level advisory lock whose key is derived from the schema the
    migrations write in, so that two schemas of one database migrate side by side; on a SQLite
    file, an exclusive ``flock`` on ``<database>.migrate.lock`` beside it. An in-memory SQLite
    database is seen by one process only and needs none.
    """
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, waiting):
            yield
    elif engine.dialect.name == "sqlite":
        path = _sqlite_lock_path(engine)
        if path is None:
            yield
        else:
            with _file_lock(path, waiting):
                yield
    else:
        raise ValueError(f"no migration lock for {engine.dialect.name} databases")


def advisory_lock_key(schema: str) -> int:
    """The signed 64-bit key of the migration lock of ``schema`` on PostgreSQL: the same in every
    process and every release, as Python's ``hash`` of a string is not."""
    digest = hashlib.blake2b(f"{MIGRATION_LOCK} in {schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def _advisory_lock(engine: Engine, waiting: Callable[[], None] | None) -> Iterator[None]:
    # A connection of its own, in autocommit so that it holds no transaction open beside the
    # migration's: a session-level lock outlives transactions, and only the unlock (or the end of
    # the session) releases it.
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        schema = connection.execute(text("SELECT current_schema()")).scalar() or ""
        key = {"key": advisory_lock_key(schema)}
        taken = connection.execute(
            text("SELECT pg_try_advisory_lock(CAST(:key AS bigint))"), key
        ).scalar_one()
        if not taken:
            if waiting is not None:
                waiting()
            connection.execute(text("SELECT pg_advisory_lock(CAST(:key AS bigint))"), key)
        try:
            yield
        finally:
            try:
                connection.execute(text("SELECT pg_advisory_unlock(CAST(:key AS bigint))"), key)
            except DBAPIError:
                # The session is broken, and the server released its locks with it; the
                # connection must not go back to the pool, nor this error hide the migration's.
                connection.invalidate()
    finally:
        connection.close()


def _sqlite_lock_path(engine: Engine) -> Path | None:
    """``<database>.migrate.lock`` beside a SQLite file; None for a database in memory."""
    database = engine.url.database
    if not database or database == ":memory:" or engine.url.query.get("mode") == "memory":
        return None
    return Path(f"{database.removeprefix('file:')}.migrate.lock")


@contextmanager
def _file_lock(path: Path, waiting: Callable[[], None] | None) -> Iterator[None]:
    import fcntl  # POSIX only, as the deployment is

    # The file is left in place afterwards: removing it would let a process that has opened the
    # old file and one that creates a new one each hold "the" lock.
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
