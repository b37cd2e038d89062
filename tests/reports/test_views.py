"""Views are built from the campaign analysis with the confidentiality rules applied."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
import pytest

from instrument.model import Instrument
from reports.build import build_team_view
from reports.i18n import PROFILES, TEXTS
from reports.views import OrganisationReportView, SuppressedTeamError
from tests.reports import fakes
from tests.reports.conftest import TeamViewFactory


def test_team_view_carries_names_in_the_report_language(team_view: TeamViewFactory) -> None:
    view = team_view("14", language="fr")
    assert view.team_name == "Ward 4 nursing"
    assert view.department_name == "Clinical services"
    assert view.scales[0].scale.name == "Redevabilité horizontale"
    assert view.axis_names == ("Redevabilité horizontale", "Redevabilité verticale")


def test_team_view_holds_the_analysis_numbers_unrounded(
    team_view: TeamViewFactory, analysis: fakes.FakeAnalysis
) -> None:
    view = team_view("14")
    row = analysis.teams.set_index(["team", "scale"]).loc[("14", "VA")]
    score = next(s for s in view.scales if s.scale.scale_id == "VA")
    assert score.team is not None
    assert score.rest is not None
    assert score.difference is not None
    assert (score.team.value, score.team.ci_low, score.team.ci_high) == (
        row["mean"],
        row["ci_low"],
        row["ci_high"],
    )
    assert score.rest.value == row["rest_mean"]
    assert score.difference.ci_high == row["diff_ci_high"]
    assert score.n == row["n"]


def test_scales_follow_the_instrument_with_a_composite_before_its_facets(
    team_view: TeamViewFactory, instrument: Instrument
) -> None:
    ids = [score.scale.scale_id for score in team_view("14").scales]
    composite = instrument.composites[0]
    assert ids.index(composite.id) + 1 == ids.index(composite.facets[0])
    assert [i for i in ids if i != composite.id] == list(instrument.scale_ids)


def test_response_rate_divides_respondents_by_invited(team_view: TeamViewFactory) -> None:
    view = team_view("14")
    assert (view.n_respondents, view.invited) == (18, 25)
    assert view.response_rate == pytest.approx(18 / 25)


def test_a_suppressed_team_is_refused_with_the_reason(team_view: TeamViewFactory) -> None:
    with pytest.raises(SuppressedTeamError, match="fewer than the minimum of 5") as error:
        team_view(fakes.SUPPRESSED_TEAM)
    assert error.value.team_id == fakes.SUPPRESSED_TEAM
    assert error.value.reason == "3 respondents, fewer than the minimum of 5"


def test_a_team_without_responses_is_refused(team_view: TeamViewFactory) -> None:
    with pytest.raises(SuppressedTeamError, match="0 respondents"):
        team_view("3")


def test_a_hidden_scale_carries_its_reason_and_no_figure(team_view: TeamViewFactory) -> None:
    score = next(s for s in team_view().scales if s.scale.scale_id == fakes.HIDDEN_SCALE)
    assert not score.shown
    assert score.hidden_reason == "not shown: fewer than 5 answered"
    figures = {"scale", "shown", "hidden_reason", "caveats", "comparable"}
    assert score.caveats == ()
    assert all(
        getattr(score, f.name) is None for f in dataclasses.fields(score) if f.name not in figures
    )


def test_a_hidden_scale_gives_nothing_away_even_if_the_frame_holds_figures(
    team_view: TeamViewFactory, analysis: fakes.FakeAnalysis
) -> None:
    teams = analysis.teams.copy()
    hidden = (teams["team"] == "14") & (teams["scale"] == "TR")
    teams.loc[hidden, "shown"] = False
    campaign = dataclasses.replace(analysis, teams=teams)
    score = next(s for s in team_view("14", campaign=campaign).scales if s.scale.scale_id == "TR")
    assert (score.team, score.rest, score.difference, score.rwg_j) == (None, None, None, None)


def test_a_missing_rest_of_organisation_becomes_none(
    team_view: TeamViewFactory, analysis: fakes.FakeAnalysis
) -> None:
    teams = analysis.teams.copy()
    teams.loc[teams["team"] == "14", ["rest_mean", "rest_ci_low", "rest_ci_high"]] = np.nan
    view = team_view("14", campaign=dataclasses.replace(analysis, teams=teams))
    assert all(score.rest is None for score in view.scales)


def test_the_placement_is_the_team_own_and_the_other_teams_are_anonymous(
    team_view: TeamViewFactory, analysis: fakes.FakeAnalysis
) -> None:
    view = team_view("14")
    own = analysis.profiles.set_index("team").loc["14"]
    assert view.placement is not None
    assert (view.placement.ha.value, view.placement.va.value) == (own["ha"], own["va"])
    assert view.placement.profile == own["profile"]
    others = analysis.profiles[analysis.profiles["team"] != "14"]
    assert sorted((p.ha, p.va) for p in view.other_teams) == sorted(
        zip(others["ha"], others["va"], strict=True)
    )
    assert list(view.other_teams) == sorted(view.other_teams, key=lambda p: (p.ha, p.va))


def test_quality_rows_flag_the_conventional_thresholds(team_view: TeamViewFactory) -> None:
    view = team_view("14")
    assert view.quality, "every scale of the instrument has reliability figures"
    for row in view.quality:
        if row.alpha is not None:
            assert row.alpha_meets == (row.alpha.value >= view.conventions.alpha)
        if row.icc2 is not None:
            assert row.icc2_meets == (row.icc2 >= 0.70)
        if row.rwg_j is not None:
            assert row.rwg_j_meets == (row.rwg_j >= 0.70)
    assert {row.alpha_meets for row in view.quality} >= {True, False}


def test_an_analysis_of_another_instrument_is_refused(
    team_view: TeamViewFactory, analysis: fakes.FakeAnalysis
) -> None:
    other = dataclasses.replace(analysis, instrument_ref="transversal-core@9.9.9")
    with pytest.raises(ValueError, match="cannot be reported with"):
        team_view("14", campaign=other)


def test_a_language_without_translations_is_refused(
    analysis: fakes.FakeAnalysis, instrument: Instrument
) -> None:
    with pytest.raises(ValueError, match="reports are available in en, fr"):
        build_team_view(
            analysis,
            instrument=instrument,
            team_id="14",
            units=fakes.UNITS,
            organisation_name=fakes.ORGANISATION,
            campaign_name=fakes.CAMPAIGN,
            language="de",
            generated_at=fakes.GENERATED_AT,
            invited=None,
        )


def test_a_frame_missing_a_column_is_named(
    team_view: TeamViewFactory, analysis: fakes.FakeAnalysis
) -> None:
    campaign = dataclasses.replace(analysis, teams=analysis.teams.drop(columns="rwg_j"))
    with pytest.raises(ValueError, match="analysis frame 'teams': lacks column"):
        team_view("14", campaign=campaign)


def test_organisation_view_lists_every_team_with_its_status(
    organisation_view: Callable[[str], OrganisationReportView],
) -> None:
    view = organisation_view("fr")
    by_id = {team.team_id: team for team in view.participation}
    assert set(by_id) == set(fakes.RESPONDENTS)
    assert by_id[fakes.SUPPRESSED_TEAM].suppressed_reason == TEXTS["fr"][
        "suppressed_too_few"
    ].format(respondents=3, n=5)
    assert all(team.eligible for id_, team in by_id.items() if id_ != fakes.SUPPRESSED_TEAM)
    assert view.n_respondents == sum(fakes.RESPONDENTS.values())
    assert view.invited == sum(fakes.INVITED.values())


def test_heat_rows_align_means_with_scales_and_hide_what_is_not_shown(
    organisation_view: Callable[[str], OrganisationReportView], analysis: fakes.FakeAnalysis
) -> None:
    view = organisation_view("en")
    assert fakes.SUPPRESSED_TEAM not in {row.team_id for row in view.heat}
    frame = analysis.teams.set_index(["team", "scale"])
    for row in view.heat:
        assert len(row.means) == len(view.scales)
        for scale, mean in zip(view.scales, row.means, strict=True):
            expected = frame.loc[(row.team_id, scale.scale_id), "mean"]
            assert mean == (None if math.isnan(expected) else expected)
    hidden = next(row for row in view.heat if row.team_id == fakes.HIDDEN_TEAM)
    assert hidden.means[[s.scale_id for s in view.scales].index(fakes.HIDDEN_SCALE)] is None


def test_profile_counts_cover_every_placed_team(
    organisation_view: Callable[[str], OrganisationReportView], analysis: fakes.FakeAnalysis
) -> None:
    view = organisation_view("en")
    assert [count.profile for count in view.profiles] == list(PROFILES)
    assert sum(count.teams for count in view.profiles) == len(analysis.profiles)
    uncertain = int((~analysis.profiles["certain"].astype(bool)).sum())
    assert sum(count.uncertain for count in view.profiles) == uncertain
    assert len(view.team_points) == len(analysis.profiles)


def test_organisation_quality_reports_the_median_rwg_of_shown_teams(
    organisation_view: Callable[[str], OrganisationReportView], analysis: fakes.FakeAnalysis
) -> None:
    view = organisation_view("en")
    shown = analysis.teams[analysis.teams["shown"]]
    row = next(r for r in view.quality if r.scale.scale_id == fakes.HIDDEN_SCALE)
    expected = shown.loc[shown["scale"] == fakes.HIDDEN_SCALE, "rwg_j"].median()
    assert row.rwg_j == pytest.approx(expected)
