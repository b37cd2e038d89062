"""One verdict per (team, scale): the summary, the scores table, the appendix and the
organisation report say what the greyed figures allow, and never the opposite.

Each case reproduces a contradiction seen in real reports (issue 15) on the fake campaign,
with the figures that make it happen set by hand.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

from instrument.model import Instrument
from reports.formatting import format_number
from reports.i18n import TEXTS
from reports.views import TeamReportView
from tests.reports import fakes

TEAM = "14"


def _set(frame: pd.DataFrame, where: pd.Series, **values: float) -> pd.DataFrame:
    frame = frame.copy()
    for column, value in values.items():
        frame.loc[where, column] = value
    return frame


def _clearly_lower(analysis: fakes.FakeAnalysis, scale: str) -> fakes.FakeAnalysis:
    """``TEAM`` clearly below the rest on ``scale`` (interval of the difference below zero),
    with agreement and reliability that support its figure."""
    teams = _set(
        analysis.teams,
        (analysis.teams["team"] == TEAM) & (analysis.teams["scale"] == scale),
        mean=3.0,
        ci_low=2.6,
        ci_high=3.4,
        rwg_j=0.9,
        rest_mean=4.2,
        rest_ci_low=4.0,
        rest_ci_high=4.4,
        diff=-1.2,
        diff_ci_low=-1.7,
        diff_ci_high=-0.7,
    )
    reliability = _set(analysis.reliability, analysis.reliability["scale"] == scale, alpha=0.85)
    return dataclasses.replace(analysis, teams=teams, reliability=reliability)


def _team(analysis: fakes.FakeAnalysis, instrument: Instrument, **kw: str) -> TeamReportView:
    return fakes.team_view(analysis, instrument, TEAM, **kw)


def _named_as(view: TeamReportView, key: str) -> set[str]:
    """The scale names the summary's sentence ``key`` lists in its ``{scales}``."""
    head, tail = TEXTS[view.language][key].split("{scales}")
    for sentence in view.summary:
        found = re.fullmatch(re.escape(head) + "(.+?)" + re.escape(tail), sentence)
        if found:
            return set(found[1].split(", "))
    return set()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_team_is_not_clearly_lower_where_the_organisation_says_team_means_do_not_differ(
    analysis: fakes.FakeAnalysis, instrument: Instrument, language: str
) -> None:
    campaign = _clearly_lower(analysis, "VA")
    campaign = dataclasses.replace(
        campaign, icc=_set(campaign.icc, campaign.icc["scale"] == "VA", icc2=0.41)
    )
    organisation = fakes.organisation_view(campaign, instrument, language=language)
    column = [s.scale_id for s in organisation.scales].index("VA")
    t = TEXTS[language]
    said = t["org_caveat_icc2"].split(":")[0]
    assert any(said in reason for reason in organisation.heat_caveats[column])

    view = _team(campaign, instrument, language=language)
    va = next(s for s in view.scales if s.scale.scale_id == "VA")
    assert va.scale.name not in _named_as(view, "summary_lower")
    assert va.scale.name not in _named_as(view, "summary_higher")
    assert not va.comparable, "the difference is greyed, as the heat table's column is"
    icc2 = format_number(0.41, language=language)
    assert any(icc2 in reason for reason in va.caveats)
    assert va.scale.name in _named_as(view, "summary_caveats_comparison")
    from reports.texts_meanings import QUESTIONS

    assert QUESTIONS[language]["VA"] not in view.questions


def test_the_same_difference_is_said_where_team_means_do_differ(
    analysis: fakes.FakeAnalysis, instrument: Instrument
) -> None:
    """The control: with ICC(2) above the convention the clear difference is stated."""
    campaign = _clearly_lower(analysis, "VA")
    campaign = dataclasses.replace(
        campaign, icc=_set(campaign.icc, campaign.icc["scale"] == "VA", icc2=0.82)
    )
    view = _team(campaign, instrument)
    va = next(s for s in view.scales if s.scale.scale_id == "VA")
    assert va.comparable
    assert va.caveats == ()
    assert va.scale.name in _named_as(view, "summary_lower")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_appendix_never_supports_a_team_mean_whose_alpha_is_greyed(
    analysis: fakes.FakeAnalysis, instrument: Instrument, language: str
) -> None:
    reliability = _set(analysis.reliability, analysis.reliability["scale"] == "HA", alpha=0.55)
    teams = _set(
        analysis.teams, (analysis.teams["team"] == TEAM) & (analysis.teams["scale"] == "HA"),
        rwg_j=0.92,
    )  # fmt: skip
    campaign = dataclasses.replace(analysis, reliability=reliability, teams=teams)
    view = _team(campaign, instrument, language=language)
    row = next(q for q in view.quality if q.scale.scale_id == "HA")
    assert row.alpha_meets is False
    assert row.rwg_j_meets is True
    assert row.team_mean_justified is False
    scores = {s.scale.scale_id: s for s in view.scales}
    for quality in view.quality:
        score = scores.get(quality.scale.scale_id)
        if score is None or not score.shown:
            continue
        if quality.alpha_meets is False:
            assert quality.team_mean_justified is not True, quality.scale.scale_id
        if quality.team_mean_justified is True:
            assert score.supported, quality.scale.scale_id


def test_the_summary_names_as_highest_and_lowest_only_figures_it_does_not_grey(
    analysis: fakes.FakeAnalysis, instrument: Instrument
) -> None:
    teams = analysis.teams
    own = (teams["team"] == TEAM) & teams["shown"].astype(bool)
    # The team's lowest mean of all, on a team-level scale, with agreement of .43.
    teams = _set(teams, own & (teams["scale"] == "TR"), mean=1.5, ci_low=1.2, ci_high=1.8)
    teams = _set(teams, own & (teams["scale"] == "TR"), rwg_j=0.43)
    campaign = dataclasses.replace(analysis, teams=teams)
    view = _team(campaign, instrument)
    tr = next(s for s in view.scales if s.scale.scale_id == "TR")
    assert format_number(0.43, language="en") in tr.caveats[0]
    template = TEXTS["en"]["summary_most_least"]
    pattern = re.escape(template).replace(r"\{most\}", "(?P<most>.+?)")
    pattern = pattern.replace(r"\{least\}", "(?P<least>.+?)")
    pattern = re.sub(r"\\\{[a-z_]+\\\}", ".+?", pattern)
    found = [m for m in (re.fullmatch(pattern, s) for s in view.summary) if m]
    assert len(found) == 1, view.summary
    greyed = {s.scale.name for s in view.scales if not s.supported}
    assert tr.scale.name in greyed
    assert found[0]["least"] not in greyed
    assert found[0]["most"] not in greyed
    assert tr.scale.name in _named_as(view, "summary_caveats")


def _pilot(analysis: fakes.FakeAnalysis) -> fakes.FakeAnalysis:
    """A one-team pilot: only ``TEAM`` answered, so there is no rest to compare with."""
    mine = {name: getattr(analysis, name) for name in ("teams", "profiles", "team_sizes")}
    frames = {name: frame[frame["team"] == TEAM].copy() for name, frame in mine.items()}
    rest = [
        c for c in frames["teams"].columns if c.startswith(("rest_", "diff")) or c == "cohens_d"
    ]
    frames["teams"].loc[:, rest] = np.nan
    distributions = analysis.item_distributions
    return dataclasses.replace(
        analysis,
        **frames,
        suppressed=analysis.suppressed.iloc[0:0],
        item_distributions=distributions[distributions["team"] == TEAM],
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_one_team_pilot_compares_with_no_rest(
    analysis: fakes.FakeAnalysis, instrument: Instrument, language: str
) -> None:
    view = _team(_pilot(analysis), instrument, language=language)
    t = TEXTS[language]
    for key in ("summary_no_difference", "summary_no_difference_supported", "summary_clearly"):
        assert t.get(key) not in view.summary, key
    assert t["summary_no_rest"] in view.summary
    assert not _named_as(view, "summary_higher")
    assert not _named_as(view, "summary_lower")
    assert not _named_as(view, "summary_caveats_comparison")
    said = TEXTS[language]["caveat_icc2"].split("(")[0]
    assert not any(said in reason for s in view.scales for reason in s.caveats), "no rest"


def test_the_heat_table_greys_a_cell_the_team_report_greys(
    analysis: fakes.FakeAnalysis, instrument: Instrument
) -> None:
    teams = _set(
        analysis.teams, (analysis.teams["team"] == TEAM) & (analysis.teams["scale"] == "TR"),
        rwg_j=0.43,
    )  # fmt: skip
    campaign = dataclasses.replace(analysis, teams=teams)
    organisation = fakes.organisation_view(campaign, instrument)
    team = _team(campaign, instrument)
    row = next(r for r in organisation.heat if r.team_id == TEAM)
    greyed = {s.scale.scale_id for s in team.scales if s.shown and not s.supported}
    assert "TR" in greyed
    ids = [s.scale_id for s in organisation.scales]
    assert {ids[i] for i, pale in enumerate(row.unsupported) if pale} == greyed
    assert organisation.heat_cell_note == TEXTS["en"]["org_heat_note_cells"].format(
        threshold=format_number(0.70, language="en")
    )


def test_a_placement_read_from_a_greyed_axis_says_so(
    analysis: fakes.FakeAnalysis, instrument: Instrument
) -> None:
    campaign = _clearly_lower(analysis, "VA")  # an axis whose figure is supported
    teams = _set(
        campaign.teams, (campaign.teams["team"] == TEAM) & (campaign.teams["scale"] == "HA"),
        rwg_j=0.43,
    )  # fmt: skip
    view = _team(dataclasses.replace(campaign, teams=teams), instrument)
    ha = next(s for s in view.scales if s.scale.scale_id == "HA")
    assert view.placement is not None
    assert not ha.supported
    assert _named_as(view, "summary_plane_greyed") == {ha.scale.name}
