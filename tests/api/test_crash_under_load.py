"""Submissions under load against real servers: one `transversal serve` SIGKILLed twice
mid-load and started again, on SQLite and on PostgreSQL; two replicas on one PostgreSQL
database sharing the load. Every submission the server acknowledged is stored, and every
token's answers are stored once: the responses equal the invitations used, which equal the
tokens, whatever was cut off.

Sized for the suite (300 tokens, 16 clients, two kills); by hand, ``LOAD_TOKENS``,
``LOAD_CLIENTS`` and ``LOAD_KILLS`` make it larger (README, "Reliability"), and
`bench/bench_submissions.py` measures the throughput."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.api.conftest import database_url_of
from tests.api.load_support import Outcome, servers, stage_tokens, stored, submit_all

TOKENS = int(os.environ.get("LOAD_TOKENS", "300"))
CLIENTS = int(os.environ.get("LOAD_CLIENTS", "16"))
KILLS = int(os.environ.get("LOAD_KILLS", "2"))


def _check(engine: Engine, tokens: list[str], outcome: Outcome) -> None:
    assert outcome.unexpected == [], outcome.unexpected[:5]
    assert outcome.acknowledged.isdisjoint(outcome.used_before)
    assert outcome.acknowledged | outcome.used_before == set(tokens)
    responses, used = stored(engine)
    assert responses == used == len(tokens), (responses, used, len(outcome.acknowledged))


def test_a_server_killed_twice_under_load_loses_no_acknowledged_submission(
    engine: Engine, tmp_path: Path
) -> None:
    tokens = stage_tokens(engine, TOKENS)
    outcome = Outcome()
    with servers(database_url_of(engine), tmp_path) as (server,):
        load = threading.Thread(
            target=submit_all,
            args=(tokens, [server]),
            kwargs={"clients": CLIENTS, "outcome": outcome},
        )
        load.start()
        for kill in range(KILLS):
            share = (kill + 0.5) / (KILLS + 0.5)
            while len(outcome.acknowledged) < share * TOKENS and load.is_alive():
                time.sleep(0.01)
            server.kill()
            server.start()
        load.join()
    assert server.starts == KILLS + 1
    assert outcome.retries > 0, "the kills came after the load"
    _check(engine, tokens, outcome)
    assert "Traceback" not in server.log.read_text()


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_two_replicas_on_one_database_share_the_load(engine: Engine, tmp_path: Path) -> None:
    tokens = stage_tokens(engine, TOKENS)
    outcome = Outcome()
    with servers(database_url_of(engine), tmp_path, count=2) as replicas:
        submit_all(tokens, replicas, clients=CLIENTS, outcome=outcome)
        served = [r.log.read_text().count("POST /api/v1/respond/") for r in replicas]
    _check(engine, tokens, outcome)
    assert set(outcome.acknowledged) == set(tokens)
    assert all(n > TOKENS / 4 for n in served), served
