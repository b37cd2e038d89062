"""No respondent token in the server's access log: a real `transversal serve` is started, a
respondent's paths are requested, and its log is read."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from api.http.access_log import RedactTokens, redact_path

TOKEN = "tvi_S3cretTokenThatMustNotBeLogged0"


def test_respondent_paths_lose_their_token() -> None:
    assert redact_path(f"/api/v1/respond/{TOKEN}") == "/api/v1/respond/[redacted]"
    assert redact_path(f"/api/v1/respond/{TOKEN}/draft") == "/api/v1/respond/[redacted]/draft"
    assert redact_path(f"/r/{TOKEN}?language=fr") == "/r/[redacted]?language=fr"
    assert redact_path("/api/v1/campaigns/3/results") == "/api/v1/campaigns/3/results"


def test_the_filter_drops_the_address_of_a_respondent_line_and_keeps_other_lines() -> None:
    respondent = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
        ("10.1.2.3:5555", "POST", f"/api/v1/respond/{TOKEN}", "1.1", 204), None,
    )  # fmt: skip
    other = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
        ("10.1.2.3:5555", "GET", "/api/v1/campaigns", "1.1", 200), None,
    )  # fmt: skip
    assert RedactTokens().filter(respondent), "a line is never dropped"
    assert RedactTokens().filter(other)
    assert respondent.getMessage() == '- - "POST /api/v1/respond/[redacted] HTTP/1.1" 204'
    assert other.getMessage() == '10.1.2.3:5555 - "GET /api/v1/campaigns HTTP/1.1" 200'


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_running_server_never_writes_a_token_to_its_log(tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "server.log"
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite'}"}
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
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
                    httpx.get(f"{base}/campaigns", timeout=2)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.2)
            assert httpx.get(f"{base}/respond/{TOKEN}").status_code == 404
            assert httpx.post(f"{base}/respond/{TOKEN}", json={"answers": {}}).status_code == 404
            assert (
                httpx.put(f"{base}/respond/{TOKEN}/draft", json={"answers": {}}).status_code == 404
            )
            # The form's pages: the link a respondent opens.
            page = f"http://127.0.0.1:{port}/r/{TOKEN}"
            assert httpx.get(page).status_code == 404
            assert httpx.get(f"{page}/p/1?lang=fr").status_code == 404
            assert httpx.post(f"{page}/review", data={"csrf": "x"}).status_code == 404
        finally:
            server.terminate()
            server.wait(timeout=30)
    written = log.read_text()
    assert written.count("/respond/[redacted]") == 3, written
    assert written.count("/r/[redacted]") == 3, written
    assert "/r/[redacted]/p/1?lang=fr" in written
    assert TOKEN not in written
    assert "GET /api/v1/campaigns" in written, "other requests are still logged"
