"""The demo's e-mail: a made-up address for each simulated person, listed as the campaign's
roster; the invitations and the reminder written by the queue's own job as ``.eml`` files
(``SMTP_HOST`` empty: nothing leaves the machine); and the messages read back, as a person reads
their mail, for the personal link each holds.

The queue is the embedded one, a SQLite file in the demo database's data folder. The demo plays
its worker: it runs the jobs queued, one after the other in this thread, until none is left (no
consumer threads to start or to wait for).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from sqlalchemy import Engine

from api.jobs.queue import Jobs
from api.settings import Settings

DEMO_DOMAIN = "demo.example"
"""The people's addresses: ``.example`` is reserved (RFC 2606), no mail is ever delivered there."""
PUBLIC_URL = "http://127.0.0.1:8000"
"""Where the links point: ``transversal serve`` on the demo's database."""
MAIL_FOLDER = "mail"
DATA_FOLDER = "demo-data"
"""The data folder of ``demo.sqlite`` (its queue), named as ``Settings.data_folder`` names it."""
_FILE = re.compile(r"^\d+-(?P<kind>[a-z_]+)-\d+\.eml$")


@dataclass(frozen=True)
class Person:
    """Someone of a simulated team, with the address their invitation goes to."""

    email: str
    team: str
    """The team's external id, as in the organisation chart."""
    language: str


@dataclass(frozen=True)
class Letter:
    """A message found in the mail folder, and the personal link it holds."""

    file: Path
    to: str
    language: str
    link: str
    token: str

    @property
    def path(self) -> str:
        """The link without the server: ``/r/<token>?lang=..``."""
        return self.link.removeprefix(PUBLIC_URL)


@dataclass(frozen=True)
class MailOutcome:
    """What the demo e-mailed, and what came of it."""

    folder: Path
    invitations: int
    """Invitations written, one per person of the roster."""
    reminders: int
    """Reminders written: to those whose invitation had not been used when it was due."""
    answered_after_reminder: int


def demo_people(invited: dict[str, int], *, languages: dict[str, str]) -> list[Person]:
    """``invited[team]`` people per team, numbered across the organisation, in the team's
    language."""
    people: list[Person] = []
    for team, count in invited.items():
        for _ in range(count):
            number = len(people) + 1
            people.append(Person(f"person-{number:04d}@{DEMO_DOMAIN}", team, languages[team]))
    return people


def roster_csv(people: Iterable[Person]) -> str:
    """The roster HR uploads: ``email,unit,language``, the unit by its external id."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "unit", "language"])
    for person in people:
        writer.writerow([person.email, person.team, person.language])
    return out.getvalue()


def demo_settings(*, data: Path, mail: Path, sender: str) -> Settings:
    """The settings of the demo's queue (in the data folder ``data``) and mail (into ``mail``),
    every one that matters given here, so that the environment (an ``SMTP_HOST``, a
    ``QUEUE_URL``) cannot send the demo's mail elsewhere."""
    return Settings(
        data_dir=data,
        queue_url="",
        smtp_host="",
        mail_dir=mail,
        mail_from=f"{sender} <hr@{DEMO_DOMAIN}>",
        public_url=PUBLIC_URL,
        # Files, not a server: no reason to space them out.
        mail_rate_per_minute=600_000,
    )


def clear_mail(out: Path) -> None:
    """Remove what a previous run left: its messages, and the data folder of its database
    (the queue, which may still hold its jobs)."""
    for stale in (out / MAIL_FOLDER).glob("*.eml*"):
        stale.unlink(missing_ok=True)
    shutil.rmtree(out / DATA_FOLDER, ignore_errors=True)


def make_jobs(engine: Engine, settings: Settings) -> Jobs:
    """The embedded queue, a SQLite file in the data folder, as ``transversal serve`` makes it."""
    return Jobs.from_settings(engine, settings)


def run_queued_jobs(jobs: Jobs) -> int:
    """Run the jobs queued, in this thread, until none is left (those they queue included);
    how many ran. A job's failure is logged by the queue and shows in what it left undone."""
    ran = 0
    while (task := jobs.huey.dequeue()) is not None:
        jobs.huey.execute(task)
        ran += 1
    return ran


def read_mail(folder: Path, *, kind: str) -> dict[str, Letter]:
    """The messages of ``kind`` (``invitation``, ``reminder``) in the folder, by address."""
    link = re.compile(rf"{re.escape(PUBLIC_URL)}/r/(?P<token>[A-Za-z0-9_\-]+)\?lang=(?P<lang>\w+)")
    letters = {}
    for file in sorted(folder.glob("*.eml")):
        named = _FILE.match(file.name)
        if named is None or named["kind"] != kind:
            continue
        message = message_from_bytes(file.read_bytes(), policy=default)
        assert isinstance(message, EmailMessage)
        body = message.get_body(preferencelist=("plain",))
        found = link.search(str(body.get_content()) if body is not None else "")
        if found is None:
            raise ValueError(f"{file}: no personal link in the message")
        to = str(message["To"])
        letters[to] = Letter(file, to, found["lang"], found[0], found["token"])
    return letters
