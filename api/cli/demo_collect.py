"""The demo's collection phase, through the HTTP API as HR and respondents use it.

HR imports the org chart as CSV, creates and opens a campaign and issues one-time invitations;
each simulated respondent answers with their own token, some saving a draft first and resuming.
It runs in process (no server to start), but every request goes through the real routes.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from analysis import SimulatedOrganisation
from api.app import API_PREFIX, create_app
from api.services.access import init_organisation
from api.store.db import session_scope
from api.store.models import OrganisationCreate
from instrument import Instrument

with warnings.catch_warnings():
    # Starlette's test client warns at import that it will move to httpx2; nothing to act on yet.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient


DRAFT_SHARE = 0.3
FORM_SHARE = 0.25
"""Share of respondents who answer through the form's pages (plain posts, as a browser without
JavaScript sends them), page by page, rather than through the JSON route."""
"""Share of respondents who save half their answers, come back and finish."""


class DemoRequestFailed(RuntimeError):
    """The API refused one of the demo's requests: a bug, since the demo's data are valid."""


def collect_over_http(
    engine: Engine,
    simulated: SimulatedOrganisation,
    *,
    instrument: Instrument,
    campaign_name: str,
    languages: dict[str, str],
    seed: int,
) -> tuple[int, dict[str, int]]:
    """Run the campaign over HTTP; returns the campaign id and the database id of each unit."""
    units = simulated.units
    root = str(units.loc[units["kind"] == "organisation", "name"].iat[0])
    with session_scope(engine) as session:
        _organisation, key = init_organisation(session, OrganisationCreate(name=root))
    client = TestClient(create_app(engine), headers={"Authorization": f"Bearer {key.key}"})
    with client:
        created = _call(
            client,
            "POST",
            "/units/import",
            content=_chart_csv(units),
            headers={"Content-Type": "text/csv"},
        )
        unit_ids = {str(u["external_id"]): int(u["id"]) for u in created["units"]}
        team_keys = [str(t) for t in units.loc[units["kind"] == "team", "unit_id"]]
        campaign = _call(
            client,
            "POST",
            "/campaigns",
            json={
                "name": campaign_name,
                "instrument": instrument.ref,
                "unit_ids": [unit_ids[t] for t in team_keys],
                "languages": list(instrument.languages),
            },
        )
        campaign_id = int(campaign["id"])
        # Links first, then the opening: invitations added to an open campaign are listed for
        # the works council as a way to bring a small team up to the minimum.
        tokens = _invite(client, campaign_id, simulated.responses, unit_ids, team_keys, seed=seed)
        _call(client, "POST", f"/campaigns/{campaign_id}/open")
        _answer(
            client,
            simulated.responses,
            tokens,
            instrument=instrument,
            languages=languages,
            seed=seed,
        )
        _call(client, "POST", f"/campaigns/{campaign_id}/close")
    return campaign_id, unit_ids


def _chart_csv(units: pd.DataFrame) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["external_id", "name", "parent_external_id", "kind"])
    for unit in units.itertuples():
        parent = "" if pd.isna(unit.parent_id) else str(unit.parent_id)
        writer.writerow([unit.unit_id, unit.name, parent, unit.kind])
    return out.getvalue()


def _invite(
    client: TestClient,
    campaign_id: int,
    responses: pd.DataFrame,
    unit_ids: dict[str, int],
    team_keys: list[str],
    *,
    seed: int,
) -> dict[str, list[str]]:
    """Invitations per team: its respondents over a plausible response rate (55-95 %)."""
    rng = np.random.default_rng(seed + 1)
    counts = responses["team"].astype(str).value_counts()
    tokens = {}
    for team in team_keys:
        invited = int(np.ceil(counts.get(team, 0) / rng.uniform(0.55, 0.95))) or 3
        issued = _call(
            client,
            "POST",
            f"/campaigns/{campaign_id}/invitations",
            json={"unit_id": unit_ids[team], "count": invited},
        )
        tokens[team] = list(issued["tokens"])
    return tokens


def _answer(
    client: TestClient,
    responses: pd.DataFrame,
    tokens: dict[str, list[str]],
    *,
    instrument: Instrument,
    languages: dict[str, str],
    seed: int,
) -> None:
    """Every simulated respondent answers with a token of their team; an unanswered item is sent
    as 'does not apply', as the web form requires one or the other."""
    rng = np.random.default_rng(seed + 3)
    items = list(instrument.item_ids)
    values = responses[items].to_numpy()
    for row, team in zip(values, responses["team"].astype(str), strict=True):
        token = tokens[team].pop()
        answers = {
            item: None if np.isnan(value) else int(value)
            for item, value in zip(items, row, strict=True)
        }
        language = languages[team]
        path = rng.random()
        if path < FORM_SHARE:
            _answer_in_pages(client, token, answers, instrument=instrument, language=language)
            continue
        _call(client, "GET", f"/respond/{token}", params={"language": language})
        if path < FORM_SHARE + DRAFT_SHARE:
            half = dict(list(answers.items())[: len(items) // 2])
            _call(
                client,
                "PUT",
                f"/respond/{token}/draft",
                json={"answers": half, "language": language},
            )
            resumed = _call(client, "GET", f"/respond/{token}")
            rest = {k: v for k, v in answers.items() if k not in resumed["answers"]}
            _call(client, "POST", f"/respond/{token}", json={"answers": rest})
        else:
            _call(
                client, "POST", f"/respond/{token}", json={"answers": answers, "language": language}
            )


def _answer_in_pages(
    client: TestClient,
    token: str,
    answers: dict[str, int | None],
    *,
    instrument: Instrument,
    language: str,
) -> None:
    """Answer as a person does on the form: the welcome page, each page of statements posted
    with its anti-forgery token, the review, and the send."""
    _page(client, "GET", f"/r/{token}?lang={language}")
    for number, scale in enumerate(instrument.scales, start=1):
        page = _page(client, "GET", f"/r/{token}/p/{number}?lang={language}")
        fields = {i: "na" if answers[i] is None else str(answers[i]) for i in scale.items}
        _page(
            client,
            "POST",
            f"/r/{token}/p/{number}",
            data={"csrf": _form_token(page), "lang": language, "action": "next", **fields},
        )
    review = _page(client, "GET", f"/r/{token}/review?lang={language}")
    sent = _page(
        client,
        "POST",
        f"/r/{token}/review",
        data={"csrf": _form_token(review), "lang": language, "action": "send"},
    )
    if "/thanks" not in sent:
        raise DemoRequestFailed(f"the form did not send the answers of a respondent: {sent}")


def _page(client: TestClient, method: str, path: str, **options: Any) -> str:
    """A page of the form (a post is followed to the page it redirects to)."""
    response = client.request(method, path, follow_redirects=False, **options)
    if response.status_code == 303:
        location = response.headers["location"]
        response = client.get(location)
        if response.status_code >= 400:
            raise DemoRequestFailed(f"GET {location} -> {response.status_code}")
        return f"{location}\n{response.text}"
    if response.status_code >= 400:
        raise DemoRequestFailed(f"{method} {path} -> {response.status_code}")
    return str(response.text)


def _form_token(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    if found is None:
        raise DemoRequestFailed("a page of the form came without its anti-forgery token")
    return found.group(1)


def _call(client: TestClient, method: str, path: str, **options: Any) -> Any:
    response = client.request(method, API_PREFIX + path, **options)
    if response.status_code >= 400:
        raise DemoRequestFailed(f"{method} {path} -> {response.status_code}: {response.text}")
    return response.json() if response.content else None
