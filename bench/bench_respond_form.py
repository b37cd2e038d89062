"""Server time of the respondent form's pages on a campaign of 10,000 invitations (issue 11:
at most 20 ms median to serve a page and to accept a page's answers, SQLite and PostgreSQL).

Run by hand: ``.venv/bin/python bench/bench_respond_form.py [--database sqlite|postgresql|both]
[--invitations 10000] [--rounds 300]``. PostgreSQL is ``TEST_POSTGRES_URL`` (default the local
server), in a schema of its own that is dropped afterwards.

The campaign covers 100 teams; before timing, a third of the invitations hold a half-done draft
and a fifth have been used, as in the middle of a campaign. Each round takes a fresh open link
and times, inside the server (an ASGI wrapper around the app, so no client time is counted):
the welcome page, a page of statements, the post of that page's answers (save and redirect),
the review page, and the post that sends the answers.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import tempfile
import time
import uuid
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from api.app import create_app
from api.services import campaigns, collection, org_chart
from api.services.access import authenticate, init_organisation
from api.services.org_chart import UnitImportRow
from api.store.db import make_engine, session_scope, upgrade_database
from api.store.models import CampaignCreate, InvitationCreate, OrganisationCreate
from instrument import load_builtin

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

TEAMS = 100
INSTRUMENT = load_builtin()
PARTS = [scale.items for scale in INSTRUMENT.scales]


class ServerClock:
    """An ASGI wrapper that records the time from a request's arrival to the end of its
    response, by the label the caller set before sending it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.label = ""
        self.times: dict[str, list[float]] = defaultdict(list)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        await self.app(scope, receive, send)
        self.times[self.label].append(time.perf_counter() - started)


@contextmanager
def _database(kind: str) -> Iterator[Engine]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
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


def _stage(engine: Engine, invitations: int) -> list[str]:
    """A campaign of ``invitations`` in 100 teams, a third with drafts, a fifth used; the
    tokens still open."""
    rng = random.Random(11)
    with session_scope(engine) as session:
        organisation, key = init_organisation(session, OrganisationCreate(name="Bench"))
        assert organisation.id is not None
        chart = [UnitImportRow(external_id="org", name="Bench", kind="organisation")]
        chart += [
            UnitImportRow(external_id=f"t{i}", name=f"Team {i}", parent_external_id="org")
            for i in range(TEAMS)
        ]
        units = org_chart.import_units(session, organisation_id=organisation.id, rows=chart)
        teams = [u.id for u in units if u.external_id != "org" and u.id is not None]
        campaign = campaigns.create_campaign(
            session,
            organisation_id=organisation.id,
            data=CampaignCreate(
                name="Bench", instrument=INSTRUMENT.ref, unit_ids=teams, languages=["en", "fr"]
            ),
        )
        assert campaign.id is not None
        campaigns.open_campaign(session, campaign_id=campaign.id)
        admin = authenticate(session, key=key.key)
        tokens: list[str] = []
        for index, team in enumerate(teams):
            count = invitations // TEAMS + (1 if index < invitations % TEAMS else 0)
            tokens += collection.issue_invitations(
                session,
                principal=admin,
                campaign_id=campaign.id,
                data=InvitationCreate(unit_id=team, count=count),
            )
    rng.shuffle(tokens)
    drafted, used = len(tokens) // 3, len(tokens) // 5
    half = {i: rng.randint(1, 7) for i in INSTRUMENT.item_ids[:30]}
    full = {i: rng.randint(1, 7) for i in INSTRUMENT.item_ids}
    with session_scope(engine) as session:
        for token in tokens[:drafted]:
            collection.save_draft(
                session, token=token, data=collection.AnswersIn(answers=half, language="fr")
            )
        for token in tokens[drafted : drafted + used]:
            collection.submit(session, token=token, data=collection.AnswersIn(answers=full))
    return tokens[drafted + used :]


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found
    return found.group(1)


def run(kind: str, invitations: int, rounds: int) -> dict[str, list[float]]:
    with _database(kind) as engine:
        started = time.perf_counter()
        tokens = _stage(engine, invitations)
        elapsed = time.perf_counter() - started
        print(f"{kind}: staged {invitations:,} invitations in {elapsed:.0f} s")
        clock = ServerClock(create_app(engine))
        client = TestClient(clock)
        rng = random.Random(5)
        all_answers = {i: str(rng.randint(1, 7)) for i in INSTRUMENT.item_ids}

        def timed(label: str, call: Callable[[], Any]) -> Any:
            clock.label = label
            return call()

        with client:
            # Warm up: templates compiled, the form's key read, connections opened.
            for token in tokens[-5:]:
                client.get(f"/r/{token}")
                client.get(f"/r/{token}/p/1")
            clock.times.clear()
            for token in tokens[:rounds]:
                part = rng.randint(1, len(PARTS))
                timed("GET welcome", lambda t=token: client.get(f"/r/{t}"))
                page = timed(
                    "GET a page of statements", lambda t=token, p=part: client.get(f"/r/{t}/p/{p}")
                )
                assert page.status_code == 200
                answers = {i: all_answers[i] for i in PARTS[part - 1]}
                data = {"csrf": _csrf(page.text), "lang": "en", **answers}
                saved = timed(
                    "POST a page's answers",
                    lambda t=token, p=part, d=data: client.post(  # type: ignore[misc]
                        f"/r/{t}/p/{p}", data=d, follow_redirects=False
                    ),
                )
                assert saved.status_code == 303, saved.status_code
                review = timed("GET review", lambda t=token: client.get(f"/r/{t}/review"))
                send = {"csrf": _csrf(review.text), "lang": "en", **all_answers}
                sent = timed(
                    "POST send (all 60 answers)",
                    lambda t=token, d=send: client.post(  # type: ignore[misc]
                        f"/r/{t}/review", data=d, follow_redirects=False
                    ),
                )
                assert sent.status_code == 303, sent.status_code
        return dict(clock.times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--invitations", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=300)
    options = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if options.database == "both" else [options.database]
    for kind in kinds:
        times = run(kind, options.invitations, options.rounds)
        print(f"\n{kind}, {options.invitations:,} invitations, {options.rounds} rounds:")
        for label, values in times.items():
            print(
                f"  {label:28} median {statistics.median(values) * 1e3:6.2f} ms"
                f"   p90 {statistics.quantiles(values, n=10)[-1] * 1e3:6.2f} ms"
                f"   max {max(values) * 1e3:7.2f} ms"
            )


if __name__ == "__main__":
    main()
