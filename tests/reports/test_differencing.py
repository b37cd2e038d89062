"""Differencing attacks on the rendered reports: an organisation built so that a naive set of
reports would give away a group of 2, and the reports transversal writes, which do not.

Teams Claims handling (6), Patient records (7) and Finance (2). Finance is under the minimum of
5 and gets no report. A naive organisation mean over every respondent would have n = 15, and
15 x organisation - 6 x Claims - 7 x Patient records would be Finance's sum: the mean of two
colleagues. The reports pool the shown teams only (docs/confidentiality.md), so the
organisation minus the shown teams is nobody.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from analysis.campaign import CampaignAnalysis, analyse_campaign
from analysis.scoring import score_scales
from instrument.model import Instrument
from reports.build import build_organisation_view, build_team_view
from reports.formatting import format_number
from reports.render import render_organisation_pdf, render_team_pdf
from reports.views import OrganisationReportView, SuppressedTeamError, TeamReportView
from tests.reports import fakes

SIZES = {"11": 6, "12": 7, "17": 2}
SHOWN = ("11", "12")
SMALL = "17"


def _responses(instrument: Instrument) -> pd.DataFrame:
    """Varied answers; the two people of the small team answer far from everyone else."""
    rng = np.random.default_rng(12)
    frames = []
    for team, size in SIZES.items():
        centre = 6.0 if team == SMALL else 3.5
        values = np.clip(np.rint(rng.normal(centre, 1.1, (size, len(instrument.item_ids)))), 1, 7)
        frame = pd.DataFrame(values, columns=list(instrument.item_ids))
        frame["team"] = team
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def responses(instrument: Instrument) -> pd.DataFrame:
    return _responses(instrument)


@pytest.fixture(scope="module")
def campaign(responses: pd.DataFrame, instrument: Instrument) -> CampaignAnalysis:
    # No screening: the small team's distinctive answers must not be mistaken for careless ones.
    return analyse_campaign(
        responses, instrument=instrument, min_group_size=5, exclusion_policy=None
    )


def _team_view(campaign: CampaignAnalysis, instrument: Instrument, team: str) -> TeamReportView:
    return build_team_view(
        campaign, instrument=instrument, team_id=team, **fakes.view_arguments(SIZES)
    )


def _organisation_view(
    campaign: CampaignAnalysis, instrument: Instrument
) -> OrganisationReportView:
    return build_organisation_view(campaign, instrument=instrument, **fakes.view_arguments(SIZES))


def test_the_naive_organisation_mean_would_give_the_small_team_away(
    responses: pd.DataFrame, instrument: Instrument
) -> None:
    # The attack works on the figures a naive report would print: the test can fail.
    scores = score_scales(responses, instrument=instrument)
    teams = responses["team"]
    everyone = scores["HA"]
    recovered = (
        everyone.sum() - sum(scores.loc[teams == team, "HA"].sum() for team in SHOWN)
    ) / SIZES[SMALL]
    assert recovered == pytest.approx(scores.loc[teams == SMALL, "HA"].mean())


def test_the_reports_leave_nothing_to_subtract(
    campaign: CampaignAnalysis, instrument: Instrument
) -> None:
    organisation = {
        row.scale.scale_id: row for row in _organisation_view(campaign, instrument).organisation
    }
    views = {team: _team_view(campaign, instrument, team) for team in SHOWN}
    with pytest.raises(SuppressedTeamError):
        _team_view(campaign, instrument, SMALL)
    for scale_id, row in organisation.items():
        if row.mean is None:
            continue
        shown = [
            score
            for view in views.values()
            for score in view.scales
            if score.scale.scale_id == scale_id and score.shown
        ]
        assert row.n == sum(score.n or 0 for score in shown), scale_id
        total = row.n * row.mean.value - sum((s.n or 0) * s.team.value for s in shown if s.team)
        assert total == pytest.approx(0.0, abs=1e-9), scale_id
        # Each team's "rest of the organisation" is the other shown team, never the small one.
        for team, view in views.items():
            score = next(s for s in view.scales if s.scale.scale_id == scale_id)
            other = next(
                s for t, v in views.items() if t != team for s in v.scales
                if s.scale.scale_id == scale_id
            )  # fmt: skip
            if score.rest is not None and other.team is not None:
                assert score.rest.value == pytest.approx(other.team.value), (team, scale_id)


def test_the_rendered_pdfs_print_the_pooled_figures_and_nothing_of_the_small_team(
    campaign: CampaignAnalysis, instrument: Instrument, responses: pd.DataFrame
) -> None:
    organisation = _organisation_view(campaign, instrument)
    pdf = render_organisation_pdf(organisation)
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    scores = score_scales(responses, instrument=instrument)
    teams = responses["team"]
    pooled = scores.loc[teams.isin(SHOWN), "HA"].mean()
    naive = scores["HA"].mean()
    printed_pooled = format_number(pooled, language="en")
    printed_naive = format_number(naive, language="en")
    assert printed_pooled != printed_naive
    assert printed_pooled in text
    small_name = fakes.UNITS[SMALL].name
    assert small_name in text  # listed, with its reason
    withheld = next(p for p in organisation.participation if p.team_id == SMALL)
    assert not withheld.eligible
    assert all(row.team_id != SMALL for row in organisation.heat)
    for team in SHOWN:
        team_pdf = render_team_pdf(_team_view(campaign, instrument, team))
        team_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(team_pdf)).pages)
        assert small_name not in team_text
