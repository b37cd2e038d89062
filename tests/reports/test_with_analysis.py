"""The reports read what analysis.campaign really returns: simulated answers, end to end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.campaign import CampaignAnalysis, analyse_campaign
from instrument.model import Instrument
from reports.build import build_organisation_view, build_team_view
from reports.render import render_organisation_html, render_team_html
from reports.views import SuppressedTeamError
from tests.reports import fakes

TEAM_SIZES = {"11": 12, "12": 9, "13": 7, "17": 3}


def _responses(instrument: Instrument, *, seed: int = 3) -> pd.DataFrame:
    """Answers with a team effect per scale and about 5 % of items left unanswered."""
    rng = np.random.default_rng(seed)
    rows = []
    for team, size in TEAM_SIZES.items():
        shift = {scale.id: rng.normal(0, 0.8) for scale in instrument.scales}
        for _ in range(size):
            person = rng.normal(0, 0.7)
            answers: dict[str, object] = {"team": team}
            for scale in instrument.scales:
                for item in scale.items:
                    value = 4 + shift[scale.id] + person + rng.normal(0, 0.9)
                    answers[item] = float(np.clip(np.rint(value), 1, 7))
            rows.append(answers)
    responses = pd.DataFrame(rows)
    items = list(instrument.item_ids)
    responses[items] = responses[items].mask(rng.random((len(responses), len(items))) < 0.05)
    return responses


@pytest.fixture(scope="module")
def campaign(instrument: Instrument) -> CampaignAnalysis:
    return analyse_campaign(_responses(instrument), instrument=instrument, min_group_size=5)


def test_a_team_report_renders_from_a_real_analysis(
    campaign: CampaignAnalysis, instrument: Instrument
) -> None:
    view = build_team_view(
        campaign,
        instrument=instrument,
        team_id="11",
        **fakes.view_arguments(TEAM_SIZES, language="fr"),
    )
    assert view.n_respondents == TEAM_SIZES["11"]
    assert {score.scale.scale_id for score in view.scales} >= set(instrument.scale_ids)
    assert view.placement is not None
    assert len(view.other_teams) == 2
    assert all(row.alpha is not None for row in view.quality if not row.scale.is_composite)
    assert "Claims handling" in render_team_html(view)


def test_a_small_team_of_a_real_analysis_is_refused(
    campaign: CampaignAnalysis, instrument: Instrument
) -> None:
    with pytest.raises(SuppressedTeamError, match="fewer than the minimum of 5"):
        build_team_view(
            campaign,
            instrument=instrument,
            team_id="17",
            **fakes.view_arguments(TEAM_SIZES, language="en"),
        )


def test_the_organisation_report_renders_from_a_real_analysis(
    campaign: CampaignAnalysis, instrument: Instrument
) -> None:
    view = build_organisation_view(
        campaign,
        instrument=instrument,
        **fakes.view_arguments(TEAM_SIZES, language="en"),
    )
    assert {row.team_id for row in view.heat} == {"11", "12", "13"}
    assert sum(count.teams for count in view.profiles) == 3
    assert "Finance" in render_organisation_html(view)
