"""A submission's transaction, sent on the pool's DB-API connection.

A submission is the request that comes by the thousand on a Monday morning: it reads the
token's invitation and campaign, and uses the invitation up while storing the response. Its
statements are the ones ``repositories`` builds with SQLAlchemy Core (the same SQL, the same
guard on ``used``), compiled once per dialect; what this module leaves out is the per-request
work around them: the session and its transaction bookkeeping, the statement cache lookup,
the result objects and the driver's column descriptions. Values go through the columns' own
type processors, so they are stored and read exactly as the ORM stores and reads them.

Errors of the driver come out as SQLAlchemy's (``sqlalchemy.exc.DBAPIError`` and its
subclasses), as from any other statement of the service, and a connection found broken is
dropped from the pool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement

from api.store import repositories as repo
from api.store.models import Campaign, Invitation, ResponseCreate


@dataclass(frozen=True)
class _Compiled:
    """A statement compiled for one dialect, with what its parameters need."""

    sql: str
    positions: Sequence[str] | None
    """The parameters' order for a positional paramstyle (SQLite's ``?``); None for names."""
    fixed: Mapping[str, Any]
    """The values the statement carries itself (``used = true``)."""
    bind: Mapping[str, Callable[[Any], Any]]
    """The columns' bind processors (JSON to text, dates), by parameter."""
    results: Sequence[Callable[[Any], Any] | None]
    """The result processors of the columns it returns, in order."""

    @classmethod
    def of(cls, statement: ClauseElement, dialect: Dialect) -> _Compiled:
        compiled: Any = statement.compile(dialect=dialect)
        # The parameters by the names the SQL gives them.
        named = [(name, parameter) for parameter, name in compiled.bind_names.items()]
        bind = {}
        for name, parameter in named:
            processor = parameter.type._cached_bind_processor(dialect)
            if processor is not None:
                bind[name] = processor
        fixed = {
            name: parameter.effective_value for name, parameter in named if not parameter.required
        }
        columns = getattr(statement, "selected_columns", ())
        results = [column.type._cached_result_processor(dialect, None) for column in columns]
        positions = tuple(compiled.positiontup) if compiled.positional else None
        return cls(compiled.string, positions, fixed, bind, results)

    def parameters(self, values: Mapping[str, Any]) -> Any:
        merged = {**self.fixed, **values}
        for name, processor in self.bind.items():
            merged[name] = processor(merged[name])
        if self.positions is None:
            return merged
        return tuple(merged[name] for name in self.positions)

    def row(self, raw: Sequence[Any]) -> list[Any]:
        return [
            value if processor is None else processor(value)
            for value, processor in zip(raw, self.results, strict=True)
        ]


@dataclass(frozen=True)
class _Statements:
    read: _Compiled
    use: _Compiled
    insert: _Compiled
    use_and_store: _Compiled | None
    """PostgreSQL's one statement for both; None where the database has none (SQLite)."""


_COMPILED: dict[str, _Statements] = {}


def _statements(dialect: Dialect) -> _Statements:
    found = _COMPILED.get(dialect.name)
    if found is None:
        together = repo.USE_AND_STORE if dialect.name == "postgresql" else None
        found = _Statements(
            read=_Compiled.of(repo.SUBMISSION_LOCKED, dialect),
            use=_Compiled.of(repo.USE_INVITATION, dialect),
            insert=_Compiled.of(
                repo.INSERT_RESPONSE.values(
                    {name: bindparam(name) for name in repo.RESPONSE_COLUMNS}
                ),
                dialect,
            ),
            use_and_store=None if together is None else _Compiled.of(together, dialect),
        )
        _COMPILED[dialect.name] = found
    return found


class SubmissionTransaction:
    """One submission's transaction: ``invitation_and_campaign`` (the invitation's row held
    until the end, where the database can), then ``store`` and ``commit``. Without
    ``commit`` nothing it wrote is kept."""

    def __init__(self, dialect: Dialect, connection: Any) -> None:
        self._dialect = dialect
        self._connection = connection
        self._cursor = connection.cursor()
        self._statements = _statements(dialect)

    def invitation_and_campaign(self, *, token_hash: str) -> tuple[Invitation, Campaign] | None:
        """As ``repositories.invitation_and_campaign`` with ``lock``."""
        read = self._statements.read
        self._cursor.execute(read.sql, read.parameters({"token_hash": token_hash}))
        raw = self._cursor.fetchone()
        return None if raw is None else repo.submission_row(read.row(raw))

    def store(
        self, *, invitation_id: int, campaign_id: int, response: ResponseCreate, day: date
    ) -> bool:
        """As ``repositories.store_submission``: False, with nothing changed, if the
        invitation was used already."""
        row = repo.response_row(campaign_id, response, day)
        statements = self._statements
        if statements.use_and_store is not None:
            values = {f"response_{name}": value for name, value in row.items()}
            together = statements.use_and_store
            self._cursor.execute(
                together.sql, together.parameters({"invitation_id": invitation_id, **values})
            )
            return bool(self._cursor.rowcount == 1)
        self._cursor.execute(
            statements.use.sql, statements.use.parameters({"invitation_id": invitation_id})
        )
        if self._cursor.rowcount != 1:
            return False
        self._cursor.execute(statements.insert.sql, statements.insert.parameters(row))
        return True

    def commit(self) -> None:
        self._connection.commit()


@contextmanager
def submission_transaction(engine: Engine) -> Iterator[SubmissionTransaction]:
    """A connection of ``engine``'s pool for one submission, given back at the end, rolled
    back unless committed. A driver error is raised as SQLAlchemy raises it."""
    dialect = engine.dialect
    pooled = engine.raw_connection()
    try:
        connection = pooled.driver_connection
        try:
            yield SubmissionTransaction(dialect, connection)
        except dialect.loaded_dbapi.Error as error:
            broken = dialect.is_disconnect(error, connection, None)
            if broken:
                pooled.invalidate(error)
            raise DBAPIError.instance(
                None,
                None,
                error,
                dialect.loaded_dbapi.Error,
                connection_invalidated=broken,
                dialect=dialect,
            ) from error
    finally:
        # Back to the pool, which rolls back whatever was not committed.
        pooled.close()
