"""``transversal serve --workers N``: N processes answer on one port, over one database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.api.test_access_log import _free_port


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def test_serve_with_two_workers_answers_from_two_processes(tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "server.log"
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite'}"}
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", "2"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=environment,
            cwd=tmp_path,
        )
        try:
            base = f"http://127.0.0.1:{port}/api/v1"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/campaigns", timeout=2).status_code == 401:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            workers = [
                c
                for c in _children(server.pid)
                if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()
            ]
            assert len(workers) == 2, (workers, log.read_text())
            with httpx.Client() as client:
                answers = [client.get(f"{base}/respond/tvi_nobody").status_code for _ in range(20)]
            assert answers == [404] * 20
        finally:
            server.terminate()
            server.wait(timeout=30)
    written = log.read_text()
    assert "Traceback" not in written, written
    assert written.count("Application startup complete") == 2, written
