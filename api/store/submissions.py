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

On PostgreSQL, ``submission_on_loop`` sends the same statements from the event loop, awaited on
psycopg's asynchronous connections kept for it (``_LoopConnections``): no hop to a worker
thread and back, and no worker thread waiting for the interpreter's lock behind the loop.

On a SQLite file, ``transaction_without_waiting`` gives the same transaction on a connection
of its own that never waits for another writer, for the event loop to run at once: the hop to
a worker thread and back cost a submission about as much as its statements (SQLite answers in
microseconds, from the process itself). A write that would wait raises ``WouldWait`` with
nothing kept, and the caller takes the worker thread's path, which waits its turn.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from typing import Any
from weakref import WeakKeyDictionary

import orjson
import psycopg
from psycopg.types.json import set_json_dumps
from sqlalchemy import Engine, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement

from api.store import db
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
            # PostgreSQL runs each statement in a transaction of its own (see
            # ``submission_transaction``): a lock taken by the read would end with it.
            read=_Compiled.of(
                repo.SUBMISSION if together is not None else repo.SUBMISSION_LOCKED, dialect
            ),
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


class _Submission:
    """A submission's statements for one dialect, apart from the connection that sends them:
    what to send (``read``, ``writes``) and how to read what comes back (``found``), shared by
    the transaction of a worker thread and the one of the event loop."""

    def __init__(self, dialect: Dialect) -> None:
        self.statements = _statements(dialect)

    def read(self, *, token_hash: str) -> tuple[str, Any]:
        read = self.statements.read
        return read.sql, read.parameters({"token_hash": token_hash})

    def found(self, raw: Sequence[Any] | None) -> tuple[Invitation, Campaign] | None:
        return None if raw is None else repo.submission_row(self.statements.read.row(raw))

    def writes(
        self, *, invitation_id: int, campaign_id: int, response: ResponseCreate, day: date
    ) -> list[tuple[str, Any]]:
        """The statements that use the invitation up and store the response, in order; each
        must change one row, or the invitation was used already (and nothing is changed: the
        first is the guard, and PostgreSQL's is one statement for both)."""
        row = repo.response_row(campaign_id, response, day)
        statements = self.statements
        if statements.use_and_store is not None:
            values = {f"response_{name}": value for name, value in row.items()}
            together = statements.use_and_store
            return [(together.sql, together.parameters({"invitation_id": invitation_id, **values}))]
        use, insert = statements.use, statements.insert
        return [
            (use.sql, use.parameters({"invitation_id": invitation_id})),
            (insert.sql, insert.parameters(row)),
        ]


class SubmissionTransaction:
    """One submission's transaction: ``invitation_and_campaign``, then ``store`` and
    ``commit``. Without ``commit`` nothing it wrote is kept, except on PostgreSQL, where
    ``store`` is one statement kept as soon as it is run (see ``submission_transaction``)."""

    def __init__(self, dialect: Dialect, connection: Any) -> None:
        self._connection = connection
        self._cursor = connection.cursor()
        self._submission = _Submission(dialect)

    def invitation_and_campaign(self, *, token_hash: str) -> tuple[Invitation, Campaign] | None:
        """As ``repositories.invitation_and_campaign`` with ``lock``."""
        self._cursor.execute(*self._submission.read(token_hash=token_hash))
        return self._submission.found(self._cursor.fetchone())

    def store(
        self, *, invitation_id: int, campaign_id: int, response: ResponseCreate, day: date
    ) -> bool:
        """As ``repositories.store_submission``: False, with nothing changed, if the
        invitation was used already."""
        writes = self._submission.writes(
            invitation_id=invitation_id, campaign_id=campaign_id, response=response, day=day
        )
        for sql, parameters in writes:
            self._cursor.execute(sql, parameters)
            if self._cursor.rowcount != 1:
                return False
        return True

    def commit(self) -> None:
        self._connection.commit()


@contextmanager
def submission_transaction(engine: Engine) -> Iterator[SubmissionTransaction]:
    """A connection of ``engine``'s pool for one submission, given back at the end, rolled
    back unless committed. A driver error is raised as SQLAlchemy raises it.

    On PostgreSQL each statement is a transaction of its own (the connection in autocommit
    while it is lent): the read, then the one statement that uses the invitation up and stores
    the response, two round trips instead of four (BEGIN and COMMIT were one each, a third
    of the driver's work and as much of the server's). Nothing is lost by it: the write is
    one statement whose guard on ``used`` lets one submission of a token through, and a
    second one, read as unused meanwhile, stores nothing and is refused as used."""
    dialect = engine.dialect
    pooled = engine.raw_connection()
    own_transactions = dialect.name == "postgresql"
    try:
        connection: Any = pooled.driver_connection
        if own_transactions:
            connection.autocommit = True
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
            if own_transactions and pooled.is_valid:
                _back_to_transactions(pooled, connection)
    finally:
        # Back to the pool, which rolls back whatever was not committed.
        pooled.close()


def _back_to_transactions(pooled: Any, connection: Any) -> None:
    """Take a PostgreSQL connection out of autocommit before it goes back to the pool; one
    that cannot be (it is broken) is dropped from the pool instead."""
    try:
        connection.autocommit = False
    except Exception as error:  # psycopg refuses on a connection in no known state
        pooled.invalidate(error)


class WouldWait(Exception):
    """Another connection holds SQLite's write lock: the transaction would have had to wait
    for it. Nothing of the transaction was kept."""


_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
"""SQLite's primary result codes for a lock held elsewhere (the extended codes, such as
SQLITE_BUSY_SNAPSHOT, share their low byte)."""


class _OwnConnection:
    """A SQLite file's connection kept for ``transaction_without_waiting``: its busy timeout
    is 0, so a write finding the lock taken fails at once instead of sleeping; one thread
    uses it at a time (``lock``)."""

    def __init__(self, engine: Engine) -> None:
        self.lock = threading.Lock()
        self._engine = engine
        self._connection: sqlite3.Connection | None = None

    def connection(self) -> sqlite3.Connection:
        if self._connection is None:
            arguments, options = self._engine.dialect.create_connect_args(self._engine.url)
            options = {**options, "timeout": 0, "check_same_thread": False}
            connection: sqlite3.Connection = sqlite3.connect(*arguments, **options)  # type: ignore[call-overload]
            db.sqlite_pragmas(connection, None)
            self._connection = connection
        return self._connection

    def __del__(self) -> None:
        if self._connection is not None:
            self._connection.close()


_OWN: WeakKeyDictionary[Engine, _OwnConnection | None] = WeakKeyDictionary()


def _own_connection(engine: Engine) -> _OwnConnection | None:
    """The connection of ``engine`` that never waits: only for a SQLite file (an in-memory
    database is the pool's connection alone, and PostgreSQL's round trips would hold the
    caller's thread, the event loop, while the server answers)."""
    if engine not in _OWN:
        database = engine.url.database or ""
        in_file = (
            engine.dialect.name == "sqlite"
            and database not in ("", ":memory:")
            and "mode=memory" not in database
            and engine.url.query.get("mode") != "memory"
        )
        _OWN[engine] = _OwnConnection(engine) if in_file else None
    return _OWN[engine]


@contextmanager
def transaction_without_waiting(engine: Engine) -> Iterator[SubmissionTransaction | None]:
    """On a SQLite file, a submission's transaction that never waits for another writer, on
    a connection of its own; ``None`` on other databases, and while another thread is using
    that connection. A write that finds the lock taken raises ``WouldWait``, with the
    transaction rolled back; other driver errors come out as SQLAlchemy's. Uncommitted work
    is rolled back at the end."""
    own = _own_connection(engine)
    if own is None or not own.lock.acquire(blocking=False):
        yield None
        return
    try:
        connection = own.connection()
        try:
            yield SubmissionTransaction(engine.dialect, connection)
        except sqlite3.Error as error:
            connection.rollback()
            code = getattr(error, "sqlite_errorcode", None)
            if code is not None and (code & 0xFF) in _BUSY_CODES:
                raise WouldWait(str(error)) from error
            raise DBAPIError.instance(
                None, None, error, sqlite3.Error, dialect=engine.dialect
            ) from error
        finally:
            if connection.in_transaction:
                connection.rollback()
    finally:
        own.lock.release()


class AsyncSubmissionTransaction:
    """A submission on PostgreSQL sent from the event loop (``submission_on_loop``): the
    statements of ``SubmissionTransaction`` there, each a transaction of its own, awaited
    instead of waited for in a worker thread."""

    def __init__(self, dialect: Dialect, connection: Any) -> None:
        self._connection = connection
        self._submission = _Submission(dialect)

    async def invitation_and_campaign(
        self, *, token_hash: str
    ) -> tuple[Invitation, Campaign] | None:
        cursor = self._connection.cursor()
        await cursor.execute(*self._submission.read(token_hash=token_hash))
        return self._submission.found(await cursor.fetchone())

    async def store(
        self, *, invitation_id: int, campaign_id: int, response: ResponseCreate, day: date
    ) -> bool:
        writes = self._submission.writes(
            invitation_id=invitation_id, campaign_id=campaign_id, response=response, day=day
        )
        cursor = self._connection.cursor()
        for sql, parameters in writes:
            await cursor.execute(sql, parameters)
            if cursor.rowcount != 1:
                return False
        return True


class _LoopConnections:
    """PostgreSQL connections in autocommit for the submissions of one event loop, kept open
    between them: up to ``size`` in use at once, the others waiting their turn. One that sat
    idle for ``PING_AFTER_IDLE`` seconds is tested before it is used again, and one found
    broken, or left in a statement (its request cancelled), is closed."""

    def __init__(self, engine: Engine, size: int) -> None:
        self._engine = engine
        self.slots = asyncio.Semaphore(size)
        self._idle: list[tuple[Any, float]] = []

    async def give_back(self, connection: Any) -> None:
        """Keep ``connection`` for the next submission, or close it if it cannot serve one."""
        if connection.broken or connection.closed:
            # The server went away (restarted): the idle ones are likely gone too.
            await _close(connection)
            await self.close()
        elif connection.info.transaction_status != _IDLE:
            await _close(connection)  # left in a statement: its request was cancelled
        else:
            self._idle.append((connection, time.monotonic()))

    async def take(self) -> Any:
        """A connection, once a slot is held (``slots``): an idle one, tested first if it
        has been idle long, else a new one."""
        while self._idle:
            connection, since = self._idle.pop()
            if time.monotonic() - since < db.PING_AFTER_IDLE:
                return connection
            try:
                await connection.execute("SELECT 1")
                return connection
            except psycopg.Error:
                await _close(connection)
        arguments, options = db.connect_arguments(self._engine)
        connection = await psycopg.AsyncConnection.connect(*arguments, **options, autocommit=True)
        # The answers' JSON: orjson's, ten times quicker than the standard library's (on
        # PostgreSQL the JSONB stored is the same whatever the spacing of the text sent).
        set_json_dumps(orjson.dumps, context=connection)
        return connection

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection, _ in idle:
            await _close(connection)

    def __del__(self) -> None:
        # The loop is gone (a test client's): end the sessions without it.
        for connection, _ in self._idle:
            connection.pgconn.finish()


_IDLE = psycopg.pq.TransactionStatus.IDLE


async def _close(connection: Any) -> None:
    with suppress(psycopg.Error):
        await connection.close()


_ON_LOOP: WeakKeyDictionary[Engine, WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopConnections]]
_ON_LOOP = WeakKeyDictionary()


_LAST: tuple[Engine, asyncio.AbstractEventLoop, _LoopConnections] | None = None
"""The connections last asked for, found again without the two weak dictionaries' lookups
(a server has one engine and one loop)."""

LOOP_CONNECTIONS = 16
"""Connections a process keeps for its event loop's submissions on one PostgreSQL database,
beside the pool's (``db.POOL_SIZE`` and as many more): enough that the database is kept busy
while the loop serves other requests between a statement and its answer; with 8 the
submissions waited for a connection more often, and 64 did no better."""


def _loop_connections(engine: Engine, *, create: bool = True) -> _LoopConnections | None:
    global _LAST
    loop = asyncio.get_running_loop()
    last = _LAST
    if last is not None and last[0] is engine and last[1] is loop:
        return last[2]
    by_loop = _ON_LOOP.setdefault(engine, WeakKeyDictionary())
    found = by_loop.get(loop)
    if found is None and create:
        found = by_loop[loop] = _LoopConnections(engine, LOOP_CONNECTIONS)
    if found is not None:
        _LAST = (engine, loop, found)
    return found


def submits_on_loop(engine: Engine) -> bool:
    """Whether ``submission_on_loop`` sends ``engine``'s submissions from the event loop:
    on PostgreSQL, whose round trips are awaited there."""
    return engine.dialect.name == "postgresql"


def submission_on_loop(engine: Engine) -> _OnLoop:
    """A submission's transaction on PostgreSQL, sent from the running event loop on a
    connection kept for it (``_LoopConnections``): each statement a transaction of its own,
    as in ``submission_transaction``, so there is nothing to commit. A driver error is
    raised as SQLAlchemy raises it. Used as ``async with submission_on_loop(engine) as t``."""
    connections = _loop_connections(engine)
    assert connections is not None
    return _OnLoop(connections, engine.dialect)


class _OnLoop:
    """The block of ``submission_on_loop``: a slot and a connection of ``connections`` for
    one submission, given back at its end. One object with ``__aenter__`` and ``__aexit__``
    rather than two generator-based managers nested: those were some 2 % of the server's time
    under load."""

    __slots__ = ("_connection", "_connections", "_dialect")

    def __init__(self, connections: _LoopConnections, dialect: Dialect) -> None:
        self._connections = connections
        self._dialect = dialect
        self._connection: Any = None

    async def __aenter__(self) -> AsyncSubmissionTransaction:
        connections = self._connections
        await connections.slots.acquire()
        try:
            self._connection = await connections.take()
        except BaseException as error:
            connections.slots.release()
            if isinstance(error, psycopg.Error):
                raise self._driver_error(error) from error
            raise
        return AsyncSubmissionTransaction(self._dialect, self._connection)

    async def __aexit__(self, kind: object, error: BaseException | None, _trace: object) -> None:
        connections = self._connections
        try:
            await connections.give_back(self._connection)
        finally:
            connections.slots.release()
        if isinstance(error, psycopg.Error):
            raise self._driver_error(error) from error

    def _driver_error(self, error: psycopg.Error) -> Exception:
        # No connection: none could be opened.
        connection, dialect = self._connection, self._dialect
        broken = connection is None or dialect.is_disconnect(error, connection, None)  # type: ignore[arg-type]
        return DBAPIError.instance(
            None, None, error, psycopg.Error, connection_invalidated=broken, dialect=dialect
        )


async def close_loop_connections(engine: Engine) -> None:
    """Close the connections ``submission_on_loop`` keeps for ``engine`` on the running
    loop (the server is stopping)."""
    connections = _loop_connections(engine, create=False)
    if connections is not None:
        await connections.close()
