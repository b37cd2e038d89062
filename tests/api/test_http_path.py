"""The whole collection path over HTTP, on SQLite and on PostgreSQL: HR imports the org chart,
runs a campaign and hands out invitations; respondents read the form, save a draft, resume and
submit; a department's leader reads their teams' results and a team's PDF."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import Engine, text

from analysis.simulate import simulate_organisation
from instrument import load_builtin
from tests.api.conftest import INSTRUMENT, Org

API = "/api/v1"

# Children come before their parents on purpose: the import orders the rows itself.
ORG_CHART = """\
external_id,name,parent_external_id,kind
night,Night shift,ops,team
ops,Operations,acme,department
acme,Acme,,organisation
day,Day shift,ops,team
weekend,Weekend crew,ops,team
sales,Sales,acme,department
north,North desk,sales,team
"""

TEAMS = ("night", "day", "weekend", "north")
INVITED = {"night": 10, "day": 10, "weekend": 4, "north": 9}
RESPONDING = {"night": 9, "day": 10, "weekend": 3, "north": 9}
"""The weekend crew stays under the minimum group size of 5; one night-shift invitee never
answers."""

Answers = dict[str, int | None]


@pytest.fixture(scope="module")
def answers_by_team() -> dict[str, list[Answers]]:
    """Realistic answers from the simulator; skipped and 'does not apply' answers are null."""
    simulated = simulate_organisation(
        instrument=load_builtin(INSTRUMENT), team_sizes=[RESPONDING[t] for t in TEAMS], seed=11
    ).responses
    items = load_builtin(INSTRUMENT).item_ids
    by_team: dict[str, list[Answers]] = {}
    for team, (_, rows) in zip(TEAMS, simulated.groupby("team", sort=False), strict=True):
        by_team[team] = [
            {i: None if math.isnan(row[i]) else int(row[i]) for i in items}
            for _, row in rows.iterrows()
        ]
    return by_team


@dataclass(frozen=True)
class Campaign:
    id: int
    units: dict[str, int]
    tokens: dict[str, list[str]]


def _import_chart(org: Org) -> dict[str, int]:
    response = org.client.post(
        f"{API}/units/import",
        content=ORG_CHART,
        headers={**org.headers(), "Content-Type": "text/csv"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["counts"]["added"] == len(ORG_CHART.splitlines()) - 1
    return {u["external_id"]: u["id"] for u in response.json()["units"]}


def _open_campaign(org: Org, units: dict[str, int], teams: tuple[str, ...]) -> int:
    now = datetime.now(UTC)
    created = org.client.post(
        f"{API}/campaigns",
        json={
            "name": "Spring pulse",
            "instrument": INSTRUMENT,
            "unit_ids": [units[t] for t in teams],
            "opens_at": (now - timedelta(hours=1)).isoformat(),
            "closes_at": (now + timedelta(days=30)).isoformat(),
            "languages": ["en", "fr"],
        },
        headers=org.headers(),
    )
    assert created.status_code == 201, created.text
    campaign = created.json()
    assert campaign["min_group_size"] == 5, "the minimum group size defaults to 5"
    assert campaign["status"] == "draft"
    assert (campaign["instrument_id"], campaign["instrument_version"]) == tuple(
        INSTRUMENT.split("@")
    )
    opened = org.client.post(f"{API}/campaigns/{campaign['id']}/open", headers=org.headers())
    assert opened.status_code == 200, opened.text
    assert opened.json()["status"] == "open"
    return int(campaign["id"])


def _invite(org: Org, campaign_id: int, unit_id: int, count: int) -> list[str]:
    response = org.client.post(
        f"{API}/campaigns/{campaign_id}/invitations",
        json={"unit_id": unit_id, "count": count},
        headers=org.headers(),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["respond_paths"] == [f"/r/{t}" for t in body["tokens"]]
    return list(body["tokens"])


def _assert_secret_is_strong(token: str) -> None:
    secret = token.removeprefix("tvi_")
    assert secret != token, "tokens carry their prefix"
    assert re.fullmatch(r"[A-Za-z0-9_-]+", secret)
    assert len(secret) * 6 >= 128, "a token needs at least 128 random bits"


def _stored_rows(engine: Engine, table: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(text(f"SELECT * FROM {table}")).mappings()]


def _answers_of(row: dict[str, Any]) -> str:
    """A stored response's answers as canonical JSON (SQLite hands the column back as text)."""
    answers = row["answers"]
    return json.dumps(json.loads(answers) if isinstance(answers, str) else answers, sort_keys=True)


def _pdf_text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def _visible_text(page: str) -> str:
    """The text of an HTML page a reader sees: no style, no markup, entities read."""
    body = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def _respond(client: TestClient, token: str, answers: Answers, *, language: str) -> None:
    """One respondent: reads the form, saves half, comes back to the draft, sends the rest."""
    instrument = load_builtin(INSTRUMENT)
    path = f"{API}/respond/{token}"
    form = client.get(path, params={"language": language})
    assert form.status_code == 200, form.text
    shown = form.json()
    assert shown["language"] == language
    assert shown["languages"] == ["en", "fr"]
    assert [i["id"] for i in shown["items"]] == list(instrument.item_ids)
    assert [i["text"] for i in shown["items"]] == [
        instrument.item(i).text[language] for i in instrument.item_ids
    ]
    scale = instrument.response_scale
    assert shown["options"] == [
        {"value": v, "label": label}
        for v, label in zip(scale.values, scale.labels[language], strict=True)
    ]
    assert shown["not_applicable"] == scale.not_applicable[language]
    assert (shown["answers"], shown["answered"], shown["total"]) == ({}, 0, 60)

    items = list(answers)
    first_half = {i: answers[i] for i in items[:30]}
    saved = client.put(f"{path}/draft", json={"answers": first_half, "language": language})
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"answered": 30, "total": 60}

    # Later, from the same link: the draft and the language come back.
    resumed = client.get(path)
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["answers"] == first_half
    assert resumed.json()["answered"] == 30
    assert resumed.json()["language"] == language

    rest = {i: answers[i] for i in items[30:]}
    submitted = client.post(path, json={"answers": rest})
    assert submitted.status_code == 204, submitted.text


def _run_campaign(org: Org, answers_by_team: dict[str, list[Answers]]) -> Campaign:
    units = _import_chart(org)
    campaign_id = _open_campaign(org, units, TEAMS)
    tokens = {t: _invite(org, campaign_id, units[t], INVITED[t]) for t in TEAMS}
    respondent = 0
    for team in TEAMS:
        for token, answers in zip(tokens[team], answers_by_team[team], strict=False):
            _respond(org.client, token, answers, language=("en", "fr")[respondent % 2])
            respondent += 1
    return Campaign(id=campaign_id, units=units, tokens=tokens)


def test_hr_runs_a_campaign_and_a_leader_reads_their_teams_results_and_report(
    org: Org, engine: Engine, answers_by_team: dict[str, list[Answers]]
) -> None:
    client = org.client
    campaign = _run_campaign(org, answers_by_team)
    units = campaign.units

    listed = client.get(f"{API}/units", headers=org.headers())
    parents = {u["external_id"]: u["parent_id"] for u in listed.json()}
    assert parents == {
        "acme": None,
        "ops": units["acme"],
        "sales": units["acme"],
        "night": units["ops"],
        "day": units["ops"],
        "weekend": units["ops"],
        "north": units["sales"],
    }

    issued = client.post(
        f"{API}/keys", json={"role": "leader", "unit_id": units["ops"]}, headers=org.headers()
    )
    assert issued.status_code == 201, issued.text
    leader = org.headers(issued.json()["key"])

    # While the campaign is open there are no results, only progress.
    early = client.get(f"{API}/campaigns/{campaign.id}/results", headers=leader)
    assert early.status_code == 409
    assert "is open" in early.json()["detail"]
    closed = client.post(f"{API}/campaigns/{campaign.id}/close", headers=org.headers())
    assert closed.status_code == 200, closed.text
    snapshot = closed.json()["snapshot"]
    assert re.fullmatch(r"[0-9a-f]{64}", snapshot)

    results = client.get(f"{API}/campaigns/{campaign.id}/results", headers=leader)
    assert results.status_code == 200, results.text
    assert results.json()["snapshot"] == snapshot
    by_unit = {u["unit_id"]: u for u in results.json()["units"]}
    assert set(by_unit) == {units["night"], units["day"], units["weekend"]}, (
        "a leader sees their own teams and no other"
    )
    for team in ("night", "day"):
        shown = by_unit[units[team]]
        assert not shown["suppressed"]
        assert shown["respondents"] == RESPONDING[team]
        # Careless respondents count in the figures: n beside the number who answered would
        # otherwise tell the team how many of its members were flagged.
        assert shown["analysed"] == shown["respondents"]
        assert {s["n"] for s in shown["scores"] if s["shown"]} <= set(range(RESPONDING[team] + 1))
        means = [s["mean"] for s in shown["scores"] if s["shown"]]
        assert means, f"{team} shows no scale"
        assert all(1 <= m <= 7 for m in means)
    small = by_unit[units["weekend"]]
    assert small["suppressed"] is True
    assert "fewer than the minimum of 5" in small["reason"]
    assert small["scores"] == [], "a suppressed team shows no figure"
    assert small["profile"] is None
    assert small["respondents"] == RESPONDING["weekend"]  # received: progress shows it anyway
    assert small["analysed"] is None, "how many of a small team were excluded is not told"

    report = client.get(
        f"{API}/campaigns/{campaign.id}/units/{units['night']}/report.pdf", headers=leader
    )
    assert report.status_code == 200, report.text
    assert report.headers["content-type"] == "application/pdf"
    assert report.headers["x-transversal-snapshot"] == snapshot
    assert report.content.startswith(b"%PDF")
    assert "Night shift" in _pdf_text(report.content)

    refused = client.get(
        f"{API}/campaigns/{campaign.id}/units/{units['weekend']}/report.pdf", headers=leader
    )
    assert refused.status_code == 409
    assert "fewer than the minimum" in refused.json()["detail"]

    # The same report as a web page: the PDF's sections and figures, the fonts from the server.
    page = client.get(
        f"{API}/campaigns/{campaign.id}/units/{units['night']}/report.html", headers=leader
    )
    assert page.status_code == 200, page.text
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "Night shift" in page.text
    pdf_text = _pdf_text(report.content)
    for anchor in ("summary", "accountability", "items", "meaning", "questions", "appendix"):
        assert f'id="{anchor}"' in page.text
    fonts = re.findall(r'url\("([^"]+\.ttf)"\)', page.text)
    assert fonts
    assert all(url.startswith(f"{API}/report-assets/fonts/") for url in fonts)
    assert all(client.get(url).status_code == 200 for url in fonts)
    assert "reports-static:" not in page.text
    numbers = re.findall(r"\b\d\.\d\d\b", _visible_text(page.text))
    assert len(numbers) > 50
    missing = [number for number in numbers if number not in pdf_text]
    assert not missing, f"in the HTML report but not in the PDF: {missing[:10]}"
    small = client.get(
        f"{API}/campaigns/{campaign.id}/units/{units['weekend']}/report.html", headers=leader
    )
    assert small.status_code == 409


def test_progress_counts_invitations_and_responses_per_unit_and_nothing_else(
    org: Org, answers_by_team: dict[str, list[Answers]]
) -> None:
    campaign = _run_campaign(org, answers_by_team)
    units = campaign.units

    progress = org.client.get(f"{API}/campaigns/{campaign.id}/progress", headers=org.headers())
    assert progress.status_code == 200, progress.text
    body = progress.json()
    assert (body["status"], body["invited"], body["responses"]) == ("open", 33, 31)
    assert body["imported"] == 0
    assert {u["unit_id"]: (u["invited"], u["responses"]) for u in body["units"]} == {
        units[t]: (INVITED[t], RESPONDING[t]) for t in TEAMS
    }
    rates = {u["unit_id"]: u["response_rate"] for u in body["units"]}
    assert rates[units["night"]] == pytest.approx(0.9)
    assert all(
        set(u) == {"unit_id", "name", "invited", "responses", "imported", "response_rate"}
        for u in body["units"]
    )

    issued = org.client.post(
        f"{API}/keys", json={"role": "leader", "unit_id": units["sales"]}, headers=org.headers()
    )
    leader = org.headers(issued.json()["key"])
    theirs = org.client.get(f"{API}/campaigns/{campaign.id}/progress", headers=leader).json()
    assert [u["unit_id"] for u in theirs["units"]] == [units["north"]]
    assert (theirs["invited"], theirs["responses"]) == (9, 9)


def test_stored_responses_carry_no_token_and_only_the_day(
    org: Org, engine: Engine, answers_by_team: dict[str, list[Answers]]
) -> None:
    day_before = datetime.now(UTC).date()
    campaign = _run_campaign(org, answers_by_team)
    day_after = datetime.now(UTC).date()
    tokens = [t for team in TEAMS for t in campaign.tokens[team]]
    digests = [hashlib.sha256(t.encode()).hexdigest() for t in tokens]

    responses = _stored_rows(engine, "response")
    assert len(responses) == 31
    assert set(responses[0]) == {
        "id",
        "campaign_id",
        "unit_id",
        "language",
        "submitted_on",
        "answers",
    }
    for row in responses:
        # PostgreSQL hands back a date, SQLite its ISO text; either way a day and no time.
        day = row["submitted_on"]
        assert not isinstance(day, datetime)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(day))
        assert date.fromisoformat(str(day)) in {day_before, day_after}
        stored = repr(row)
        assert not any(t in stored or t.removeprefix("tvi_") in stored for t in tokens)
        assert not any(d in stored for d in digests)
    languages = sorted(row["language"] for row in responses)
    assert languages == ["en"] * 16 + ["fr"] * 15
    # Each response is the draft and the rest merged: exactly what the respondent answered.
    stored = {
        t: sorted(_answers_of(r) for r in responses if r["unit_id"] == campaign.units[t])
        for t in TEAMS
    }
    assert stored == {
        t: sorted(json.dumps(a, sort_keys=True) for a in answers_by_team[t]) for t in TEAMS
    }

    invitations = _stored_rows(engine, "invitation")
    assert sorted(row["token_hash"] for row in invitations) == sorted(digests), (
        "invitations keep the token's digest and nothing else of it"
    )
    assert not any(t in repr(invitations) for t in tokens)
    used = [row for row in invitations if row["used"]]
    assert len(used) == 31
    assert all(row["draft"] is None and row["draft_language"] is None for row in used), (
        "submitting drops the draft"
    )


def test_invitations_as_csv_feed_a_mail_merge_whose_links_work(org: Org, engine: Engine) -> None:
    client = org.client
    units = _import_chart(org)
    campaign_id = _open_campaign(org, units, ("night",))

    issued = client.post(
        f"{API}/campaigns/{campaign_id}/invitations",
        json={"unit_id": units["night"], "count": 5},
        headers={**org.headers(), "Accept": "text/csv"},
    )
    assert issued.status_code == 201, issued.text
    assert issued.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(issued.text)))
    assert list(rows[0]) == ["campaign_id", "unit_id", "token", "respond_path"]
    assert len(rows) == 5
    assert {(r["campaign_id"], r["unit_id"]) for r in rows} == {
        (str(campaign_id), str(units["night"]))
    }
    tokens = [r["token"] for r in rows]
    assert len(set(tokens)) == 5
    for token in tokens:
        _assert_secret_is_strong(token)

    letters = [
        f"Dear colleague,\nplease answer at https://survey.example.org{r['respond_path']}\n"
        for r in rows
    ]
    links = [re.search(r"https://survey\.example\.org(\S+)", letter) for letter in letters]
    paths = [link.group(1) for link in links if link is not None]
    assert paths == [f"/r/{t}" for t in tokens]
    for path in paths:
        page = client.get(path)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html"), "the form, not JSON"

    items = load_builtin(INSTRUMENT).item_ids
    answers = {"answers": dict.fromkeys(items, 4)}
    assert client.post(f"{API}/respond/{tokens[0]}", json=answers).status_code == 204

    stored = sorted(row["token_hash"] for row in _stored_rows(engine, "invitation"))
    assert stored == sorted(hashlib.sha256(t.encode()).hexdigest() for t in tokens)
    progress = client.get(f"{API}/campaigns/{campaign_id}/progress", headers=org.headers())
    assert (progress.json()["invited"], progress.json()["responses"]) == (5, 1)


def test_each_batch_of_invitations_is_new_and_shown_once(org: Org) -> None:
    units = _import_chart(org)
    campaign_id = _open_campaign(org, units, ("night",))
    first = _invite(org, campaign_id, units["night"], 20)
    second = _invite(org, campaign_id, units["night"], 20)
    assert len(set(first) | set(second)) == 40
    for token in first + second:
        _assert_secret_is_strong(token)
    listing = org.client.get(f"{API}/campaigns/{campaign_id}/invitations", headers=org.headers())
    assert listing.status_code == 405, "no route gives the tokens out a second time"
