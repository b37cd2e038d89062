"""The submission's path: bounds on the answer set checked before any database work, the
campaign's schedule still settled on the short path, one token used once under concurrency; and
the outputs that results polling is served from, made once."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from api.services import collection
from api.services.analysis_cache import OutputCache
from api.services.collection import MAX_ANSWERS, MAX_ITEM_ID_LENGTH, AnswersIn, Fast
from api.services.errors import Conflict, NotFound, ValidationFailed
from api.services.org_chart import UnitImportRow
from api.store import db, submissions
from api.store.models import Campaign, Invitation, Response, utc_now
from api.store.submissions import close_loop_connections, transaction_without_waiting
from instrument import load_builtin
from tests.api.conftest import INSTRUMENT, Org, stage_campaign, table_counts

API = "/api/v1"
T = TypeVar("T")
ALL = dict.fromkeys(load_builtin(INSTRUMENT).item_ids, 4)


@pytest.fixture
def staged(org: Org, engine: Engine) -> tuple[int, list[str]]:
    """An open campaign of one team, and four of its tokens."""
    campaign = stage_campaign(
        engine,
        org.organisation_id,
        chart=[UnitImportRow(external_id="t", name="Team")],
        teams=["t"],
    )
    answer = org.client.post(
        f"{API}/campaigns/{campaign.campaign_id}/invitations",
        json={"unit_id": campaign.units["t"], "count": 4},
        headers=org.headers(),
    )
    return campaign.campaign_id, list(answer.json()["tokens"])


def test_a_huge_answer_set_is_refused_before_the_token_is_looked_up(
    org: Org, engine: Engine, staged: tuple[int, list[str]]
) -> None:
    huge = {**ALL, **{f"X{n:04}": 1 for n in range(MAX_ANSWERS + 1 - len(ALL))}}
    before = table_counts(engine)
    # An unknown token would be 404 once looked up: the body is refused first.
    for token in ("not-a-token", staged[1][0]):
        refused = org.client.post(f"{API}/respond/{token}", json={"answers": huge})
        assert refused.status_code == 422
        assert [e["field"] for e in refused.json()["errors"]] == ["answers"]
    assert table_counts(engine) == before
    # The token was not used up: the answers alone are accepted.
    assert (
        org.client.post(f"{API}/respond/{staged[1][0]}", json={"answers": ALL}).status_code == 204
    )


def test_an_item_id_longer_than_the_bound_is_refused() -> None:
    with pytest.raises(ValueError, match=f"at most {MAX_ITEM_ID_LENGTH} characters"):
        AnswersIn.model_validate({"answers": {"H" * (MAX_ITEM_ID_LENGTH + 1): 4}})
    # At the bound the id passes the model, and the instrument's check names it unknown.
    assert AnswersIn.model_validate({"answers": {"H" * MAX_ITEM_ID_LENGTH: 4}}).answers


def _past_its_close(engine: Engine, campaign_id: int) -> None:
    """The campaign still open, its close a minute ago (no reader has settled it yet)."""
    with Session(engine) as session:
        session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id)  # type: ignore[arg-type]
            .values(closes_at=utc_now() - timedelta(minutes=1))
        )
        session.commit()


def test_a_campaign_still_open_past_its_close_takes_no_submission(
    org: Org, engine: Engine, staged: tuple[int, list[str]]
) -> None:
    campaign_id, tokens = staged
    _past_its_close(engine, campaign_id)
    refused = org.client.post(f"{API}/respond/{tokens[0]}", json={"answers": ALL})
    assert refused.status_code == 409
    assert "closed" in refused.json()["detail"]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 0
        assert not session.scalar(select(func.count()).where(Invitation.used))  # type: ignore[arg-type]


def test_one_token_submitted_at_once_from_many_threads_is_stored_once(
    engine: Engine, staged: tuple[int, list[str]]
) -> None:
    token = staged[1][1]
    data = AnswersIn(answers=ALL)

    def submit(_: int) -> str:
        try:
            collection.submit_with(engine, token=token, data=data)
        except Conflict:
            return "conflict"
        return "stored"

    with ThreadPoolExecutor(6) as pool:
        outcomes = sorted(pool.map(submit, range(6)))
    assert outcomes == ["conflict"] * 5 + ["stored"]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 1
        used = session.scalar(select(func.count()).where(Invitation.used))  # type: ignore[arg-type]
        assert used == 1


def test_connections_go_back_to_the_pool_in_transactions_after_every_outcome(
    engine: Engine, staged: tuple[int, list[str]]
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's autocommit while a submission holds the connection")
    data = AnswersIn(answers=ALL)
    collection.submit_with(engine, token=staged[1][0], data=data)
    with pytest.raises(Conflict):
        collection.submit_with(engine, token=staged[1][0], data=data)
    with pytest.raises(NotFound):
        collection.submit_with(engine, token="tr_no-such-token", data=data)
    held = [engine.raw_connection() for _ in range(engine.pool.checkedin())]  # type: ignore[attr-defined]
    try:
        assert held
        for pooled in held:
            assert pooled.driver_connection.autocommit is False  # type: ignore[union-attr]
    finally:
        for pooled in held:
            pooled.close()
    # A session on the same pool still runs its writes in a transaction it can roll back.
    with Session(engine) as session:
        session.execute(update(Invitation).values(used=False))
        session.rollback()
        used = session.scalar(select(func.count()).where(Invitation.used))  # type: ignore[arg-type]
        assert used == 1


def test_a_submission_is_stored_at_once_where_no_other_writer_holds_the_database(
    engine: Engine, staged: tuple[int, list[str]]
) -> None:
    token = staged[1][0]
    data = AnswersIn(answers=ALL)
    before = table_counts(engine)
    done = collection.submit_without_waiting(engine, token=token, data=data)
    if engine.dialect.name != "sqlite":
        # PostgreSQL's round trips would hold the event loop: awaited there instead.
        assert done is Fast.elsewhere
        assert table_counts(engine) == before
        return
    assert done is Fast.stored
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 1
        used = session.scalar(select(func.count()).where(Invitation.used))  # type: ignore[arg-type]
        assert used == 1
    # Refused as ``submit`` refuses it, on the same path.
    with pytest.raises(Conflict):
        collection.submit_without_waiting(engine, token=token, data=data)
    with pytest.raises(NotFound):
        collection.submit_without_waiting(engine, token="tr_no-such-token", data=data)


def test_a_submission_finding_the_write_lock_taken_waits_for_it_in_a_thread(
    org: Org, engine: Engine, staged: tuple[int, list[str]]
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    token = staged[1][0]
    before = table_counts(engine)
    other = sqlite3.connect(str(engine.url.database), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer (a worker process, a second server)
    try:
        started = time.monotonic()
        done = collection.submit_without_waiting(engine, token=token, data=AnswersIn(answers=ALL))
        assert done is Fast.elsewhere
        assert time.monotonic() - started < 1  # refused at once, not after the busy timeout
        assert table_counts(engine) == before
        with ThreadPoolExecutor(1) as pool:
            posted = pool.submit(org.client.post, f"{API}/respond/{token}", json={"answers": ALL})
            time.sleep(0.3)
            assert not posted.done()  # waiting for the lock, in a worker thread
            other.execute("COMMIT")
            assert posted.result(timeout=30).status_code == 204
    finally:
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 1


def _on_loop(engine: Engine, token: str, **answers: int | None) -> Fast:
    data = AnswersIn(answers={**ALL, **answers})
    return _in_a_loop_of_its_own(_submitted_on_loop(engine, token, data))


def _in_a_loop_of_its_own(work: Coroutine[Any, Any, T]) -> T:
    """``work`` run to its end on a new event loop, in a thread of its own: this thread may
    already run a loop (a browser test's, earlier in the same worker)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, work).result()


async def _submitted_on_loop(engine: Engine, token: str, data: AnswersIn) -> Fast:
    try:
        return await collection.submit_on_loop(engine, token=token, data=data)
    finally:
        await close_loop_connections(engine)


def test_a_submission_on_the_event_loop_is_stored_or_refused_as_submit_does(
    engine: Engine, staged: tuple[int, list[str]]
) -> None:
    # Awaited on PostgreSQL; at once on a SQLite file with no other writer.
    campaign_id, tokens = staged
    skipped = next(iter(ALL))
    assert _on_loop(engine, tokens[0], **{skipped: None}) is Fast.stored
    with Session(engine) as session:
        # The answers read back as sent (on PostgreSQL, encoded by orjson), 'does not apply'
        # included.
        assert [r.answers for r in session.scalars(select(Response))] == [{**ALL, skipped: None}]
        used = session.scalar(select(func.count()).where(Invitation.used))  # type: ignore[arg-type]
        assert used == 1
    # Refused as ``submit`` refuses it, with nothing written.
    stored = table_counts(engine)
    with pytest.raises(Conflict):
        _on_loop(engine, tokens[0])
    with pytest.raises(NotFound):
        _on_loop(engine, "tr_no-such-token")
    with pytest.raises(ValidationFailed):
        _on_loop(engine, tokens[1], **{next(iter(ALL)): 99})
    assert table_counts(engine) == stored
    # A campaign past its close is left to the path that settles it first.
    _past_its_close(engine, campaign_id)
    assert _on_loop(engine, tokens[1]) is Fast.settle_first
    assert table_counts(engine) == stored


def _backend_of(connection: object) -> int:
    return int(connection.info.backend_pid)  # type: ignore[attr-defined]


def test_a_loop_connection_the_server_dropped_is_never_used_again(
    engine: Engine, staged: tuple[int, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's connections kept on the event loop")
    tokens = staged[1]

    async def submit(token: str) -> Fast:
        return await collection.submit_on_loop(engine, token=token, data=AnswersIn(answers=ALL))

    async def scenario() -> None:
        try:
            assert await submit(tokens[0]) is Fast.stored
            connections = submissions._loop_connections(engine)
            assert connections is not None
            [(kept, _)] = connections._idle
            with engine.connect() as killer:
                killer.execute(select(func.pg_terminate_backend(_backend_of(kept))))
            # Idle past the threshold (0 here): tested before use, found dead, replaced.
            monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.0)
            assert await submit(tokens[1]) is Fast.stored
            [(replaced, _)] = connections._idle
            assert replaced is not kept
            # Dropped just after use: that one request fails, with nothing stored, and the
            # connection is not kept; the next request opens another.
            monkeypatch.setattr(db, "PING_AFTER_IDLE", 60.0)
            with engine.connect() as killer:
                killer.execute(select(func.pg_terminate_backend(_backend_of(replaced))))
            stored = table_counts(engine)
            with pytest.raises(DBAPIError):
                await submit(tokens[2])
            assert table_counts(engine) == stored
            assert connections._idle == []
            assert await submit(tokens[2]) is Fast.stored
        finally:
            await close_loop_connections(engine)

    _in_a_loop_of_its_own(scenario())
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 3


def test_a_database_that_cannot_be_reached_gives_each_submission_an_error_and_its_slot_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No connection can be opened (the server is down): every submission fails as a lost
    connection does, and gives its slot back. Twice as many as there are slots all fail;
    a slot kept by each would have made the later ones wait for ever."""
    monkeypatch.setattr(submissions, "LOOP_CONNECTIONS", 2)
    nowhere = db.make_engine("postgresql+psycopg://postgres@127.0.0.1:1/test")

    async def scenario() -> list[bool]:
        lost = []
        for _ in range(4):
            with pytest.raises(DBAPIError) as refused:
                await asyncio.wait_for(
                    collection.submit_on_loop(nowhere, token="tr_any", data=AnswersIn(answers=ALL)),
                    timeout=10,
                )
            lost.append(refused.value.connection_invalidated)
        return lost

    assert _in_a_loop_of_its_own(scenario()) == [True] * 4
    nowhere.dispose()


def test_an_in_memory_database_is_never_written_beside_the_pool() -> None:
    from api.store.db import make_engine

    memory = make_engine("sqlite://")
    with transaction_without_waiting(memory) as transaction:
        assert transaction is None


def test_an_output_asked_for_by_many_requests_at_once_is_made_once() -> None:
    outputs = OutputCache(size=2)
    made: list[str] = []

    def make(key: str) -> str:
        time.sleep(0.05)  # the others ask meanwhile
        made.append(key)
        return f"output of {key}"

    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(lambda _: outputs.get("a", lambda: make("a")), range(4)))
    assert found == ["output of a"] * 4
    assert made == ["a"]
    # A new key (a new snapshot) is made anew; the oldest beyond the size is forgotten.
    outputs.get("b", lambda: make("b"))
    outputs.get("c", lambda: make("c"))
    outputs.get("a", lambda: make("a"))
    assert made == ["a", "b", "c", "a"]
