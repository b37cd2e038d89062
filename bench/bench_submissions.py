"""Submissions a second: ``POST /api/v1/respond/{token}`` with a full answer set, on a real
server, beside a bare FastAPI endpoint served the same way in the same run.

Targets: in a closed loop of 200 clients, at least half the bare endpoint's requests a second
(same process model, same run); in an open loop at 200 submissions a second for 60 s, a p99
under 250 ms and no error; the same with 4 clients polling results meanwhile.

Run by hand: ``.venv/bin/python bench/bench_submissions.py --database sqlite|postgres
[--mode closed open] [--poll 0 4] [--poll-interval 0] [--clients 200] [--requests 6000]
[--rate 200] [--seconds 60] [--jobs] [--rate-limits]``. PostgreSQL is ``TEST_POSTGRES_URL``
(default the local server), in a fresh database that is dropped afterwards; SQLite is a fresh
file. The machine's other load moves the absolute figures: compare the rows of one run.

Staged through the services (not timed): an organisation of ``--teams`` teams, an open campaign
with one token per submission to come, and a closed campaign with responses for the polling
clients. Then, for each mode, it serves a bare app (``POST /bare/{token}`` validating a body
like the real one and answering 204) and ``transversal serve --no-jobs`` (``--jobs``: with the
queue's jobs in the process, the closed campaign's reports then rendered beside the load), each
with uvicorn's defaults in one process on a free port, with the guessing limits off (0) unless
``--rate-limits``, and loads them from a separate process (a small asyncio HTTP/1.1 client
with keep-alive). With polling, ``--poll`` more clients ask, one request after the other
(``--poll-interval`` seconds apart), for the closed campaign's results and disclosure and the
open campaign's progress, as HR and leaders do around a close.

Columns: submissions acknowledged (204) a second and their latency (in the open loop, from the
moment each was due, so a server that falls behind shows it); errors (any other status, or no
answer within ``--timeout``); the load generator's CPU use (well under 100 %: it is not the
bottleneck); the server's CPU milliseconds per acknowledged submission (polls included), the
figure the machine's other load moves least; the polls a second and their p99.

Each token is used once, and each answer set encodes its token's number: at the end the
stored responses are read back and every acknowledged submission must be there exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from api.services import campaigns, collection, org_chart
from api.services.access import authenticate, digest, init_organisation
from api.services.org_chart import UnitImportRow
from api.store import repositories as repo
from api.store.db import make_engine, session_scope, upgrade_database
from api.store.models import CampaignCreate, InvitationCreate, OrganisationCreate, ResponseCreate
from instrument import load_builtin

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
HOST = "127.0.0.1"
ENCODED_ITEMS = 8
"""The first items' answers spell the token's number in base 7: 7**8 numbers, one per token."""
CLOSED_TEAM_SIZE = 9
KEEP_ALIVE_SECONDS = 3.0
"""The longest a connection of the open loop waits idle before it is used again (uvicorn's
keep-alive timeout is 5 s)."""


# -- the answer sets ------------------------------------------------------------------------------


def answers_for(number: int, items: Sequence[str]) -> dict[str, int | None]:
    """A full answer set that encodes ``number``: the first items hold its digits in base 7
    (answers 1 to 7), the others a fixed pattern, the last one 'does not apply'."""
    answers: dict[str, int | None] = {}
    rest = number
    for item in items[:ENCODED_ITEMS]:
        answers[item] = rest % 7 + 1
        rest //= 7
    for n, item in enumerate(items[ENCODED_ITEMS:-1]):
        answers[item] = (n * 3 + number) % 7 + 1
    answers[items[-1]] = None
    return answers


def _json_bytes(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def number_of(answers: dict[str, Any], items: Sequence[str]) -> int:
    return sum((int(answers[item]) - 1) * 7**n for n, item in enumerate(items[:ENCODED_ITEMS]))


# -- the database and the staging ------------------------------------------------------------------


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


@dataclass(frozen=True)
class Staged:
    campaign_id: int
    closed_campaign_id: int
    tokens: list[str]
    admin_key: str


def _stage(engine: Engine, *, tokens: int, teams: int) -> Staged:
    """An organisation of ``teams`` teams; an open campaign over them with ``tokens`` tokens
    spread over the teams; a closed campaign with ``CLOSED_TEAM_SIZE`` responses a team."""
    instrument = load_builtin()
    with session_scope(engine) as session:
        organisation, key = init_organisation(session, OrganisationCreate(name="Bench"))
        assert organisation.id is not None
        admin = authenticate(session, key=key.key)
        chart = [UnitImportRow(external_id="org", name="Bench", kind="organisation")]
        chart += [
            UnitImportRow(external_id=f"t{i}", name=f"Team {i}", parent_external_id="org")
            for i in range(teams)
        ]
        units = org_chart.import_units(session, organisation_id=organisation.id, rows=chart)
        team_ids = [u.id for u in units if u.external_id != "org" and u.id is not None]
        ids = []
        for name in ("Polled", "Bench"):
            campaign = campaigns.create_campaign(
                session,
                organisation_id=organisation.id,
                data=CampaignCreate(name=name, instrument=instrument.ref, unit_ids=team_ids),
            )
            assert campaign.id is not None
            campaigns.open_campaign(session, campaign_id=campaign.id)
            ids.append(campaign.id)
        polled, campaign_id = ids
        generator = random.Random(1)
        items = list(instrument.item_ids)
        for unit_id in team_ids:
            collection.issue_invitations(
                session,
                principal=admin,
                campaign_id=polled,
                data=InvitationCreate(unit_id=unit_id, count=CLOSED_TEAM_SIZE),
            )
        with session.begin():
            repo.insert_responses(
                session,
                campaign_id=polled,
                responses=[
                    ResponseCreate(
                        unit_id=unit_id,
                        language="en",
                        answers={item: generator.randint(1, 7) for item in items},
                    )
                    for unit_id in team_ids
                    for _ in range(CLOSED_TEAM_SIZE)
                ],
                day=date.today(),
            )
        campaigns.close_campaign(session, campaign_id=polled)
        issued: list[str] = []
        share, extra = divmod(tokens, len(team_ids))
        for n, unit_id in enumerate(team_ids):
            count = share + (n < extra)
            while count > 0:
                batch = min(count, 10_000)
                issued += collection.issue_invitations(
                    session,
                    principal=admin,
                    campaign_id=campaign_id,
                    data=InvitationCreate(unit_id=unit_id, count=batch),
                )
                count -= batch
    return Staged(campaign_id, polled, issued, key.key)


def _verify(engine: Engine, staged: Staged, acknowledged: list[int]) -> str:
    """Every acknowledged submission stored exactly once: the answer sets read back, and the
    tokens used. Returns a line for the report; raises if a submission is lost or doubled."""
    items = list(load_builtin().item_ids)
    with session_scope(engine) as session, session.begin():
        stored = Counter(
            number_of(answers, items)
            for _unit, answers in repo.response_answers(session, campaign_id=staged.campaign_id)
        )
        used = {
            row[0]
            for row in session.execute(
                text("select token_hash from invitation where campaign_id = :c and used"),
                {"c": staged.campaign_id},
            )
        }
    doubled = sorted(n for n, count in stored.items() if count > 1)
    lost = sorted(n for n in acknowledged if stored[n] != 1)
    unused = [n for n in acknowledged if digest(staged.tokens[n]) not in used]
    unacknowledged = sum(stored.values()) - len(set(acknowledged))
    line = (
        f"verified: {len(acknowledged):,} acknowledged, {sum(stored.values()):,} stored,"
        f" {len(used):,} tokens used; lost {len(lost)}, stored twice {len(doubled)},"
        f" acknowledged with the token unused {len(unused)},"
        f" stored but not acknowledged {unacknowledged}"
    )
    if lost or doubled or unused or len(acknowledged) != len(set(acknowledged)):
        raise SystemExit("FAILED " + line)
    return line


# -- the servers ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def _server(
    kind: str, *, url: str, folder: Path, log: Path, jobs: bool, rate_limits: bool
) -> Iterator[tuple[int, int]]:
    """``transversal serve`` (``kind`` "app") or the bare app, on a free port; yields the port
    and the process id.
    ``jobs``: the server runs the queue's jobs too (the reports of the closed campaign)."""
    port = _free_port()
    if kind == "app":
        command = [str(Path(sys.executable).with_name("transversal")), "serve"]
        command += ["--host", HOST, "--port", str(port), "--jobs" if jobs else "--no-jobs"]
    else:
        command = [sys.executable, str(Path(__file__).with_name("bare_endpoint.py")), str(port)]
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "DATA_DIR": str(folder / "data"),
        "QUEUE_URL": "",
        **({} if rate_limits else _no_rate_limits()),
    }
    with log.open("a") as output:
        process = subprocess.Popen(
            command, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the {kind} server did not start: see {log}") from None
                time.sleep(0.2)
        yield port, process.pid
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) the process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _no_rate_limits() -> dict[str, str]:
    """Environment that turns the service's guessing limits off (0 is off), where they exist:
    they count failures only, and this bench has none, but each request would read its
    client's counts."""
    from api.settings import Settings

    return {
        name.upper(): "0"
        for name, info in Settings.model_fields.items()
        if name.startswith("rate_limit_") and "window" not in name and info.annotation is int
    }


# -- the load -------------------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection: enough of the protocol for these servers."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.used = time.monotonic()

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(HOST, port)
        return cls(reader, writer)

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: str = ""
    ) -> tuple[int, bytes]:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\n{headers}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.used = time.monotonic()
        self.writer.write(head.encode() + body)
        status_line, _, rest = (await self.reader.readuntil(b"\r\n\r\n")).partition(b"\r\n")
        status = int(status_line.split()[1])
        length, chunked = 0, False
        for line in rest.split(b"\r\n"):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if not chunked:
            return status, await self.reader.readexactly(length)
        content = b""
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
            content += (await self.reader.readexactly(size + 2))[:-2]
            if size == 0:
                return status, content

    def close(self) -> None:
        self.writer.close()


@dataclass
class Outcome:
    """What one load run saw."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    """Of the acknowledged (204) submissions, in seconds."""
    acknowledged: list[int] = field(default_factory=list)
    """The numbers of the tokens whose submission was acknowledged."""
    errors: Counter[str] = field(default_factory=Counter)
    polls: list[float] = field(default_factory=list)
    poll_errors: Counter[str] = field(default_factory=Counter)
    cpu: float = 0.0
    """The load generator's CPU seconds over the run's wall seconds."""
    server_cpu: float = 0.0
    """The server's CPU seconds over the run (pollers' requests included)."""


@dataclass(frozen=True)
class Load:
    port: int
    path: str
    """The submission path without the token: ``/api/v1/respond/`` or ``/bare/``."""
    tokens: list[tuple[int, str]]
    mode: str
    clients: int
    rate: float
    seconds: float
    poll: int
    poll_paths: list[str]
    admin_key: str
    timeout: float
    poll_interval: float


def run_load(load: Load) -> Outcome:
    """The load of one run, in this process (the bench runs it in a process of its own)."""
    return asyncio.run(_run(load))


async def _run(load: Load) -> Outcome:
    outcome = Outcome()
    items = list(load_builtin().item_ids)
    bodies = {n: _json_bytes({"answers": answers_for(n, items)}) for n, _ in load.tokens}
    pending = iter(load.tokens)
    done = asyncio.Event()

    async def submit(connection: Connection, number: int, token: str, since: float) -> bool:
        """One submission; False when its connection cannot be used again."""
        try:
            status, _ = await asyncio.wait_for(
                connection.request("POST", load.path + token, bodies[number]), load.timeout
            )
        except (TimeoutError, OSError, asyncio.IncompleteReadError) as error:
            outcome.errors[type(error).__name__] += 1
            return False
        if status == 204:
            outcome.latencies.append(time.perf_counter() - since)
            outcome.acknowledged.append(number)
        else:
            outcome.errors[f"HTTP {status}"] += 1
        return True

    async def closed_client() -> None:
        connection = await Connection.open(load.port)
        for number, token in pending:
            if not await submit(connection, number, token, time.perf_counter()):
                connection.close()
                connection = await Connection.open(load.port)
        connection.close()

    idle: list[Connection] = []

    async def open_request(number: int, token: str, due: float) -> None:
        # Uvicorn closes a connection idle for 5 s: one idle nearly as long is not reused.
        while idle and time.monotonic() - idle[-1].used > KEEP_ALIVE_SECONDS:
            idle.pop().close()
        connection = idle.pop() if idle else await Connection.open(load.port)
        if await submit(connection, number, token, due):
            connection.used = time.monotonic()
            idle.append(connection)
        else:
            connection.close()

    async def poller(n: int) -> None:
        connection = await Connection.open(load.port)
        headers = f"Authorization: Bearer {load.admin_key}\r\n"
        k = n
        while not done.is_set():
            path = load.poll_paths[k % len(load.poll_paths)]
            k += 1
            started = time.perf_counter()
            try:
                status, _ = await asyncio.wait_for(
                    connection.request("GET", path, headers=headers), load.timeout
                )
            except (TimeoutError, OSError, asyncio.IncompleteReadError) as error:
                outcome.poll_errors[type(error).__name__] += 1
                connection.close()
                connection = await Connection.open(load.port)
                continue
            if status == 200:
                outcome.polls.append(time.perf_counter() - started)
            else:
                outcome.poll_errors[f"HTTP {status}"] += 1
            if load.poll_interval:
                await asyncio.sleep(load.poll_interval)
        connection.close()

    pollers = [asyncio.create_task(poller(n)) for n in range(load.poll)]
    if pollers:
        await asyncio.sleep(1.0)  # the pollers' first requests (a cold cache) are not timed
    cpu = time.process_time()
    started = time.perf_counter()
    if load.mode == "closed":
        await asyncio.gather(*(closed_client() for _ in range(load.clients)))
    else:
        tasks = []
        for n, (number, token) in enumerate(load.tokens):
            due = started + n / load.rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(open_request(number, token, due)))
        await asyncio.gather(*tasks)
        for connection in idle:
            connection.close()
    outcome.seconds = time.perf_counter() - started
    outcome.cpu = (time.process_time() - cpu) / outcome.seconds
    done.set()
    await asyncio.gather(*pollers)
    return outcome


# -- the run --------------------------------------------------------------------------------------


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _row(label: str, outcome: Outcome) -> str:
    ms = [x * 1000 for x in outcome.latencies]
    errors = sum(outcome.errors.values())
    rate, p99 = len(outcome.polls) / outcome.seconds, _quantile(outcome.polls, 0.99)
    polled = f"  {rate:5.1f}/s p99 {p99:5.2f}s" if outcome.polls or outcome.poll_errors else ""
    return (
        f"{label:<32}{len(outcome.latencies) / outcome.seconds:9.0f}"
        f"{_quantile(ms, 0.5):9.1f}{_quantile(ms, 0.95):9.1f}{_quantile(ms, 0.99):9.1f}"
        f"{errors:8}{outcome.cpu * 100:8.0f}%"
        f"{outcome.server_cpu * 1000 / max(1, len(outcome.latencies)):9.2f}{polled}"
        + (f"  errors: {dict(outcome.errors)}" if errors else "")
        + (f"  poll errors: {dict(outcome.poll_errors)}" if outcome.poll_errors else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database", choices=("sqlite", "postgres", "postgresql"), default="sqlite"
    )
    parser.add_argument("--mode", choices=("closed", "open"), nargs="+", default=["closed"])
    parser.add_argument("--poll", type=int, nargs="+", default=[0, 4], help="polling clients")
    parser.add_argument("--clients", type=int, default=200, help="closed loop: clients")
    parser.add_argument("--requests", type=int, default=6000, help="closed loop: submissions")
    parser.add_argument("--rate", type=float, default=200.0, help="open loop: submissions/s")
    parser.add_argument("--seconds", type=float, default=60.0, help="open loop: duration")
    parser.add_argument(
        "--poll-interval", type=float, default=0.0, help="seconds a poller waits between polls"
    )
    parser.add_argument("--teams", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    parser.add_argument(
        "--jobs",
        action="store_true",
        help="the server runs the queue's jobs too, as `transversal serve` does by default (the"
        " closed campaign's reports are rendered then); without it, `--no-jobs`, as beside"
        " a `transversal worker`",
    )
    parser.add_argument(
        "--rate-limits", action="store_true", help="keep the guessing limits on (read per request)"
    )
    parser.add_argument("--no-bare", action="store_true", help="skip the bare endpoint")
    parser.add_argument("--keep", type=Path, help="keep the server logs in this folder")
    args = parser.parse_args()
    kind = "postgresql" if args.database == "postgres" else args.database

    per_run = {"closed": args.requests, "open": int(args.rate * args.seconds)}
    runs = [(mode, poll) for mode in args.mode for poll in args.poll]
    with tempfile.TemporaryDirectory() as name, _database(kind, Path(name)) as url:
        folder = args.keep or Path(name)
        folder.mkdir(parents=True, exist_ok=True)
        engine = make_engine(url)
        upgrade_database(engine)
        started = time.perf_counter()
        staged = _stage(engine, tokens=sum(per_run[m] for m, _ in runs), teams=args.teams)
        print(
            f"{kind}: staged {len(staged.tokens):,} tokens over {args.teams} teams and a closed"
            f" campaign of {args.teams * CLOSED_TEAM_SIZE:,} responses in"
            f" {time.perf_counter() - started:.1f} s (not timed); {os.cpu_count()} CPUs;"
            f" server logs in {folder}"
        )
        poll_paths = [
            f"/api/v1/campaigns/{staged.closed_campaign_id}/results",
            f"/api/v1/campaigns/{staged.closed_campaign_id}/disclosure",
            f"/api/v1/campaigns/{staged.campaign_id}/progress",
        ]
        numbered = list(enumerate(staged.tokens))
        acknowledged: list[int] = []
        context = multiprocessing.get_context("spawn")
        print(
            f"\n{'run':<32}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
            f"{'load CPU':>9}{'CPU ms':>9}  polls"
        )
        with context.Pool(1) as pool:
            for mode, poll in runs:
                count = per_run[mode]
                tokens, numbered = numbered[:count], numbered[count:]
                shape = f"{args.clients} clients" if mode == "closed" else f"{args.rate:.0f}/s"
                figures = {}
                for server in ("bare", "app") if not args.no_bare and poll == 0 else ("app",):
                    with _server(
                        server,
                        url=url,
                        folder=folder,
                        log=folder / f"{server}.log",
                        jobs=args.jobs,
                        rate_limits=args.rate_limits,
                    ) as (port, pid):
                        load = Load(
                            port=port,
                            path="/bare/" if server == "bare" else "/api/v1/respond/",
                            tokens=tokens,
                            mode=mode,
                            clients=args.clients,
                            rate=args.rate,
                            seconds=args.seconds,
                            poll=poll if server == "app" else 0,
                            poll_paths=poll_paths,
                            admin_key=staged.admin_key,
                            timeout=args.timeout,
                            poll_interval=args.poll_interval,
                        )
                        cpu = _cpu_seconds(pid)
                        outcome: Outcome = pool.apply(run_load, (load,))
                        outcome.server_cpu = _cpu_seconds(pid) - cpu
                    if server == "app":
                        acknowledged += outcome.acknowledged
                    label = f"{server} {mode} {shape}" + (f" +{poll} poll" if poll else "")
                    print(_row(label, outcome), flush=True)
                    figures[server] = len(outcome.latencies) / outcome.seconds
                if "bare" in figures:
                    print(f"{'':<32}app / bare = {figures['app'] / figures['bare']:.0%}")
        print("\n" + _verify(engine, staged, acknowledged))
        engine.dispose()


if __name__ == "__main__":
    main()
