"""PostgreSQL connections in the pool: one tested only after it has sat idle, and a dead one
replaced without the request that finds it failing; a submission's driver errors surfacing as
SQLAlchemy's, its connection given back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from api.store import db
from api.store.db import make_engine
from api.store.submissions import submission_transaction
from tests.conftest import _postgres_url, migrated_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def pooled(tmp_path: Path) -> Iterator[Engine]:
    """An engine of one pooled connection to a migrated schema of the test server."""
    with migrated_database("postgresql", tmp_path) as migrated:
        with migrated.connect() as connection:
            schema = connection.execute(text("select current_schema()")).scalar_one()
        engine = make_engine(
            _postgres_url(),
            connect_args={"options": f"-csearch_path={schema}"},
            pool_size=1,
            max_overflow=0,
        )
        yield engine
        engine.dispose()


def _backend(engine: Engine) -> int:
    with engine.connect() as connection:
        pid: int = connection.execute(text("select pg_backend_pid()")).scalar_one()
        return pid


def _terminate(pid: int) -> None:
    killer = make_engine(_postgres_url())
    with killer.connect() as connection:
        assert connection.execute(text("select pg_terminate_backend(:p)"), {"p": pid}).scalar()
    killer.dispose()


def test_a_connection_that_died_while_idle_is_replaced_before_use(
    pooled: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backend(pooled)
    _terminate(first)
    # Idle longer than the threshold (0 here): tested on its way out, found dead, replaced.
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.0)
    assert _backend(pooled) != first


def test_a_connection_used_a_moment_ago_is_not_tested_again(
    pooled: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backend(pooled)
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 3600.0)
    statements: list[str] = []

    def ping(_connection: object) -> bool:
        statements.append("ping")
        return True

    monkeypatch.setattr(pooled.dialect, "do_ping", ping)
    assert _backend(pooled) == first
    assert statements == [], "no round trip before the request's own statements"
    # Killed meanwhile, it fails the one request that finds it; the pool then starts afresh.
    _terminate(first)
    with pytest.raises(DBAPIError) as failed:
        _backend(pooled)
    assert failed.value.connection_invalidated
    assert _backend(pooled) != first


def test_a_submission_on_a_dead_connection_fails_as_sqlalchemy_says_and_the_pool_recovers(
    pooled: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backend(pooled)
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 3600.0)
    _terminate(first)
    with pytest.raises(DBAPIError) as failed, submission_transaction(pooled) as transaction:
        transaction.invitation_and_campaign(token_hash="0" * 64)
    assert failed.value.connection_invalidated
    with submission_transaction(pooled) as transaction:
        assert transaction.invitation_and_campaign(token_hash="0" * 64) is None
    assert _backend(pooled) != first
