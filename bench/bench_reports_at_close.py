"""Reports ready at close (issue 13): from a campaign's close to every report stored, with one
worker and with two; and a stored report served by the API and by the leaders' portal.

Targets: two workers at least 1.8 times as fast as one (same run, same machine); a stored
report served in under 50 ms (median) by the API and the portal.

Run by hand: ``.venv/bin/python bench/bench_reports_at_close.py [--teams 200] [--workers 1 2]
[--database sqlite|postgresql] [--rounds 200]``.

It simulates an organisation with ``--teams`` eligible teams (and a few small ones, suppressed
as in a real campaign), stores it through the services and closes it (not timed). Then, for
each count of ``--workers``, on the same database: forgets what an earlier round stored,
starts that many ``transversal worker`` processes on a fresh SQLite queue (``DATA_DIR``), queues
the sweep a close queues, and times until the run is done (every team, department and
organisation report, as PDF and HTML). Last, it times ``--rounds`` requests for stored
reports inside the app (an ASGI wrapper, as ``bench_respond_form.py``): the API's PDF and HTML
of a team, and the portal's PDF and web page of the same team for a signed-in leader.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench_analysis import _store
from bench_respond_form import ServerClock
from huey import SqliteHuey
from sqlalchemy import Engine, delete, select, text
from sqlmodel import Session

from analysis import simulate_organisation
from api.app import create_app
from api.jobs.queue import Jobs
from api.services import accounts
from api.services.access import issue_key
from api.services.accounts import AccountCreate
from api.services.campaigns import close_campaign
from api.settings import Settings
from api.store.db import make_engine, session_scope
from api.store.models import (
    ApiKeyCreate,
    Campaign,
    RenderClaim,
    ReportRun,
    ReportRunStatus,
    Role,
    StoredAnalysis,
    StoredReport,
)
from instrument import load_builtin

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

SMALL_TEAMS = 10
PASSWORD = "a long enough passphrase for the bench"
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--teams", type=int, default=200)
    parser.add_argument("--team-size", type=int, default=9)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    instrument = load_builtin()
    sizes = [args.team_size] * args.teams + [3] * SMALL_TEAMS
    simulated = simulate_organisation(
        instrument=instrument, team_sizes=sizes, seed=args.seed, careless_share=0.0
    )
    with tempfile.TemporaryDirectory() as folder, _database(args.database, Path(folder)) as url:
        started = time.perf_counter()
        campaign_id = _store(url, simulated.units, simulated.responses, instrument)
        engine = make_engine(url)
        with session_scope(engine) as session:
            close_campaign(session, campaign_id=campaign_id)
        print(
            f"{args.database}: stored and closed {len(simulated.responses):,} respondents in"
            f" {len(sizes):,} teams ({args.teams:,} eligible) in"
            f" {time.perf_counter() - started:.0f} s (not timed); {os.cpu_count()} CPUs"
        )
        seconds = {}
        for workers in args.workers:
            seconds[workers] = _close_to_stored(engine, url, Path(folder), workers=workers)
        if 1 in seconds:
            for workers, took in seconds.items():
                if workers != 1:
                    print(f"{workers} workers: {seconds[1] / took:.2f} times as fast as one")
        _time_serving(engine, campaign_id, rounds=args.rounds)
        engine.dispose()


@contextmanager
def _database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite'}"
        return
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(make_engine(POSTGRES_URL).url.set(database=name).render_as_string(False))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _forget(engine: Engine) -> None:
    with Session(engine) as session:
        for model in (RenderClaim, StoredReport, StoredAnalysis, ReportRun):
            session.execute(delete(model))
        session.commit()


def _close_to_stored(engine: Engine, url: str, folder: Path, *, workers: int) -> float:
    """Seconds from the sweep a close queues to the run done, with ``workers`` processes."""
    _forget(engine)
    data = folder / f"data-{workers}"
    data.mkdir()
    environment = {**os.environ, "DATABASE_URL": url, "DATA_DIR": str(data), "QUEUE_URL": ""}
    command = [str(Path(sys.executable).with_name("transversal")), "worker"]
    logs = [(data / f"worker-{i}.log").open("w") for i in range(workers)]
    processes = [
        subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)
        for log in logs
    ]
    try:
        time.sleep(4)  # the workers are up (imports), as they are before a campaign closes
        settings = Settings(database_url=url, data_dir=data)
        huey = SqliteHuey("transversal", filename=str(data / "queue.sqlite"), results=False)
        jobs = Jobs(huey, engine=engine, reports_dir=data / "reports", settings=settings)
        started = time.perf_counter()
        jobs.reports.enqueue_sweep()
        while True:
            with Session(engine) as session:
                run = session.scalars(select(ReportRun)).first()
                stored = session.scalar(
                    text("select count(*) from storedreport where format = 'pdf'")
                )
            if run is not None and run.status in (ReportRunStatus.done, ReportRunStatus.failed):
                break
            time.sleep(0.5)
        took = time.perf_counter() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
        for log in logs:
            log.close()
    assert run is not None
    print(
        f"close to stored, {workers} worker(s): {took:.1f} s for {run.planned} reports"
        f" ({stored} stored as PDF and HTML; {run.planned / took:.2f} a second); run {run.status}"
        + (f": {run.error}" if run.error else "")
    )
    return took


def _time_serving(engine: Engine, campaign_id: int, *, rounds: int) -> None:
    with Session(engine) as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        team = session.scalar(
            select(StoredReport.unit_id).where(
                StoredReport.kind == "team", StoredReport.status == "written"
            )
        )
        assert team is not None
    with session_scope(engine) as session:
        for email, role, unit in (
            ("hr@bench.example", Role.admin, None),
            ("lead@bench.example", Role.leader, team),
        ):
            accounts.create_account(
                session,
                organisation_id=campaign.organisation_id,
                data=AccountCreate(
                    email=email, name=email, role=role, unit_id=unit, password=PASSWORD
                ),
                actor="bench",
            )
        key = issue_key(
            session,
            organisation_id=campaign.organisation_id,
            data=ApiKeyCreate(role=Role.admin),
            actor="bench",
        ).key
    clock = ServerClock(create_app(engine))
    client = TestClient(clock, base_url="https://testserver")
    api = f"/api/v1/campaigns/{campaign_id}/units/{team}"
    portal = f"/portal/campaigns/{campaign_id}/units/{team}"
    with client:
        form = client.get("/signin")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf is not None
        signed = client.post(
            "/signin",
            data={"csrf": csrf.group(1), "email": "lead@bench.example", "password": PASSWORD},
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.text
        cases = {
            "API report.pdf": f"{api}/report.pdf",
            "API report.html": f"{api}/report.html",
            "portal report.pdf": f"{portal}/report.pdf",
            "portal report page": f"{portal}/report",
        }
        headers = {"Authorization": f"Bearer {key}"}
        for label, path in cases.items():
            for _ in range(5):  # warm up
                assert client.get(path, headers=headers).status_code == 200, (label, path)
        clock.times.clear()
        for _ in range(rounds):
            for label, path in cases.items():
                clock.label = label
                answer = client.get(path, headers=headers if label.startswith("API") else None)
                assert answer.status_code == 200, (label, answer.status_code)
    print(f"stored report served, server time over {rounds} requests (median, p95):")
    for label, times in clock.times.items():
        ms = sorted(t * 1000 for t in times)
        p95 = ms[int(len(ms) * 0.95) - 1]
        print(f"  {label:<20} {statistics.median(ms):6.1f} ms {p95:6.1f} ms")


if __name__ == "__main__":
    main()
