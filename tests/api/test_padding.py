"""The fifth attack, padding: HR brings a team of one real respondent up to the minimum with
invitations of its own. The service cannot stop whoever holds links from answering them, but
it makes it visible: every invitation created after the campaign opened, and every answer
imported, is in the audit log and in the organisation report's appendix, for a works council.
Imported answers count apart, so no response rate passes 100 %."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from api.jobs.batch import render_campaign_reports
from api.services.org_chart import UnitImportRow
from instrument import load_builtin
from tests.api.conftest import INSTRUMENT, Org, stage_campaign

API = "/api/v1"
ITEMS = load_builtin(INSTRUMENT).item_ids


def _answers(seed: int) -> dict[str, int]:
    return {item: (seed * 3 + index) % 7 + 1 for index, item in enumerate(ITEMS)}


@pytest.fixture
def campaign(org: Org, engine: Engine) -> dict[str, Any]:
    """An open campaign over a team of 8 and a team of 1, each invited before opening."""
    staged = stage_campaign(
        engine,
        org.organisation_id,
        chart=[
            UnitImportRow(external_id="acme", name="Acme", kind="organisation"),
            UnitImportRow(external_id="big", name="Big team", parent_external_id="acme"),
            UnitImportRow(external_id="one", name="Lonely team", parent_external_id="acme"),
        ],
        teams=["big", "one"],
        open_it=False,
    )
    units, campaign_id = staged.units, staged.campaign_id
    tokens = {
        team: _invite(org, campaign_id, units[team], n) for team, n in (("big", 8), ("one", 1))
    }
    opened = org.client.post(f"{API}/campaigns/{campaign_id}/open", headers=org.headers())
    assert opened.status_code == 200
    for team in ("big", "one"):
        for seed, token in enumerate(tokens[team]):
            answer = org.client.post(f"{API}/respond/{token}", json={"answers": _answers(seed)})
            assert answer.status_code == 204, answer.text
    return {"id": campaign_id, **units}


def _invite(org: Org, campaign_id: int, unit_id: int, count: int) -> list[str]:
    answer = org.client.post(
        f"{API}/campaigns/{campaign_id}/invitations",
        json={"unit_id": unit_id, "count": count},
        headers=org.headers(),
    )
    assert answer.status_code == 201, answer.text
    return list(answer.json()["tokens"])


def _pdf_text(path: Path) -> str:
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    return re.sub(r"\s+", " ", text)


def test_padding_a_small_team_is_recorded_and_printed_for_the_works_council(
    org: Org, engine: Engine, campaign: dict[str, Any], tmp_path: Path
) -> None:
    # The attack: four more links for the team of one, answered by HR itself.
    for seed, token in enumerate(_invite(org, campaign["id"], campaign["one"], 4)):
        assert (
            org.client.post(f"{API}/respond/{token}", json={"answers": _answers(seed)}).status_code
            == 204
        )

    log = org.client.get(
        f"{API}/audit", params={"campaign_id": campaign["id"]}, headers=org.headers()
    )
    assert log.status_code == 200
    events = [(e["action"], e["unit_id"], e["count"]) for e in log.json()]
    assert events == [
        ("invitations_issued", campaign["big"], 8),
        ("invitations_issued", campaign["one"], 1),
        ("campaign_opened", None, None),
        ("invitations_added", campaign["one"], 4),
    ]
    assert all(e["actor"].startswith("admin key ") for e in log.json())
    assert "answers" not in log.text

    closed = org.client.post(f"{API}/campaigns/{campaign['id']}/close", headers=org.headers())
    assert closed.status_code == 200
    summary = render_campaign_reports(
        engine, campaign_id=campaign["id"], out_dir=tmp_path, workers=1
    )
    organisation = next(e for e in summary.entries if e.unit_id is None)
    assert organisation.file is not None
    text = _pdf_text(tmp_path / organisation.file)
    assert "Respondents added while the campaign ran" in text
    assert re.search(r"Lonely team invitations after opening 4", text), text[-1500:]


def test_paper_answers_count_apart_and_no_rate_passes_one_hundred_percent(
    org: Org, engine: Engine, campaign: dict[str, Any], tmp_path: Path
) -> None:
    rows = "\n".join(
        f"{campaign['big']}," + ",".join(map(str, _answers(s).values())) for s in range(4)
    )
    imported = org.client.post(
        f"{API}/campaigns/{campaign['id']}/import",
        content=f"unit_id,{','.join(ITEMS)}\n{rows}\n".encode(),
        headers={**org.headers(), "Content-Type": "text/csv"},
    )
    assert imported.status_code == 201, imported.text

    progress = org.client.get(f"{API}/campaigns/{campaign['id']}/progress", headers=org.headers())
    big = next(u for u in progress.json()["units"] if u["unit_id"] == campaign["big"])
    assert (big["invited"], big["responses"], big["imported"]) == (8, 12, 4)
    assert big["response_rate"] == 1.0
    log = org.client.get(f"{API}/audit", headers=org.headers()).json()
    assert (log[-1]["action"], log[-1]["unit_id"], log[-1]["count"]) == (
        "answers_imported",
        campaign["big"],
        4,
    )

    org.client.post(f"{API}/campaigns/{campaign['id']}/close", headers=org.headers())
    report = org.client.get(
        f"{API}/campaigns/{campaign['id']}/units/{campaign['big']}/report.pdf",
        headers=org.headers(),
    )
    assert report.status_code == 200
    text = re.sub(
        r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(report.content)).pages)
    )
    assert "12 (8 of 8 invited, 4 on paper)" in text
    assert "150" not in text.split("Response rate")[1][:12], "the rate counts online answers"
    assert re.search(r"Response rate 100\s?%", text)
