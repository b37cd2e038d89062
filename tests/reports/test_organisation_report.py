"""The organisation report read back from the PDF: sections and contents, participation, the
heat table, the organisation's means, the validity summary and the confidentiality rules."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from pypdf import PdfReader

from instrument.model import Instrument
from reports.formatting import format_number, format_percent
from reports.i18n import TEXTS
from reports.render import render_organisation_html, render_organisation_pdf
from reports.views import OrganisationReportView, UnitInfo, heat_by_department
from tests.reports import fakes
from tests.reports.test_render import _normal, _pages

SECTIONS = (
    "participation_title",
    "heat_title",
    "organisation_scores_title",
    "profiles_title",
    "org_validity_title",
    "confidentiality_title",
)

Report = tuple[OrganisationReportView, list[str]]


def _view(
    analysis: fakes.FakeAnalysis,
    instrument: Instrument,
    *,
    language: str = "en",
    units: dict[str, UnitInfo] | None = None,
    invited: dict[str, int] | None = None,
) -> OrganisationReportView:
    return fakes.organisation_view(
        analysis, instrument, language=language, units=units, invited=invited
    )


@pytest.fixture(scope="module", params=["en", "fr"])
def report(
    request: pytest.FixtureRequest, analysis: fakes.FakeAnalysis, instrument: Instrument
) -> Report:
    view = _view(analysis, instrument, language=request.param)
    return view, _pages(render_organisation_pdf(view))


def _starts(pages: list[str], language: str) -> list[int]:
    """Where each section starts (pages counted from 1), looked for in order after the
    contents page: a section that follows another on the same page is found on that page."""
    found = [3]
    for key in SECTIONS:
        title = _normal(TEXTS[language][key])
        found.append(next(i + 1 for i, p in enumerate(pages) if i + 1 >= found[-1] and title in p))
    return found[1:]


def _section(pages: list[str], language: str, key: str) -> str:
    """The text of a section, from its first page to the page the next section starts on (a
    section may follow another on the same page)."""
    starts = _starts(pages, language)
    index = SECTIONS.index(key)
    end = starts[index + 1] if index + 1 < len(starts) else len(pages)
    return " ".join(pages[starts[index] - 1 : end])


def test_sections_come_in_order_and_the_contents_gives_their_pages(report: Report) -> None:
    view, pages = report
    t = TEXTS[view.language]
    assert _normal(t["contents"]) in pages[1]
    starts = _starts(pages, view.language)
    assert starts[0] == 3, "cover, contents, then participation"
    assert starts == sorted(starts)
    for key, page in zip(SECTIONS, starts, strict=True):
        assert re.search(re.escape(_normal(t[key])) + rf"\s*{page}\b", pages[1]), key


def test_every_page_after_the_cover_has_the_running_heads_and_page_x_of_y(
    report: Report,
) -> None:
    view, pages = report
    t = TEXTS[view.language]
    assert f"{t['page']} 1 " not in pages[0]
    for number, text in enumerate(pages[1:], start=2):
        assert f"{t['page']} {number} {t['page_of']} {len(pages)}" in text
        assert view.organisation_name in text
        assert view.campaign_name in text


def test_response_rates_are_those_of_each_team_and_of_the_organisation(report: Report) -> None:
    view, pages = report
    language = view.language
    participation = _section(pages, language, "participation_title")
    for team, invited in fakes.INVITED.items():
        rate = format_percent(fakes.RESPONDENTS[team] / invited, language=language)
        assert _normal(rate) in participation, team
    responded, invited = sum(fakes.RESPONDENTS.values()), sum(fakes.INVITED.values())
    total = _normal(TEXTS[language]["org_all_teams"])
    overall = _normal(format_percent(responded / invited, language=language))
    assert f"{total} {responded} {invited} {overall}" in participation


def test_a_withheld_team_shows_its_reason_and_never_a_count_of_exclusions(
    report: Report,
) -> None:
    view, pages = report
    participation = _section(pages, view.language, "participation_title")
    withheld = next(team for team in view.participation if not team.eligible)
    assert withheld.suppressed_reason is not None
    assert _normal(withheld.suppressed_reason) in participation
    assert "exclu" not in withheld.suppressed_reason.lower()


def test_the_heat_table_prints_the_eligible_teams_only(report: Report) -> None:
    view, pages = report
    heat = _section(pages, view.language, "heat_title")
    names = {team.team_id: team.team_name for team in view.participation}
    for team in view.participation:
        assert (names[team.team_id] in heat) == team.eligible, team.team_name
    assert {row.team_id for row in view.heat} == {
        t.team_id for t in view.participation if t.eligible
    }
    # A scale not shown for a team prints a dash, never its figure.
    hidden = next(row for row in view.heat if row.team_id == fakes.HIDDEN_TEAM)
    assert None in hidden.means


def test_the_organisation_means_printed_are_the_analysis_means(
    report: Report, analysis: fakes.FakeAnalysis
) -> None:
    view, pages = report
    scores = _section(pages, view.language, "organisation_scores_title")
    for row in analysis.organisation.itertuples():
        assert f"{format_number(float(row.mean), language=view.language)} " in scores, row.scale


def test_the_pooling_sentence_and_the_confidentiality_rules_are_printed(report: Report) -> None:
    view, pages = report
    t = TEXTS[view.language]
    rules = _section(pages, view.language, "confidentiality_title")
    k = view.min_group_size
    for key in (
        "org_confidentiality_pooled", "org_confidentiality_min",
        "org_confidentiality_complementary",
    ):  # fmt: skip
        assert _normal(t[key].format(k=k)) in rules
    assert _normal(t["org_confidentiality_distributions"].format(k=k)) in rules
    assert "docs/confidentiality.md" in rules
    assert _normal(t["padding_title"]) in rules
    assert _normal(t["padding_none"]) in rules, "no invitation added, nothing imported"


def test_a_low_alpha_scale_is_greyed_with_its_reason(
    report: Report, analysis: fakes.FakeAnalysis
) -> None:
    view, pages = report
    language = view.language
    low = analysis.reliability[analysis.reliability["alpha"] < 0.70]
    assert len(low), "the fake analysis has a scale with alpha below .70"
    validity = _section(pages, language, "org_validity_title")
    scores = _section(pages, language, "organisation_scores_title")
    for row in low.itertuples():
        reason = TEXTS[language]["caveat_alpha"].format(
            value=format_number(float(row.alpha), language=language),
            threshold=format_number(0.70, language=language),
        )
        assert _normal(reason) in validity, row.scale
        assert _normal(reason) in scores, row.scale


def test_the_validity_summary_gives_the_screening_and_what_it_means(report: Report) -> None:
    view, pages = report
    t = TEXTS[view.language]
    validity = _section(pages, view.language, "org_validity_title")
    assert _normal(t["exclusions_body"].format(n=fakes.N_EXCLUDED)) in validity
    assert _normal(t["validity_rule.longstring"]) in validity
    assert view.validity is not None
    for sentence in view.validity.statements:
        assert _normal(sentence)[:60] in validity
    low_icc2 = [row for row in view.quality if row.icc2_meets is False]
    assert low_icc2, "the fake analysis has a scale with ICC(2) below .70"
    assert _normal(t["org_caveat_icc2"].split(":")[0]) in validity


@pytest.mark.parametrize("report", ["fr"], indirect=True)
def test_a_french_report_has_no_english_section_title(report: Report) -> None:
    _, pages = report
    text = " ".join(pages)
    for key in (*SECTIONS, "contents", "about_title", "org_validity_meaning_title"):
        french, english = _normal(TEXTS["fr"][key]), _normal(TEXTS["en"][key])
        assert french in text, key
        if english != french:
            assert english not in text, key


def test_a_large_organisation_splits_the_heat_table_with_its_header_on_every_page(
    analysis: fakes.FakeAnalysis, instrument: Instrument
) -> None:
    large, units, invited = fakes.with_team_copies(analysis, copies=8)
    view = _view(large, instrument, units=units, invited=invited)
    assert len(view.heat) == 8 * (len(fakes.RESPONDENTS) - 1)
    pdf = render_organisation_pdf(view)
    pages = _pages(pdf)
    t = TEXTS["en"]
    start = _starts(pages, "en")[1] - 1
    end = _starts(pages, "en")[2] - 1
    assert end - start >= 2, "the heat table runs over several pages"
    reader = PdfReader(io.BytesIO(pdf))
    for index in range(start, end):
        box = reader.pages[index].mediabox
        assert box.width > box.height, "the heat table is printed landscape"
        if any(row.team_name in pages[index] for row in view.heat):
            assert f"{_normal(t['team'])} {t['n']} HA" in pages[index], "header repeated"
    heat = " ".join(pages[start:end])
    for row in view.heat:
        assert row.team_name in heat
    assert "Finance 2" not in heat


def test_the_heat_table_heads_each_department_once_when_its_teams_come_together(
    report: Report,
) -> None:
    view = report[0]
    runs = heat_by_department(view.heat)
    departments = [row.department_name for row in view.heat]
    assert all(departments), "the fakes place every team in a department"
    assert [name for name, _ in runs] == list(dict.fromkeys(departments))
    html = render_organisation_html(view)
    assert html.count('class="department-heading"') == len(runs)
    # Its name is the heading's, not repeated under each of its teams.
    assert '<div class="level">' not in html.split('class="heat"')[1].split("</table>")[0]
    # Teams of one department apart from each other: each row names its own.
    first, second = view.heat[0], view.heat[-1]
    apart = (
        first,
        replace(second, department_name="Elsewhere"),
        replace(view.heat[1], department_name=first.department_name),
    )
    assert heat_by_department(apart) == ()
    assert heat_by_department((replace(first, department_name=None),)) == ()
