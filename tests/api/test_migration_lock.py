"""Migrations under a lock: processes that migrate one fresh database at the same moment (API
replicas and workers started together) all succeed, and the schema is migrated once."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url

from api.store.db import (
    advisory_lock_key,
    alembic_config,
    database_revision,
    head_revision,
    make_engine,
    migration_lock,
    normalise_url,
    upgrade_database,
)
from tests.conftest import _postgres_unavailable, _postgres_url

KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

# A process that imports what it needs, connects, says it is ready, waits for the word and
# migrates: the parent says the word to all at once, so that they race as replicas do.
MIGRATING = """
import logging, sys
from alembic import command
from api.store.db import alembic_config, make_engine, upgrade_database

logging.basicConfig(level=logging.WARNING)
logging.getLogger("alembic").setLevel(logging.INFO)
engine = make_engine(sys.argv[1])
engine.connect().close()
print("ready", flush=True)
sys.stdin.readline()
if sys.argv[2] == "locked":
    upgrade_database(engine)
else:
    command.upgrade(alembic_config(engine), "head")
"""


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """The URL of a new, empty database on the server of TEST_POSTGRES_URL, dropped afterwards
    (with whatever connections are still open to it)."""
    server = make_url(normalise_url(_postgres_url()))
    name = f"transversal_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any connection failure: the server is not there
        admin.dispose()
        _postgres_unavailable(str(exc).splitlines()[0])
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """The URL of a new, empty database of ``kind``: a SQLite file in ``folder``, or a
    PostgreSQL database of its own."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'fresh.sqlite'}"
        return
    with fresh_postgres_database() as url:
        yield url


def _migrate_at_once(url: str, *, processes: int, locked: bool) -> list[tuple[int, str]]:
    """Start ``processes`` processes migrating ``url``, let them go at the same moment, and
    return each one's exit code and what it wrote to stderr."""
    started = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATING, url, "locked" if locked else "bare"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    try:
        for process in started:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready", process.communicate()[1]
        for process in started:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        outcomes = []
        for process in started:
            _, said = process.communicate(timeout=120)
            outcomes.append((process.returncode, said))
        return outcomes
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait()


def _version_rows(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", KINDS)
def test_four_processes_migrating_a_fresh_database_at_once_all_succeed_and_it_migrates_once(
    kind: str, tmp_path: Path
) -> None:
    head = head_revision()
    with fresh_database(kind, tmp_path) as url:
        outcomes = _migrate_at_once(url, processes=4, locked=True)
        assert [code for code, _ in outcomes] == [0] * 4, "\n".join(e for _, e in outcomes)
        assert _version_rows(url) == [head]
    # Alembic logs every step it runs: the last one was run by one process of the four.
    ran_it = [said for _, said in outcomes if "Running upgrade" in said]
    assert len(ran_it) == 1, "\n".join(e for _, e in outcomes)
    assert ran_it[0].count(f"-> {head},") == 1


@pytest.mark.postgres
def test_without_the_lock_processes_started_together_do_race() -> None:
    """The failure of the issue, shown so that the test above is known to test something: bare
    ``alembic upgrade`` in four processes at once on a fresh database. One process may happen to
    finish before the others start, so up to three attempts."""
    for _ in range(3):
        with fresh_postgres_database() as url:
            outcomes = _migrate_at_once(url, processes=4, locked=False)
        failed = [said for code, said in outcomes if code != 0]
        if failed:
            assert len(failed) < 4, "one of them migrates"
            assert all("psycopg.errors" in said for said in failed), failed[0]
            return
    pytest.fail("four bare migrations at once never collided in three attempts")


@pytest.mark.parametrize("kind", KINDS)
def test_a_process_finding_the_lock_taken_waits_then_finds_nothing_to_do(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    told = threading.Event()
    outcome: list[object] = []
    with fresh_database(kind, tmp_path) as url:
        holder, waiter = make_engine(url), make_engine(url)

        def migrate() -> None:
            try:
                upgrade_database(waiter, waiting=told.set)
                outcome.append("done")
            except Exception as exc:
                outcome.append(exc)

        with caplog.at_level(logging.INFO, logger="alembic"):
            with migration_lock(holder):
                thread = threading.Thread(target=migrate)
                thread.start()
                assert told.wait(timeout=30), outcome
                assert thread.is_alive(), "it waits for the lock"
                assert database_revision(holder) is None
                command.upgrade(alembic_config(holder), "head")
            thread.join(timeout=30)
        revision = database_revision(waiter)
        holder.dispose()
        waiter.dispose()
    assert outcome == ["done"]
    assert revision == head_revision()
    steps = [m for m in caplog.messages if m.startswith("Running upgrade")]
    assert len(steps) == len(set(steps)), "no step ran twice"
    assert sum(f"-> {revision}," in step for step in steps) == 1


def test_a_sqlite_file_is_locked_beside_it_and_a_database_in_memory_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    in_memory = make_engine("sqlite://")
    upgrade_database(in_memory)
    assert database_revision(in_memory) == head_revision()
    in_memory.dispose()
    assert list(tmp_path.iterdir()) == []
    on_file = make_engine(f"sqlite:///{tmp_path / 'survey.sqlite'}")
    upgrade_database(on_file)
    on_file.dispose()
    assert (tmp_path / "survey.sqlite.migrate.lock").is_file()


def test_the_advisory_key_is_the_same_in_every_release_and_one_per_schema() -> None:
    """Two releases side by side during an upgrade must take the same lock: the key is fixed."""
    assert advisory_lock_key("public") == -491926045839827043
    assert advisory_lock_key("test_1") != advisory_lock_key("public")
    assert -(2**63) <= advisory_lock_key("test_1") < 2**63


def test_an_already_migrated_database_is_left_alone(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'survey.sqlite'}")
    upgrade_database(engine)

    def refuse() -> None:
        raise AssertionError("it waited for the lock")

    with migration_lock(engine):
        upgrade_database(engine, waiting=refuse)
    assert database_revision(engine) == head_revision()
    engine.dispose()
