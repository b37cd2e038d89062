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


@pytest.mark.parametrize("team_id", ["11", "12", "13"])
def test_a_real_analysis_gives_reports_that_agree_with_each_other(
    campaign: CampaignAnalysis, instrument: Instrument, team_id: str
) -> None:
    """Whatever the figures: a difference a team report states is one the organisation's
    heat table does not grey; a figure its summary names or its appendix supports is one it
    does not grey; the heat table greys the cells the team report greys."""
    arguments = fakes.view_arguments(TEAM_SIZES, language="en")
    team = build_team_view(campaign, instrument=instrument, team_id=team_id, **arguments)
    organisation = build_organisation_view(campaign, instrument=instrument, **arguments)
    columns = {scale.scale_id: i for i, scale in enumerate(organisation.scales)}
    row = next(r for r in organisation.heat if r.team_id == team_id)
    quality = {q.scale.scale_id: q for q in team.quality}
    summary = " ".join(team.summary)
    for score in team.scales:
        if not score.shown or score.verdict is None:
            continue
        scale_id = score.scale.scale_id
        if score.verdict.clear:
            assert not organisation.heat_caveats[columns[scale_id]], scale_id
            assert score.supported
            assert score.comparable
        assert row.unsupported[columns[scale_id]] == (not score.supported), scale_id
        if quality[scale_id].team_mean_justified is True:
            assert score.supported, scale_id
        if not score.supported:
            assert f"about {score.scale.name}," not in summary, scale_id
