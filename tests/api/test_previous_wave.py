"""The wave before a campaign, on both databases: which campaign it is, and the change since it
printed in the team reports (the batch and the PDF endpoint)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlmodel import Session

from analysis import simulate_organisation
from api import org_chart, services
from api.batch import render_campaign_reports
from api.models import CampaignCreate, OrganisationCreate, ResponseCreate, UnitKind
from api.org_chart import UnitImportRow
from instrument import load_builtin

INSTRUMENT = "transversal-core@1.0.0"
TEAMS = ("t1", "t2")


def _session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)


def _campaign(session: Session, organisation_id: int, units: dict[str, int], name: str) -> int:
    created = services.create_campaign(
        session,
        organisation_id=organisation_id,
        data=CampaignCreate(name=name, instrument=INSTRUMENT, unit_ids=list(units.values())),
    )
    assert created.id is not None
    return created.id


def _answer(session: Session, campaign_id: int, units: dict[str, int], *, seed: int) -> None:
    instrument = load_builtin(INSTRUMENT)
    simulated = simulate_organisation(
        instrument=instrument, team_sizes=[9, 8], seed=seed, careless_share=0.0
    )
    team_ids = sorted(simulated.responses["team"].unique())
    to_unit = dict(zip(team_ids, (units[t] for t in TEAMS), strict=True))
    items = list(instrument.item_ids)
    responses = [
        ResponseCreate(
            unit_id=to_unit[row["team"]],
            answers={i: int(row[i]) for i in items if not np.isnan(row[i])},
        )
        for row in simulated.responses.to_dict("records")
    ]
    services.open_campaign(session, campaign_id=campaign_id)
    services.submit_responses(
        session, campaign_id=campaign_id, responses=responses, submitted_on=date(2026, 3, 4)
    )
    services.close_campaign(session, campaign_id=campaign_id)


@pytest.fixture
def waves(engine: Engine) -> dict[str, int]:
    """Two answered and closed campaigns of one organisation on one instrument, then a draft."""
    with _session(engine) as session:
        organisation = services.create_organisation(session, OrganisationCreate(name="Acme"))
        assert organisation.id is not None
        rows = [
            UnitImportRow(external_id="org", name="Acme", kind=UnitKind.organisation),
            UnitImportRow(external_id="t1", name="Night shift", parent_external_id="org"),
            UnitImportRow(external_id="t2", name="Day shift", parent_external_id="org"),
        ]
        made = org_chart.import_units(session, organisation_id=organisation.id, rows=rows)
        units = {u.external_id: u.id or 0 for u in made if u.external_id in TEAMS}
        spring = _campaign(session, organisation.id, units, "Spring")
        _answer(session, spring, units, seed=1)
        autumn = _campaign(session, organisation.id, units, "Autumn")
        _answer(session, autumn, units, seed=2)
        draft = _campaign(session, organisation.id, units, "Next spring")
        other = services.create_organisation(session, OrganisationCreate(name="Elsewhere"))
        assert other.id is not None
    return {"spring": spring, "autumn": autumn, "draft": draft, **units}


def test_the_previous_wave_is_the_latest_earlier_answered_campaign(
    waves: dict[str, int], engine: Engine
) -> None:
    with _session(engine) as session:
        before_autumn = services.load_previous_wave(session, campaign_id=waves["autumn"])
        before_spring = services.load_previous_wave(session, campaign_id=waves["spring"])
        before_draft = services.load_previous_wave(session, campaign_id=waves["draft"])
    assert before_autumn is not None
    assert before_autumn.campaign_id == waves["spring"]
    assert before_spring is None
    assert before_draft is not None  # a draft has no answers: it is never a previous wave
    assert before_draft.campaign_id == waves["autumn"]


def test_the_change_since_the_previous_wave_is_computed_per_team(
    waves: dict[str, int], engine: Engine
) -> None:
    with _session(engine) as session:
        current = services.load_campaign_data(session, campaign_id=waves["autumn"])
        previous = services.load_previous_wave(session, campaign_id=waves["autumn"])
    trend = current.trend_from(previous)
    assert trend is not None
    assert set(trend["team"]) == {str(waves["t1"]), str(waves["t2"])}
    assert current.trend_from(None) is None
    # Both teams reach the minimum in both waves: a change is computed wherever invariance
    # holds, and withheld with its reason where it does not.
    assert (trend["shown"] == trend["reason"].isna()).all()
    assert trend["n_previous"].min() >= 5


def test_the_batch_prints_the_change_since_the_previous_wave(
    waves: dict[str, int], engine: Engine, tmp_path: Path
) -> None:
    summary = render_campaign_reports(
        engine, campaign_id=waves["autumn"], out_dir=tmp_path, units=[waves["t1"]], workers=1
    )
    (entry,) = summary.with_status("written")
    assert entry.file is not None
    text = " ".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO((tmp_path / entry.file).read_bytes())).pages
    )
    assert "no previous wave" not in text
    first = render_campaign_reports(
        engine,
        campaign_id=waves["spring"],
        out_dir=tmp_path / "spring",
        units=[waves["t1"]],
        workers=1,
    )
    (spring,) = first.with_status("written")
    assert spring.file is not None
    spring_text = " ".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO((tmp_path / "spring" / spring.file).read_bytes())).pages
    )
    assert "no previous wave" in spring_text
