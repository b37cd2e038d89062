"""Rendered reports: the text of every page read back from the PDF with pypdf."""

from __future__ import annotations

import base64
import dataclasses
import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError

from instrument.model import Instrument
from reports.fetcher import CHART_PREFIX, PackagedFilesFetcher, StaticURLRefused, chart_uri
from reports.formatting import format_interval, format_number, format_percent, format_signed
from reports.i18n import TEXTS
from reports.render import render_organisation_pdf, render_team_html, render_team_pdf
from reports.views import Estimate, OrganisationReportView, TeamReportView
from tests.reports import fakes
from tests.reports.conftest import TeamViewFactory


def _pages(pdf: bytes) -> list[str]:
    """Each page's text with its whitespace (line breaks, no-break spaces) made single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return [_normal(page.extract_text()) for page in reader.pages]


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\xa0", " ")).strip()


@pytest.fixture(scope="module", params=["en", "fr"])
def team_report(
    request: pytest.FixtureRequest, team_pdfs: Callable[[str], tuple[TeamReportView, bytes]]
) -> tuple[TeamReportView, list[str]]:
    view, pdf = team_pdfs(request.param)
    return view, _pages(pdf)


@pytest.fixture(scope="module")
def team_pdfs(
    analysis: fakes.FakeAnalysis, instrument: Instrument
) -> Callable[[str], tuple[TeamReportView, bytes]]:
    """The team report's view and PDF in a language, rendered once in the module."""
    rendered: dict[str, tuple[TeamReportView, bytes]] = {}

    def get(language: str) -> tuple[TeamReportView, bytes]:
        if language not in rendered:
            view = fakes.team_view(analysis, instrument, language=language)
            rendered[language] = (view, render_team_pdf(view))
        return rendered[language]

    return get


@pytest.fixture(scope="module", params=["en", "fr"])
def organisation_report(
    request: pytest.FixtureRequest, analysis: fakes.FakeAnalysis, instrument: Instrument
) -> tuple[OrganisationReportView, bytes]:
    view = fakes.organisation_view(analysis, instrument, language=request.param)
    return view, render_organisation_pdf(view)


def test_every_page_after_the_cover_has_the_running_head_and_page_x_of_y(
    team_report: tuple[TeamReportView, list[str]],
) -> None:
    view, pages = team_report
    t = TEXTS[view.language]
    assert len(pages) >= 4
    assert f"{t['page']} 1 " not in pages[0], "the cover has no page number"
    for number, text in enumerate(pages[1:], start=2):
        assert f"{t['page']} {number} {t['page_of']} {len(pages)}" in text
        assert text.count(view.team_name) >= 1
        assert view.campaign_name in text


def test_the_cover_names_team_department_campaign_and_participation(
    team_report: tuple[TeamReportView, list[str]],
) -> None:
    view, pages = team_report
    for expected in (
        view.team_name,
        view.department_name or "",
        view.campaign_name,
        view.organisation_name,
        _normal(format_percent(view.response_rate, language=view.language)),
        "2026",
    ):
        assert expected in pages[0]


def test_every_scale_name_and_description_appears(
    team_report: tuple[TeamReportView, list[str]],
) -> None:
    view, pages = team_report
    text = " ".join(pages)
    for score in view.scales:
        assert score.scale.name in text
        assert _normal(score.scale.description) in text


def test_the_numbers_printed_are_the_view_numbers_formatted(
    team_report: tuple[TeamReportView, list[str]],
) -> None:
    view, pages = team_report
    text = " ".join(pages)
    language = view.language
    for score in view.scales:
        for estimate in (score.team, score.rest):
            if estimate is not None:
                assert f"{format_number(estimate.value, language=language)} " in text
                assert _interval(estimate, language) in text
        if score.difference is not None:
            assert format_signed(score.difference.value, language=language) in text
            assert _interval(score.difference, language, signed=True) in text


def _interval(estimate: Estimate, language: str, *, signed: bool = False) -> str:
    return _normal(
        format_interval(estimate.ci_low, estimate.ci_high, language=language, signed=signed)
    )


@pytest.mark.parametrize("team_report", ["fr"], indirect=True)
def test_the_french_report_speaks_french_with_decimal_commas(
    team_report: tuple[TeamReportView, list[str]],
) -> None:
    view, pages = team_report
    text = " ".join(pages)
    for key in ("scores_title", "plane_title", "appendix_title", "about_title"):
        assert _normal(TEXTS["fr"][key]) in text
    assert "Scale scores" not in text
    assert "Appendix" not in text
    mean = view.scales[0].team
    assert mean is not None
    assert format_number(mean.value, language="fr") in text
    assert format_number(mean.value, language="en") not in text
    assert "1er mars 2026" in pages[0]


def test_a_hidden_scale_prints_its_reason_and_no_number(
    analysis: fakes.FakeAnalysis, instrument: Instrument
) -> None:
    teams = analysis.teams.copy()
    hidden = (teams["team"] == fakes.HIDDEN_TEAM) & (teams["scale"] == "TR")
    # Figures left in the frame by mistake, with values printed nowhere else in the report.
    leaked = {"mean": 6.987, "ci_low": 6.912, "rest_mean": 1.013, "diff": 5.974}
    for column, value in leaked.items():
        teams.loc[hidden, column] = value
    teams.loc[hidden, "shown"] = False
    view = fakes.team_view(dataclasses.replace(analysis, teams=teams), instrument)
    text = " ".join(_pages(render_team_pdf(view)))
    assert text.count("not shown: fewer than 5 answered") >= 4, "2 scales, in chart and table"
    for value in leaked.values():
        assert format_number(value, language="en") not in text


def test_the_profile_is_described_with_its_certainty(
    team_report: tuple[TeamReportView, list[str]],
) -> None:
    view, pages = team_report
    t = TEXTS[view.language]
    assert view.placement is not None
    start = next(i for i, p in enumerate(pages) if i > 1 and _normal(t["plane_title"]) in p)
    page = " ".join(pages[start : start + 2])  # the plane, and its profile box after it
    assert _normal(t[f"profile_text.{view.placement.profile}"]) in page
    certainty = t["plane_certain"] if view.placement.certain else t["plane_uncertain"]
    assert _normal(certainty) in page
    assert format_number(view.placement.ha.value, language=view.language) in page


def test_the_appendix_states_the_thresholds_as_conventions(
    team_report: tuple[TeamReportView, list[str]],
) -> None:
    view, pages = team_report
    t = TEXTS[view.language]
    appendix = " ".join(pages[pages.index(next(p for p in pages if t["icc2"] in p)) :])
    threshold = format_number(0.70, language=view.language)
    for key in ("explain_alpha", "explain_icc2", "explain_rwg"):
        assert _normal(t[key].format(threshold=threshold)) in appendix
    assert _normal(t["marker_note"]) in appendix
    # How agreement treats skipped answers, argued where the figures are explained.
    assert _normal(t["agreement_skipped_note"])[:80] in appendix


def test_ids_in_the_html_are_unique(team_view: TeamViewFactory) -> None:
    ids = re.findall(r'\bid="([^"]+)"', render_team_html(team_view("14")))
    assert ids
    assert len(ids) == len(set(ids))


def test_a_team_name_is_escaped_in_html(team_view: TeamViewFactory) -> None:
    units = fakes.with_team_name(fakes.UNITS, "14", "<script>alert('x')</script> & Co")
    view = team_view("14", units=units)
    html = render_team_html(view)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in html
    pages = _pages(render_team_pdf(view))
    assert "<script>alert('x')</script> & Co" in pages[0]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/report.css",
        "https://example.com/report.css",
        "data:text/css,body{}",
        "data:image/svg+xml,<svg/>",
        "data:image/svg+xml;base64,not base64!",
        "reports-static:../__init__.py",
        "reports-static:/etc/passwd",
        "reports-static:missing.css",
    ],
)
def test_the_url_fetcher_refuses_anything_but_packaged_files(url: str) -> None:
    with pytest.raises(StaticURLRefused):
        PackagedFilesFetcher().fetch(url)


def test_the_url_fetcher_serves_the_packaged_stylesheet() -> None:
    response = PackagedFilesFetcher().fetch("reports-static:report.css")
    assert response.content_type == "text/css"
    assert b"@page" in response.read()


def test_the_url_fetcher_serves_an_embedded_chart() -> None:
    response = PackagedFilesFetcher().fetch(chart_uri("<svg>é</svg>"))
    assert response.content_type == "image/svg+xml"
    assert response.read() == "<svg>é</svg>".encode()


def test_charts_are_embedded_as_svg_data_uris(team_view: TeamViewFactory) -> None:
    html = render_team_html(team_view("14"))
    # The plane and the three score charts; the item distributions are stacked bars drawn by
    # the page itself (one vector shading per bar), with their labels as text.
    assert html.count('<img src="data:image/svg+xml;base64,') == 4
    assert html.count('<table class="item-bars">') >= 1
    assert "linear-gradient(to right, #B35806 0.00%" in html


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_plane_writes_its_axes_out_in_the_report_language(
    team_view: TeamViewFactory, language: str
) -> None:
    view = team_view("14", language=language)
    html = render_team_html(view)
    found = re.search(r'<figure class="chart plane-chart"><img src="([^"]+)"', html)
    assert found
    svg = base64.b64decode(found.group(1).removeprefix(CHART_PREFIX)).decode("utf-8")
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert view.axis_names[0] in texts
    assert view.axis_names[1] in texts
    # Not the scale codes: English initials, which the chart alone does not explain.
    assert not re.search(r"\b(HA|VA)\b", " ".join(texts)), texts


def test_a_document_reaching_outside_the_package_does_not_render() -> None:
    html = '<html><body><img src="file:///etc/hostname"></body></html>'
    with pytest.raises(FatalURLFetchingError):
        HTML(string=html, url_fetcher=PackagedFilesFetcher()).write_pdf()


def test_organisation_report_shows_teams_reasons_and_a_landscape_heat_table(
    organisation_report: tuple[OrganisationReportView, bytes],
) -> None:
    view, pdf = organisation_report
    t = TEXTS[view.language]
    pages = _pages(pdf)
    text = " ".join(pages)
    for team in view.participation:
        assert team.team_name in text
    withheld = next(team for team in view.participation if not team.eligible)
    assert withheld.suppressed_reason is not None
    assert _normal(withheld.suppressed_reason) in text
    # Pages 1 and 2 are the cover and the contents, which names the section too.
    heat = next(i for i, page in enumerate(pages) if i > 1 and _normal(t["heat_title"]) in page)
    box = PdfReader(io.BytesIO(pdf)).pages[heat].mediabox
    assert box.width > box.height
    first = view.heat[0].means[0]
    assert format_number(first, language=view.language, digits=1) in pages[heat]
    for count in view.profiles:
        assert t[f"profile.{count.profile}"].capitalize() in text


# -- tagged PDF (PDF/UA) --------------------------------------------------------------------------


def _structure(element: Any) -> Iterator[Any]:
    """The structure elements under ``element`` of a PDF's structure tree, depth first."""
    kids = element.get("/K")
    if kids is None:
        return
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if isinstance(kid, dict) and kid.get("/Type", "/StructElem") == "/StructElem":
            if "/S" in kid:
                yield kid
            yield from _structure(kid)


def test_the_pdfs_are_tagged_for_assistive_technology(
    team_pdfs: Callable[[str], tuple[TeamReportView, bytes]],
    organisation_report: tuple[OrganisationReportView, bytes],
) -> None:
    language = organisation_report[0].language
    view, pdf = team_pdfs(language)
    t = TEXTS[language]
    titles = {
        "team": f"{t['report_title']} · {view.team_name} · {view.campaign_name}",
        "organisation": f"{t['organisation_report_title']} · {fakes.ORGANISATION} · "
        f"{fakes.CAMPAIGN}",
    }
    for kind, document in (("team", pdf), ("organisation", organisation_report[1])):
        reader = PdfReader(io.BytesIO(document))
        root = reader.trailer["/Root"]
        assert bool(root["/MarkInfo"]["/Marked"]), kind
        assert root["/Lang"] == language, kind
        assert reader.metadata is not None
        assert reader.metadata.title == titles[kind]
        assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"]), "the title, not the file name"
        xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
        assert re.search(r"pdfuaid:part(>|=\")1", xmp), "declared PDF/UA-1"
        tree = root["/StructTreeRoot"].get_object()
        elements = list(_structure(tree))
        tags = {str(element["/S"]) for element in elements}
        assert {"/Document", "/H1", "/H2", "/P", "/Table", "/TH", "/TD", "/L", "/LI"} <= tags
        figures = [element for element in elements if element["/S"] == "/Figure"]
        assert figures, "the charts are figures"
        assert all(str(figure.get("/Alt", "")).strip() for figure in figures), "with alt text"
        assert all(page.get("/StructParents") is not None for page in reader.pages)
