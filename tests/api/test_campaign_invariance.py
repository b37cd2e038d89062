"""Invariance for the reports: tested across departments, on the respondents the analysis kept."""

from __future__ import annotations

import pandas as pd

from analysis import simulate_organisation
from api.services.campaigns import CampaignData
from api.store.models import Unit, UnitKind
from instrument import load_builtin

# Departments 2 and 3 have 6 teams of 20 each (120 respondents, some of them careless);
# department 4 has 2 teams (40): under the 100 an invariance test needs, so it stays out.
TEAMS = {2: range(10, 16), 3: range(20, 26), 4: range(30, 32)}


def _campaign() -> CampaignData:
    instrument = load_builtin()
    team_ids = [team for teams in TEAMS.values() for team in teams]
    simulated = simulate_organisation(
        instrument=instrument, team_sizes=[20] * len(team_ids), seed=11, careless_share=0.05
    )
    names = sorted(simulated.responses["team"].unique())
    responses = simulated.responses.assign(
        team=simulated.responses["team"].map(dict(zip(names, map(str, team_ids), strict=True)))
    )
    units = [Unit(id=1, organisation_id=1, name="Org", kind=UnitKind.organisation)]
    for department, teams in TEAMS.items():
        units.append(Unit(id=department, organisation_id=1, parent_id=1, name=f"D{department}",
                          kind=UnitKind.department))  # fmt: skip
        units += [
            Unit(id=team, organisation_id=1, parent_id=department, name=f"T{team}")
            for team in teams
        ]
    return CampaignData(
        campaign_id=1, campaign_name="Spring", organisation_name="Org", languages=("en",),
        min_group_size=5, instrument=instrument, responses=responses, units=tuple(units),
        invited=dict.fromkeys(team_ids, 20),
    )  # fmt: skip


def test_invariance_is_tested_across_the_large_departments_on_the_kept_respondents() -> None:
    data = _campaign()
    analysis = data.analyse()
    found = data.invariance_across_departments(analysis)
    assert list(found["scale"]) == list(data.instrument.scale_ids)
    assert set(found["n_groups"]) == {2}
    # Listwise within each scale, among the 240 answers of departments 2 and 3 less the
    # careless: never more than those kept.
    kept_rows = analysis.scores.drop(index=analysis.excluded)
    kept = int(kept_rows["team"].astype(int).isin([*TEAMS[2], *TEAMS[3]]).sum())
    assert analysis.n_excluded > 0
    assert kept < 240
    assert (found["n"] <= kept).all()
    assert found["means_comparable"].dtype == bool


def test_no_invariance_when_a_single_department_is_large_enough() -> None:
    data = _campaign()
    responses = data.responses[~data.responses["team"].isin([str(t) for t in TEAMS[3]])]
    alone = CampaignData(**{**data.__dict__, "responses": responses})
    found = alone.invariance_across_departments(alone.analyse())
    assert found.empty
    assert isinstance(found, pd.DataFrame)
