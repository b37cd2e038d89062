"""The department (subtree) report from a real analysis of simulated answers: its figures are
the subtree's, its teams follow the disclosure decision, and it renders in both languages."""

from __future__ import annotations

import dataclasses
import math
import re
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import pytest

import reports
from analysis.campaign import CampaignAnalysis, analyse_campaign
from analysis.confidentiality import UnknownUnitError
from analysis.simulate import simulate_organisation
from analysis.subtree import subtree_figures
from instrument.model import Instrument
from reports import (
    DepartmentReportView,
    SuppressedDepartmentError,
    SuppressedTeamError,
    UnitInfo,
    build_department_view,
    build_team_view,
    render_department_html,
    render_department_pdf,
    render_team_pdf,
)
from reports.formatting import format_number
from reports.i18n import TEXTS
from tests.reports.test_render import _normal, _pages

K = 5
ORGANISATION = "Harbourside Health Trust"
CAMPAIGN = "Spring 2026 survey"
SIZES = {
    "team-001": 9,
    "team-002": 7,
    "team-003": 3,
    "team-004": 12,
    "team-005": 3,
    "team-006": 3,
    "team-007": 8,
    "team-008": 2,
}
CHART: dict[str, tuple[str, str | None, str]] = {
    "org": (ORGANISATION, None, "organisation"),
    "care": ("Clinical services", "org", "department"),
    "team-001": ("Ward 4 nursing", "care", "team"),
    "team-002": ("Pharmacy", "care", "team"),
    "team-003": ("Clinical coding", "care", "team"),
    "ops": ("Operations", "org", "department"),
    "team-004": ("Claims handling", "ops", "team"),
    "team-005": ("Estates", "ops", "team"),
    "team-006": ("Finance", "ops", "team"),
    "lab": ("Laboratories", "org", "department"),
    "team-007": ("Microbiology", "lab", "team"),
    "annex": ("Annex", "lab", "department"),
    "team-008": ("Night lab", "annex", "team"),
}
"""With k = 5: Clinical coding's 3 are pooled at the organisation (with the Night lab's 2), not
in Clinical services; Estates and Finance are pooled together in Operations; the Annex's
figures pool nobody."""
UNITS = {u: UnitInfo(u, name, parent, kind) for u, (name, parent, kind) in CHART.items()}
INVITED = {team: size + 2 for team, size in SIZES.items()}
GENERATED_AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def campaign(instrument: Instrument) -> CampaignAnalysis:
    organisation = simulate_organisation(
        instrument=instrument, seed=11, team_sizes=list(SIZES.values())
    )
    parents = {unit: parent for unit, (_, parent, _) in CHART.items()}
    return analyse_campaign(
        organisation.responses, instrument=instrument, min_group_size=K, parents=parents
    )


def _view(
    campaign: CampaignAnalysis,
    instrument: Instrument,
    unit_id: str,
    *,
    language: str = "en",
    **extra: Any,
) -> DepartmentReportView:
    arguments: dict[str, Any] = {
        "units": UNITS,
        "organisation_name": ORGANISATION,
        "campaign_name": CAMPAIGN,
        "language": language,
        "generated_at": GENERATED_AT,
        "invited": INVITED,
        "snapshot": "0123456789abcdef" * 4,
    }
    arguments.update(extra)
    return build_department_view(campaign, instrument=instrument, unit_id=unit_id, **arguments)


def _none_if_nan(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def test_the_interface_is_exported() -> None:
    for name in (
        "DepartmentReportView",
        "SuppressedDepartmentError",
        "build_department_view",
        "render_department_html",
        "render_department_pdf",
    ):
        assert name in reports.__all__
    assert issubclass(SuppressedDepartmentError, SuppressedTeamError)


@pytest.mark.parametrize("unit_id", ["care", "ops", "org"])
def test_the_view_figures_are_the_subtree_figures(
    campaign: CampaignAnalysis, instrument: Instrument, unit_id: str
) -> None:
    view = _view(campaign, instrument, unit_id)
    figures = subtree_figures(campaign, unit=unit_id).set_index("scale")
    assert {score.scale.scale_id for score in view.scales} == set(figures.index)
    for score in view.scales:
        row = figures.loc[score.scale.scale_id]
        assert score.shown == bool(row["shown"])
        if not score.shown:
            assert score.unit is None
            assert score.rest is None
            assert score.difference is None
            continue
        assert score.unit is not None
        assert score.n == row["n"]
        assert (score.unit.value, score.unit.ci_low, score.unit.ci_high) == (
            row["mean"],
            row["ci_low"],
            row["ci_high"],
        )
        assert score.sd == row["sd"]
        if score.rest is None:
            assert math.isnan(row["rest_mean"])
            assert score.difference is None
            continue
        assert score.difference is not None
        assert (score.rest.value, score.rest.ci_low, score.rest.ci_high) == (
            row["rest_mean"],
            row["rest_ci_low"],
            row["rest_ci_high"],
        )
        assert (score.difference.value, score.difference.ci_low, score.difference.ci_high) == (
            row["diff"],
            row["diff_ci_low"],
            row["diff_ci_high"],
        )
        assert score.cohens_d == _none_if_nan(float(row["cohens_d"]))


def test_the_cover_counts_are_the_subtree_and_the_decision(
    campaign: CampaignAnalysis, instrument: Instrument
) -> None:
    view = _view(campaign, instrument, "care")
    frame = campaign.decision.to_frame().set_index("unit")
    teams = ("team-001", "team-002", "team-003")
    assert view.n_respondents == sum(SIZES[t] for t in teams)
    assert view.n_pooled == frame.at["care", "published"] == SIZES["team-001"] + SIZES["team-002"]
    assert view.invited == sum(INVITED[t] for t in teams)
    assert view.response_rate == pytest.approx(view.n_respondents / view.invited)
    assert view.unit_name == "Clinical services"
    assert view.unit_kind == "Department"
    assert view.parent_name == ORGANISATION


def test_a_small_team_pooled_in_the_department_is_in_participation_and_not_in_the_heat_table(
    campaign: CampaignAnalysis, instrument: Instrument
) -> None:
    view = _view(campaign, instrument, "ops", language="fr")
    t = TEXTS["fr"]
    by_id = {team.team_id: team for team in view.participation}
    assert set(by_id) == {"team-004", "team-005", "team-006"}
    for small in ("team-005", "team-006"):
        assert not by_id[small].eligible
        assert by_id[small].suppressed_reason == t["dept_status"].format(
            reason=t["suppressed_too_few"].format(respondents=3, n=K),
            where=t["dept_counted_here"],
        )
    assert {row.team_id for row in view.heat} == {"team-004"}


def test_a_small_team_pooled_further_up_says_where_it_counts(
    campaign: CampaignAnalysis, instrument: Instrument
) -> None:
    view = _view(campaign, instrument, "care")
    t = TEXTS["en"]
    small = next(team for team in view.participation if team.team_id == "team-003")
    assert small.suppressed_reason == t["dept_status"].format(
        reason=t["suppressed_too_few"].format(respondents=3, n=K),
        where=t["dept_counted_above"].format(unit=ORGANISATION),
    )
    assert "team-003" not in {row.team_id for row in view.heat}
    assert {row.team_id for row in view.heat} == {"team-001", "team-002"}
    assert len(view.team_points) == 2


def test_every_heat_cell_shown_is_the_analysis_shown_mean(
    campaign: CampaignAnalysis, instrument: Instrument
) -> None:
    view = _view(campaign, instrument, "org")
    teams = {
        (str(row["team"]), str(row["scale"])): (bool(row["shown"]), float(row["mean"]))
        for row in campaign.teams.to_dict("records")
    }
    shown_cells = 0
    for row in view.heat:
        for scale, mean in zip(view.heat_scales, row.means, strict=True):
            shown, analysed_mean = teams[(row.team_id, scale.scale_id)]
            if mean is None:
                assert not shown
            else:
                shown_cells += 1
                assert shown
                assert mean == analysed_mean
    assert shown_cells > 0
    assert {row.team_id for row in view.heat} == {"team-001", "team-002", "team-004", "team-007"}


def test_a_heat_cell_its_team_report_greys_is_pale_with_the_reason(
    campaign: CampaignAnalysis, instrument: Instrument
) -> None:
    # One verdict for every report: a cell shown and supported has its team's agreement made
    # too low for the mean to be read as shared; the department's heat table then pales it.
    before = _view(campaign, instrument, "org")
    ids = [scale.scale_id for scale in before.heat_scales]
    team, scale = next(
        (row.team_id, ids[i])
        for row in before.heat
        for i, mean in enumerate(row.means)
        if mean is not None and not row.unsupported[i]
        and instrument.scale(ids[i]).level == "team"
    )  # fmt: skip
    low = (campaign.teams["team"].astype(str) == team) & (campaign.teams["scale"] == scale)
    assert low.sum() == 1
    teams = campaign.teams.copy()
    teams.loc[low, "rwg_j"] = 0.1
    view = _view(dataclasses.replace(campaign, teams=teams), instrument, "org")
    row = next(r for r in view.heat if r.team_id == team)
    assert row.unsupported[ids.index(scale)]
    assert view.heat_cell_note is not None
    html = render_department_html(view)
    assert "unsupported-cell" in html
    assert view.heat_cell_note.split(":")[0] in html


def test_the_root_has_no_rest_to_compare_with(
    campaign: CampaignAnalysis, instrument: Instrument
) -> None:
    view = _view(campaign, instrument, "org")
    shown = [score for score in view.scales if score.shown]
    assert shown
    assert all(score.rest is None and score.difference is None for score in shown)
    assert all(score.rest_reason == TEXTS["en"]["dept_no_rest"] for score in shown)
    assert view.parent_name is None
    html = render_department_html(view)
    assert TEXTS["en"]["dept_no_rest_intro"].format(unit=ORGANISATION) in html.replace("&#39;", "'")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_unit_whose_figures_pool_nobody_is_refused_with_the_reason(
    campaign: CampaignAnalysis, instrument: Instrument, language: str
) -> None:
    with pytest.raises(SuppressedDepartmentError) as refused:
        _view(campaign, instrument, "annex", language=language)
    assert refused.value.team_id == "annex"
    assert refused.value.reason == TEXTS[language]["dept_refused_few"].format(respondents=2, n=K)
    assert "annex" in str(refused.value)


def test_a_unit_not_in_the_chart_is_refused(
    campaign: CampaignAnalysis, instrument: Instrument
) -> None:
    units = {**UNITS, "elsewhere": UnitInfo("elsewhere", "Elsewhere", "org", "department")}
    with pytest.raises(UnknownUnitError):
        _view(campaign, instrument, "elsewhere", units=units)


def test_the_template_uses_only_texts_every_language_has() -> None:
    template = (
        resources.files("reports").joinpath("templates", "department.html").read_text("utf-8")
    )
    used = set(re.findall(r"\bt\.([a-z_0-9]+)", template))
    used |= set(re.findall(r"""\bt\[["']([a-z_.0-9]+)["']\]""", template))
    assert used, "the template takes its words from the texts"
    assert set(TEXTS["en"]) == set(TEXTS["fr"])
    assert used <= set(TEXTS["en"]), used - set(TEXTS["en"])


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("unit_id", ["care", "ops", "lab", "org"])
def test_the_html_renders_in_both_languages(
    campaign: CampaignAnalysis, instrument: Instrument, language: str, unit_id: str
) -> None:
    view = _view(campaign, instrument, unit_id, language=language)
    html = render_department_html(view)
    assert view.unit_name in html
    assert TEXTS[language]["dept_scores_title"].replace("'", "&#39;") in html
    for leak in (">None<", "{unit}", "{n}", "{k}"):
        assert leak not in html
    assert not re.search(r"\bnan\b", html)


@pytest.fixture(scope="module", params=["en", "fr"])
def report(
    request: pytest.FixtureRequest, campaign: CampaignAnalysis, instrument: Instrument
) -> tuple[DepartmentReportView, list[str]]:
    view = _view(campaign, instrument, "care", language=request.param)
    return view, _pages(render_department_pdf(view))


def test_the_pdf_names_the_unit_on_the_cover_and_on_every_page(
    report: tuple[DepartmentReportView, list[str]],
) -> None:
    view, pages = report
    t = TEXTS[view.language]
    assert "Clinical services" in pages[0]
    assert _normal(t["dept_report_title"]).upper() in pages[0].upper()
    assert _normal(t["kind.department"]) in pages[0]
    assert view.campaign_name in pages[0]
    assert f"{t['page']} 1 " not in pages[0]
    for number, text in enumerate(pages[1:], start=2):
        assert "Clinical services" in text
        assert f"{t['page']} {number} {t['page_of']} {len(pages)}" in text


def test_the_pdf_has_its_sections_in_the_report_language(
    report: tuple[DepartmentReportView, list[str]],
) -> None:
    view, pages = report
    t = TEXTS[view.language]
    text = " ".join(pages)
    for key in (
        "dept_scores_title",
        "dept_heat_title",
        "participation_title",
        "profiles_title",
        "appendix_title",
        "invariance_title",
        "confidentiality_title",
    ):
        assert _normal(t[key]) in text, key
    other = TEXTS["fr" if view.language == "en" else "en"]
    assert _normal(other["dept_scores_title"]) not in text


def test_the_pdf_prints_the_unit_means_and_the_small_team_with_its_reason(
    report: tuple[DepartmentReportView, list[str]],
) -> None:
    view, pages = report
    text = " ".join(pages)
    for score in view.scales:
        if score.unit is not None:
            assert format_number(score.unit.value, language=view.language) in text
    small = next(team for team in view.participation if team.team_id == "team-003")
    assert small.suppressed_reason is not None
    assert "Clinical coding" in text
    assert _normal(small.suppressed_reason) in text


def test_the_pdf_has_fewer_pages_than_the_team_report_of_one_of_its_teams(
    report: tuple[DepartmentReportView, list[str]],
    campaign: CampaignAnalysis,
    instrument: Instrument,
) -> None:
    view, pages = report
    team = build_team_view(
        campaign,
        instrument=instrument,
        team_id="team-001",
        units=UNITS,
        organisation_name=ORGANISATION,
        campaign_name=CAMPAIGN,
        language=view.language,
        generated_at=GENERATED_AT,
        invited=INVITED,
    )
    assert len(pages) < len(_pages(render_team_pdf(team)))
