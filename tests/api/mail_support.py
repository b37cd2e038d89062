"""What the e-mail tests share: a real SMTP server on loopback (aiosmtpd) that keeps what it
receives and can be told to refuse, a campaign with a list of addresses, the queue in
immediate mode, and reading the messages back."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from huey import MemoryHuey
from sqlalchemy import Engine

from api.jobs.queue import Jobs
from api.services.org_chart import UnitImportRow
from api.settings import Settings
from instrument import load_builtin
from tests.api.conftest import INSTRUMENT, Org, Staged, stage_campaign

API = "/api/v1"
LINK = re.compile(r"https?://[^\s\"<>]+/r/(tvi_[A-Za-z0-9_\-]+)\?lang=(\w\w)")
ITEMS = load_builtin(INSTRUMENT).item_ids


@dataclass
class Inbox:
    """An aiosmtpd handler: keeps each message it accepts (with the time it came), refuses the
    recipients named in ``refuse`` with the reply given (``*``: every one)."""

    messages: list[EmailMessage] = field(default_factory=list)
    received_at: list[float] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook names)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        reply = self.refuse.get(address) or self.refuse.get("*")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        content = envelope.original_content or envelope.content
        with self.lock:
            self.messages.append(message_from_bytes(content, policy=default))
            self.received_at.append(time.monotonic())
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(inbox: Inbox, port: int | None = None) -> Iterator[int]:
    """An SMTP server on 127.0.0.1 delivering into ``inbox``, for the block; its port."""
    port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def mail_settings(folder: Path, port: int | None = None, **overrides: Any) -> Settings:
    """Settings sending to the loopback server on ``port`` (None: into ``folder/mail``),
    fast: a high rate and short waits between tries."""
    values: dict[str, Any] = {
        "data_dir": folder,
        "smtp_host": "127.0.0.1" if port else "",
        "smtp_port": port,
        "smtp_security": "none",
        "smtp_timeout": 5,
        "mail_from": "Acme HR <hr@acme.example>",
        "mail_rate_per_minute": 60_000,
        "mail_retry_seconds": 0.2,
        "mail_max_attempts": 3,
    }
    return Settings(**(values | overrides))


def immediate_jobs(engine: Engine, settings: Settings, folder: Path) -> Jobs:
    """The queue in immediate mode: a job runs as it is queued, in the caller's thread."""
    return Jobs(
        MemoryHuey("mail-test", immediate=True),
        engine=engine,
        reports_dir=folder / "reports",
        settings=settings,
    )


def stage(org: Org, engine: Engine, **fields: Any) -> Staged:
    """A bilingual campaign (English first) over two teams, open unless told."""
    fields.setdefault("languages", ["en", "fr"])
    return stage_campaign(
        engine,
        org.organisation_id,
        chart=[
            UnitImportRow(external_id="acme", name="Acme", kind="organisation"),
            UnitImportRow(
                external_id="ops", name="Operations", kind="department", parent_external_id="acme"
            ),
            UnitImportRow(external_id="night", name="Night shift", parent_external_id="ops"),
            UnitImportRow(external_id="day", name="Day shift", parent_external_id="ops"),
            UnitImportRow(external_id="lab", name="Lab", parent_external_id="ops"),
        ],
        teams=["night", "day"],
        **fields,
    )


def upload(org: Org, campaign_id: int, csv: str, key: str | None = None, **query: str) -> Any:
    return org.client.post(
        f"{API}/campaigns/{campaign_id}/roster",
        content=csv.encode(),
        params=query,
        headers={**org.headers(key), "Content-Type": "text/csv"},
    )


def send(org: Org, campaign_id: int) -> Any:
    return org.client.post(f"{API}/campaigns/{campaign_id}/mail/invitations", headers=org.headers())


def log(org: Org, campaign_id: int, key: str | None = None) -> Any:
    return org.client.get(f"{API}/campaigns/{campaign_id}/mail/log", headers=org.headers(key))


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def link_of(message: EmailMessage) -> tuple[str, str, str]:
    """(path, token, language) of the personal link in the message's text."""
    found = LINK.search(text_of(message))
    assert found, text_of(message)
    return f"/r/{found.group(1)}?lang={found.group(2)}", found.group(1), found.group(2)


def answer(org: Org, token: str) -> None:
    """Send a complete set of answers with the token."""
    sent = org.client.post(f"{API}/respond/{token}", json={"answers": dict.fromkeys(ITEMS, 4)})
    assert sent.status_code == 204, sent.text


def wait_for(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)
