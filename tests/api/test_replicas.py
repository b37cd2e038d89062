"""The production set-up of docs/production.md on one machine: API replicas and workers started
together on one fresh PostgreSQL database (and Redis), as processes of the real command."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from api.store.db import head_revision, make_engine
from tests.api.test_migration_lock import fresh_postgres_database

pytestmark = pytest.mark.postgres

# Database 13: apart from tests/api/test_jobs_queue.py's 15; nothing is queued here.
REDIS_URL = "redis://127.0.0.1:6379/13"
STARTING = 60.0
"""Seconds a process may take to come up on a loaded machine."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(database_url: str, data_dir: Path, queue_url: str = "") -> dict[str, str]:
    settings = ("DATABASE_URL", "QUEUE_URL", "DATA_DIR", "PUBLIC_URL", "REPORT_WORKERS")
    environment = {k: v for k, v in os.environ.items() if k not in settings}
    environment.update(DATABASE_URL=database_url, DATA_DIR=str(data_dir), QUEUE_URL=queue_url)
    return environment


def _transversal(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "api.cli", *arguments]


@contextmanager
def _started(
    commands: Sequence[list[str]], *, environment: dict[str, str], folder: Path
) -> Iterator[list[tuple[subprocess.Popen[bytes], Path]]]:
    """The commands started one straight after the other, each with its log; every one is
    stopped at the end (SIGTERM, then SIGKILL for one that lingers)."""
    processes: list[tuple[subprocess.Popen[bytes], Path]] = []
    try:
        for number, command in enumerate(commands):
            log = folder / f"process-{number}.log"
            with log.open("wb") as sink:
                process = subprocess.Popen(
                    command, stdout=sink, stderr=subprocess.STDOUT, env=environment, cwd=folder
                )
            processes.append((process, log))
        yield processes
    finally:
        for process, _ in processes:
            if process.poll() is None:
                process.terminate()
        for process, _ in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_serving(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTING
    while True:
        assert process.poll() is None, f"{base} stopped:\n{log.read_text()}"
        try:
            if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{base} never answered:\n{log.read_text()}"
        time.sleep(0.2)


def _wait_until_said(words: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTING
    while words not in log.read_text():
        assert process.poll() is None, f"stopped before saying {words!r}:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"never said {words!r}:\n{log.read_text()}"
        time.sleep(0.2)


def _admin_key(environment: dict[str, str], folder: Path) -> str:
    made = subprocess.run(
        _transversal("init", "--org", "Acme Care"),
        env=environment,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=STARTING,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    found = re.search(r"tvk_[A-Za-z0-9_-]+", made.stdout)
    assert found, made.stdout
    return found.group(0)


def _one_replica_writes_and_the_other_reads(
    first: str, second: str, environment: dict[str, str], folder: Path
) -> None:
    headers = {"Authorization": f"Bearer {_admin_key(environment, folder)}"}
    root = httpx.post(
        f"{first}/api/v1/units",
        json={"name": "Acme Care", "kind": "organisation"},
        headers=headers,
    )
    assert root.status_code == 201, root.text
    team = httpx.post(
        f"{second}/api/v1/units",
        json={"name": "Night shift", "kind": "team", "parent_id": root.json()["id"]},
        headers=headers,
    )
    assert team.status_code == 201, team.text
    for base in (first, second):
        units = httpx.get(f"{base}/api/v1/units", headers=headers)
        assert units.status_code == 200, units.text
        assert sorted(u["name"] for u in units.json()) == ["Acme Care", "Night shift"]


def _versions(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version"))
            return list(rows.scalars())
    finally:
        engine.dispose()


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:  # refused, timed out, not a Redis: no queue to test with
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")


def test_two_replicas_started_together_on_a_fresh_database_both_come_up_and_share_it(
    tmp_path: Path,
) -> None:
    ports = [_free_port(), _free_port()]
    with fresh_postgres_database() as url:
        environment = _environment(url, tmp_path / "data")
        serving = [_transversal("serve", "--no-jobs", "--port", str(p)) for p in ports]
        with _started(serving, environment=environment, folder=tmp_path) as replicas:
            bases = [f"http://127.0.0.1:{port}" for port in ports]
            for base, (process, log) in zip(bases, replicas, strict=True):
                _wait_until_serving(base, process, log)
            _one_replica_writes_and_the_other_reads(*bases, environment, tmp_path)
        assert _versions(url) == [head_revision()]


def test_two_replicas_and_two_redis_workers_started_together_all_come_up(tmp_path: Path) -> None:
    """The worked example of docs/production.md: two API processes and two workers on one
    PostgreSQL database and one Redis, all started at the same moment on an empty database."""
    _redis_or_skip()
    ports = [_free_port(), _free_port()]
    with fresh_postgres_database() as url:
        environment = _environment(url, tmp_path / "data", queue_url=REDIS_URL)
        commands = [
            *(_transversal("serve", "--no-jobs", "--port", str(port)) for port in ports),
            _transversal("worker"),
            _transversal("worker", "--threads", "2"),
        ]
        began = time.monotonic()
        with _started(commands, environment=environment, folder=tmp_path) as started:
            bases = [f"http://127.0.0.1:{port}" for port in ports]
            for base, (process, log) in zip(bases, started[:2], strict=True):
                _wait_until_serving(base, process, log)
            for process, log in started[2:]:
                _wait_until_said(f"running the jobs queued in {REDIS_URL}", process, log)
            _one_replica_writes_and_the_other_reads(*bases, environment, tmp_path)
            # A worker that lost the race would have died by now: give it the time to.
            time.sleep(max(0.0, 3.0 - (time.monotonic() - began)))
            for process, log in started:
                assert process.poll() is None, log.read_text()
        assert _versions(url) == [head_revision()]


def test_db_upgrade_run_three_times_at_once_migrates_once_and_names_the_revision(
    tmp_path: Path,
) -> None:
    head = head_revision()
    with fresh_postgres_database() as url:
        environment = _environment(url, tmp_path / "data")
        upgrades = [_transversal("db", "upgrade")] * 3
        with _started(upgrades, environment=environment, folder=tmp_path) as started:
            for process, log in started:
                assert process.wait(timeout=STARTING) == 0, log.read_text()
        said = [" ".join(log.read_text().split()) for _, log in started]
        assert _versions(url) == [head]
    assert all(f"database schema is up to date: revision {head}, the newest" in s for s in said)
    # One of them found the database empty; the others either waited for it or came after.
    assert sum("(it was empty)" in s for s in said) >= 1
