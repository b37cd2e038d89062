"""Does an unknown token answer as fast as a used one? (issue 3: nothing to learn from timing)

Run by hand: ``.venv/bin/python bench/bench_token_timing.py [--rounds 400]``. It creates an
organisation, a campaign and invitations on a temporary SQLite file, uses half the tokens, then
times GET /respond/{token} for used tokens (409) and unknown tokens (404), interleaved, in process.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

from api.app import create_app
from api.services.access import init_organisation
from api.store.db import make_engine, session_scope, upgrade_database
from api.store.models import OrganisationCreate
from instrument import load_builtin

with warnings.catch_warnings():
    # Starlette's test client warns at import that it will move to httpx2; nothing to act on yet.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=400)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        upgrade_database(engine)
        with session_scope(engine) as session:
            _org, key = init_organisation(session, OrganisationCreate(name="Bench"))
        client = TestClient(create_app(engine), headers={"Authorization": f"Bearer {key.key}"})
        used = _used_tokens(client, count=20)
        timings: dict[int, list[float]] = {404: [], 409: []}
        for round_number in range(rounds):
            for token in (used[round_number % len(used)], f"tvi_unknown{round_number:032d}"):
                started = time.perf_counter()
                status = client.get(f"/api/v1/respond/{token}").status_code
                timings[status].append(time.perf_counter() - started)
        engine.dispose()
    for status, label in ((409, "used token (409)"), (404, "unknown token (404)")):
        values = timings[status]
        print(
            f"{label:22} n={len(values):4}  median {statistics.median(values) * 1e3:6.3f} ms"
            f"  p90 {statistics.quantiles(values, n=10)[-1] * 1e3:6.3f} ms"
        )


def _used_tokens(client: TestClient, *, count: int) -> list[str]:
    chart = (
        "external_id,name,parent_external_id,kind\norg,Bench,,organisation\nteam,Team,org,team\n"
    )
    units = client.post("/api/v1/units/import", content=chart, headers={"Content-Type": "text/csv"})
    team = next(u["id"] for u in units.json()["units"] if u["external_id"] == "team")
    campaign = client.post(
        "/api/v1/campaigns",
        json={"name": "Bench", "instrument": load_builtin().ref, "unit_ids": [team]},
    ).json()["id"]
    client.post(f"/api/v1/campaigns/{campaign}/open")
    tokens = client.post(
        f"/api/v1/campaigns/{campaign}/invitations", json={"unit_id": team, "count": count}
    ).json()["tokens"]
    answers = dict.fromkeys(load_builtin().item_ids, 4)
    for token in tokens:
        client.post(f"/api/v1/respond/{token}", json={"answers": answers})
    return list(tokens)


if __name__ == "__main__":
    main()
