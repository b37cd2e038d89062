"""E-mailed invitations for 10,000 addresses (issue 13: queued in under 5 s, and sent at the
configured rate), on SQLite and PostgreSQL.

Run by hand: ``.venv/bin/python bench/bench_mail.py [--database sqlite|postgresql|both]
[--addresses 10000] [--rate 1200] [--seconds 5]``. PostgreSQL is ``TEST_POSTGRES_URL`` (default
the local server), in a schema of its own that is dropped afterwards.

Timed: the list read from its CSV text, checked row by row and stored; the invitations made
(a derived token each), their messages queued and the delivery job put on a SQLite queue, as
``POST /roster`` and ``POST /mail/invitations`` do. Then the delivery job runs for ``--seconds``
into a folder of ``.eml`` files (no SMTP server) at ``--rate`` messages a minute, and once more
with no practical limit, to show how far the rate is from what one worker can write.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from huey import SqliteHuey
from sqlalchemy import Engine, text

from api.jobs.queue import Jobs
from api.services import campaigns, mail, mail_roster, org_chart
from api.services.access import authenticate, init_organisation
from api.services.exchange import read_csv_table
from api.services.org_chart import UnitImportRow
from api.settings import Settings
from api.store.db import make_engine, session_scope, upgrade_database
from api.store.models import CampaignCreate, OrganisationCreate
from instrument import load_builtin

TEAMS = 100


@contextmanager
def _database(kind: str, folder: Path) -> Iterator[Engine]:
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{folder / 'bench.sqlite'}")
        upgrade_database(engine)
        yield engine
        engine.dispose()
        return
    url = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade_database(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _stage(engine: Engine) -> tuple[int, str]:
    """An open bilingual campaign over 100 teams; its id and an admin key."""
    with session_scope(engine) as session:
        organisation, key = init_organisation(session, OrganisationCreate(name="Bench"))
        assert organisation.id is not None
        chart = [UnitImportRow(external_id="org", name="Bench", kind="organisation")]
        chart += [
            UnitImportRow(external_id=f"t{i}", name=f"Team {i}", parent_external_id="org")
            for i in range(TEAMS)
        ]
        units = org_chart.import_units(session, organisation_id=organisation.id, rows=chart)
        campaign = campaigns.create_campaign(
            session,
            organisation_id=organisation.id,
            data=CampaignCreate(
                name="Bench",
                instrument=load_builtin().ref,
                unit_ids=[u.id for u in units if u.external_id == "org" and u.id is not None],
                languages=["en", "fr"],
            ),
        )
        assert campaign.id is not None
        campaigns.open_campaign(session, campaign_id=campaign.id)
        return campaign.id, key.key


def _roster(addresses: int) -> str:
    lines = ["email,unit,language"]
    lines += [
        f"person.{i}@bench.example.org,t{i % TEAMS},{'fr' if i % 3 == 0 else 'en'}"
        for i in range(addresses)
    ]
    return "\n".join(lines) + "\n"


def run(kind: str, *, addresses: int, rate: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as folder_name, _database(kind, Path(folder_name)) as engine:
        folder = Path(folder_name)
        campaign_id, key = _stage(engine)
        settings = Settings(
            data_dir=folder,
            public_url="https://survey.bench.example",
            mail_rate_per_minute=rate,
        )
        jobs = Jobs(
            SqliteHuey("bench", filename=str(folder / "queue.sqlite"), results=False),
            engine=engine,
            reports_dir=folder / "reports",
            settings=settings,
        )
        csv = _roster(addresses)
        with session_scope(engine) as session:
            admin = authenticate(session, key=key)
            started = time.perf_counter()
            listed = mail_roster.import_roster(
                session, principal=admin, campaign_id=campaign_id, table=read_csv_table(csv)
            )
            imported = time.perf_counter()
            queued = mail.send_invitations(session, principal=admin, campaign_id=campaign_id)
            jobs.mail.enqueue_delivery()
            done = time.perf_counter()
        assert listed.added == addresses
        assert queued.queued == addresses
        print(f"\n{kind}: {addresses:,} addresses")
        print(f"  list checked and stored      {imported - started:6.2f} s")
        print(f"  invitations made and queued  {done - imported:6.2f} s")
        print(f"  together                     {done - started:6.2f} s   (target: under 5 s)")

        for label, per_minute in ((f"at MAIL_RATE_PER_MINUTE={rate}", rate), ("unlimited", 10**7)):
            jobs.mail.settings = settings.model_copy(update={"mail_rate_per_minute": per_minute})
            started = time.perf_counter()
            outcome = jobs.mail.deliver(budget_seconds=seconds)
            elapsed = time.perf_counter() - started
            print(
                f"  sent {label:32} {outcome.sent:6,} in {elapsed:5.2f} s"
                f" = {outcome.sent / elapsed * 60:8,.0f} a minute"
            )
        written = len(list(settings.mail_folder().glob("*.eml")))
        print(f"  .eml files written           {written:6,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--addresses", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=1_200)
    parser.add_argument("--seconds", type=float, default=5.0)
    options = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if options.database == "both" else [options.database]
    for kind in kinds:
        run(kind, addresses=options.addresses, rate=options.rate, seconds=options.seconds)


if __name__ == "__main__":
    main()
