"""Fixtures shared by the test packages: the databases the storage and API tests run against."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

from api.store.db import make_engine, upgrade_database

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def _postgres_unavailable(reason: str) -> None:
    # In CI the PostgreSQL run is required: a missing server fails the suite, never skips it.
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL not reachable: {reason}")


@pytest.fixture(autouse=True, scope="session")
def _quick_password_hashes() -> Iterator[None]:
    """Hash passwords at argon2id's lowest cost: the production cost (``PASSWORD_HASHER``,
    checked in tests/api/test_accounts.py) takes about 0.1 s a hash or a check, and the
    suite's fixtures and sign-ins make thousands of them. The hashes stay argon2id."""
    from argon2 import PasswordHasher

    from api.services import accounts

    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    accounts._hasher = accounts.PASSWORD_HASHER


@pytest.fixture(autouse=True, scope="session")
def _generous_rate_limits() -> Iterator[None]:
    """The guessing limits (``api.services.rate_limits``) far above what any test sends: tests
    that send wrong keys or links by the dozen, on an app shared by a module's tests, are about
    something else. The tests of the limits (tests/api/test_rate_limits.py) set their own."""
    from api.settings import get_settings

    with pytest.MonkeyPatch.context() as patch:
        for name in (
            "RATE_LIMIT_TOKENS",
            "RATE_LIMIT_KEYS",
            "RATE_LIMIT_SIGN_INS_PER_ACCOUNT",
            "RATE_LIMIT_SIGN_INS_PER_CLIENT",
        ):
            patch.setenv(name, "1000000")
        get_settings.cache_clear()
        yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _forget_finished_apps() -> Iterator[None]:
    """Let each test's apps go once it ends. FastAPI remembers, in module-level LRU caches of
    4,096 entries each (``fastapi.dependencies.models``), whether each endpoint and dependency
    it has seen is a coroutine or a generator; an endpoint's closure holds its app, so those
    caches kept the last hundred or so apps alive, some three million objects, and every
    collection of the garbage collector then walked them all: a report that renders in 2 s
    alone took 26 s after a module of app tests. One app serves a real process, so this is a
    cost of the test suite only."""
    yield
    from fastapi.dependencies import models

    for value in vars(models).values():
        if isinstance(value, functools._lru_cache_wrapper):
            value.cache_clear()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: a fresh SQLite file, or a fresh PostgreSQL schema."""
    with migrated_database(request.param, tmp_path) as made:
        yield made


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def module_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """One migrated database of each kind for a whole module; ``emptied_database`` gives
    each test it as the migration left it. Migrating a database for every test took most of
    the time of the modules that use these two."""
    with migrated_database(request.param, tmp_path_factory.mktemp("db")) as made:
        with made.connect() as connection:
            stored = set(sa.inspect(connection).get_table_names())
            empty = all(
                connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 0
                for table in SQLModel.metadata.sorted_tables
            )
        # Emptying the tables of the models empties the database: a migration stores no rows,
        # and makes no table the models do not know, but its own version table.
        assert empty
        assert stored == {*SQLModel.metadata.tables, "alembic_version"}, stored
        yield made


@pytest.fixture
def emptied_database(module_database: Engine) -> Engine:
    """The module's database, emptied: every row of every table deleted and the ids'
    counters started again, as the migration left it. A module opts in by overriding
    ``engine`` with it (same test ids, same ``postgres`` mark)."""
    tables = list(reversed(SQLModel.metadata.sorted_tables))
    with module_database.begin() as connection:
        if module_database.dialect.name == "postgresql":
            # In one round trip (TRUNCATE takes ten times as long on tables this small): the
            # rows, then the schema's id sequences, started again at 1.
            connection.exec_driver_sql(
                "".join(f'DELETE FROM "{table.name}";' for table in tables)
                + "SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S'"
                " AND c.relnamespace = current_schema()::regnamespace"
            )
        else:
            # No table of SQLite's is AUTOINCREMENT: the next id is again 1 once it is empty.
            for table in tables:
                connection.execute(table.delete())
    return module_database


@contextmanager
def migrated_database(kind: str, folder: Path) -> Iterator[Engine]:
    """A migrated, empty database of ``kind`` (sqlite: a file in ``folder``; postgresql: a
    fresh schema, dropped afterwards)."""
    if kind == "sqlite":
        sqlite_engine = make_engine(f"sqlite:///{folder / 'test.sqlite'}")
        upgrade_database(sqlite_engine)
        yield sqlite_engine
        sqlite_engine.dispose()
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(_postgres_url())
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # any connection failure: the server is not there
        admin.dispose()
        _postgres_unavailable(str(exc).splitlines()[0])
    pg_engine = make_engine(_postgres_url(), connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade_database(pg_engine)
        yield pg_engine
    finally:
        pg_engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
