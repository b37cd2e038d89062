"""What the tests under load share: an open campaign with its tokens staged through the
services, real `transversal serve` processes on free ports, and clients that submit each token
once, retrying what got no answer, and keep what the server acknowledged."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from api.services.access import authenticate, init_organisation
from api.services.collection import issue_invitations
from api.services.org_chart import UnitImportRow
from api.store.models import Invitation, InvitationCreate, OrganisationCreate, Response
from instrument import load_builtin
from tests.api.conftest import INSTRUMENT, stage_campaign

ITEMS = load_builtin(INSTRUMENT).item_ids


def stage_tokens(engine: Engine, count: int, *, organisation: str = "Acme") -> list[str]:
    """An open campaign over one team of a new organisation, with ``count`` invitations:
    their tokens."""
    with Session(engine, expire_on_commit=False) as session:
        made, key = init_organisation(session, OrganisationCreate(name=organisation))
    assert made.id is not None
    staged = stage_campaign(
        engine,
        made.id,
        chart=[
            UnitImportRow(external_id="org", name="Acme", kind="organisation"),
            UnitImportRow(external_id="night", name="Night ward", parent_external_id="org"),
        ],
        teams=["night"],
    )
    with Session(engine, expire_on_commit=False) as session:
        return issue_invitations(
            session,
            principal=authenticate(session, key=key.key),
            campaign_id=staged.campaign_id,
            data=InvitationCreate(unit_id=staged.units["night"], count=count),
        )


def answers(seed: int) -> dict[str, int]:
    return {item: (seed * 3 + index) % 7 + 1 for index, item in enumerate(ITEMS)}


def stored(engine: Engine) -> tuple[int, int]:
    """The responses stored and the invitations used."""
    with Session(engine) as session:
        responses = session.exec(select(func.count()).select_from(Response)).one()
        used = session.exec(
            select(func.count()).select_from(Invitation).where(Invitation.used)  # type: ignore[arg-type]
        ).one()
    return int(responses[0]), int(used[0])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A `transversal serve` process on ``port``, its output in ``log``."""

    database_url: str
    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    @property
    def log(self) -> Path:
        return self.folder / f"server-{self.port}.log"

    def start(self) -> None:
        environment = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "DATA_DIR": str(self.folder / "data"),
        }
        self.starts += 1
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "api.cli", "serve", "--no-jobs", "--port", str(self.port)],
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=environment,
                cwd=self.folder,
            )
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{self.base}/campaigns", timeout=2).status_code == 401:
                    return
            except httpx.TransportError:
                pass
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, transactions in flight cut off."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@contextmanager
def servers(database_url: str, folder: Path, count: int = 1) -> Iterator[list[Server]]:
    running = [Server(database_url, folder) for _ in range(count)]
    try:
        for server in running:
            server.start()
        yield running
    finally:
        for server in running:
            server.stop()


@dataclass
class Outcome:
    """What the clients saw: tokens acknowledged (204), tokens answered 'already used' (409)
    after a try that got no answer, and any other status."""

    acknowledged: set[str] = field(default_factory=set)
    used_before: set[str] = field(default_factory=set)
    unexpected: list[tuple[str, int, str]] = field(default_factory=list)
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def submit_all(
    tokens: Sequence[str],
    targets: Sequence[Server],
    *,
    clients: int,
    outcome: Outcome,
    deadline: float = 240,
) -> None:
    """Each token submitted once by one of ``clients`` threads, spread over ``targets``; a try
    that gets no answer (the server killed, not yet back) is tried again until one comes."""
    queue = list(tokens)
    random.Random(7).shuffle(queue)
    taken = iter(queue)
    take = threading.Lock()
    ends = time.monotonic() + deadline

    def client(number: int) -> None:
        with httpx.Client(timeout=10) as http:
            while True:
                with take:
                    token = next(taken, None)
                if token is None:
                    return
                tried = False
                while True:
                    assert time.monotonic() < ends, "the servers did not come back"
                    server = targets[(number + outcome.retries) % len(targets)]
                    try:
                        answer = http.post(
                            f"{server.base}/respond/{token}",
                            json={"answers": answers(hash(token) % 97)},
                        )
                    except httpx.TransportError:
                        with outcome.lock:
                            outcome.retries += 1
                        tried = True
                        time.sleep(0.05)
                        continue
                    with outcome.lock:
                        if answer.status_code == 204:
                            outcome.acknowledged.add(token)
                        elif answer.status_code == 409 and tried:
                            outcome.used_before.add(token)
                        else:
                            outcome.unexpected.append((token, answer.status_code, answer.text))
                    break

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
