"""The printed layout, read from WeasyPrint's boxes: what lands on each page and where.

Each report (team, organisation, department) is laid out once per language, and the tests walk
the boxes of its pages: nothing runs past the text block of its page, a legend's swatch stays
on the line of its label, and an introduction speaks of a chart's lines only on a page that
holds a chart. The words of the reports are checked on the views: no label in brackets is
followed by a figure in brackets, and French agrees with "équipe".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from weasyprint import HTML
from weasyprint.formatting_structure import boxes

import tests.reports.test_department_report as department
from analysis.campaign import CampaignAnalysis
from instrument.model import Instrument
from reports.build import build_team_view
from reports.fetcher import PackagedFilesFetcher
from reports.render import render_department_html, render_organisation_html, render_team_html
from tests.reports import fakes

TOLERANCE = 0.01
"""CSS pixels: rounding in the layout, far below the 20 px the item tables ran over."""

LINE_WORDS = {"en": r"\blines?\b", "fr": r"\b(lignes?|traits?)\b"}
"""A chart's lines (intervals, dividing or dashed lines) as an introduction names them."""


@dataclass(frozen=True)
class Laid:
    kind: str
    language: str
    pages: list[Any]
    """WeasyPrint's pages: ``page._page_box`` is the root of the page's boxes."""


@pytest.fixture(scope="module")
def department_campaign(instrument: Instrument) -> CampaignAnalysis:
    organisation = department.simulate_organisation(
        instrument=instrument, seed=11, team_sizes=list(department.SIZES.values())
    )
    parents = {unit: parent for unit, (_, parent, _) in department.CHART.items()}
    return department.analyse_campaign(
        organisation.responses, instrument=instrument, min_group_size=department.K, parents=parents
    )


@pytest.fixture(
    scope="module",
    params=[
        (kind, language)
        for kind in ("team", "organisation", "department")
        for language in ("en", "fr")
    ],
    ids=lambda param: "-".join(param),
)
def laid(
    request: pytest.FixtureRequest, analysis: fakes.FakeAnalysis, instrument: Instrument
) -> Laid:
    kind, language = request.param
    if kind == "team":
        # With every line the cover can hold: a department, paper answers, a snapshot.
        team = build_team_view(
            analysis,
            instrument=instrument,
            team_id="11",
            units=fakes.UNITS,
            organisation_name=fakes.ORGANISATION,
            campaign_name=fakes.CAMPAIGN,
            language=language,
            generated_at=fakes.GENERATED_AT,
            invited=fakes.INVITED,
            snapshot="0123456789abcdef" * 4,
            imported={"11": 2},
        )
        html = render_team_html(team)
    elif kind == "organisation":
        view = fakes.organisation_view(analysis, instrument, language=language)
        html = render_organisation_html(view)
    else:
        campaign = request.getfixturevalue("department_campaign")
        html = render_department_html(
            department._view(campaign, instrument, "care", language=language)
        )
    document = HTML(string=html, url_fetcher=PackagedFilesFetcher()).render()
    return Laid(kind, language, list(document.pages))


def _descendants(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", None) or ():
        yield from _descendants(child)


def _content(page: Any) -> Iterator[Any]:
    """The boxes of the page's document content: not its margin boxes (running heads)."""
    for child in page._page_box.children:
        if not isinstance(child, boxes.MarginBox):
            yield from _descendants(child)


def _classes(box: Any) -> set[str]:
    element = getattr(box, "element", None)
    return set((element.get("class") or "").split()) if element is not None else set()


def _described(box: Any) -> str:
    element = getattr(box, "element", None)
    classes = ".".join(sorted(_classes(box)))
    return f"{type(box).__name__} <{box.element_tag}{'.' + classes if classes else ''}>" + (
        f" {element.text!r}" if element is not None and element.text else ""
    )


def _text(box: Any) -> str:
    return "".join(b.text for b in _descendants(box) if isinstance(b, boxes.TextBox))


def test_no_box_runs_past_the_text_block_of_its_page(laid: Laid) -> None:
    for number, page in enumerate(laid.pages, start=1):
        page_box = page._page_box
        left = page_box.content_box_x()
        right = left + page_box.width
        for box in _content(page):
            start = box.border_box_x()
            end = start + box.border_width()
            assert end <= right + TOLERANCE, (
                f"page {number}: {_described(box)} ends {end - right:.1f} px past the margin"
            )
            assert start >= left - TOLERANCE, (
                f"page {number}: {_described(box)} starts {left - start:.1f} px before the margin"
            )


def test_the_cover_is_one_page(laid: Laid) -> None:
    assert any("cover" in _classes(box) for box in _content(laid.pages[0]))
    for number, page in enumerate(laid.pages[1:], start=2):
        spilled = [_text(box) for box in _content(page) if "cover" in _classes(box)]
        assert not spilled, f"the cover runs on to page {number}: {spilled[0][:200]!r}"


def _leaves(box: Any) -> Iterator[tuple[str, Any]]:
    """The swatches and the words of a line, in order."""
    if _classes(box) & {"swatch", "heat-swatch"}:
        yield "swatch", box
    elif isinstance(box, boxes.TextBox):
        if box.text.strip():
            yield "text", box
    else:
        for child in getattr(box, "children", None) or ():
            yield from _leaves(child)


def test_a_legend_keeps_each_swatch_on_the_line_of_its_label(laid: Laid) -> None:
    legends = [
        box
        for page in laid.pages
        for box in _content(page)
        if isinstance(box, boxes.BlockBox) and _classes(box) & {"item-legend", "heat-legend"}
    ]
    if laid.kind != "department":  # the department's heat table needs teams with a report
        assert legends, "the report has a legend of colours"
    for legend in legends:
        lines = [child for child in legend.children if isinstance(child, boxes.LineBox)]
        for line in lines:
            leaves = list(_leaves(line))
            assert leaves, "an empty line in a legend"
            assert leaves[-1][0] == "text", (
                f"a line of the legend ends on a swatch, its label on the next line: "
                f"{_text(line)!r}"
            )


def test_an_introduction_speaks_of_lines_only_on_a_page_that_holds_a_chart(laid: Laid) -> None:
    words = re.compile(LINE_WORDS[laid.language], re.IGNORECASE)
    spoken = 0
    for number, page in enumerate(laid.pages, start=1):
        content = list(_content(page))
        charts = [
            box
            for box in content
            if isinstance(box, boxes.ReplacedBox) and box.element_tag == "img"
        ]
        for box in content:
            if isinstance(box, boxes.BlockBox) and "lead" in _classes(box):
                text = _text(box)
                if words.search(text):
                    spoken += 1
                    assert charts, f"page {number} speaks of lines and holds no chart: {text!r}"
    assert spoken, "some introduction speaks of a chart's lines (the plane's dividing lines)"


TEAMS = ("11", "12", "13", "14", "15", "16")
"""The fake campaign's teams with a report: between them, every profile of the plane."""


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_label_in_brackets_is_followed_by_a_figure_in_brackets(
    analysis: fakes.FakeAnalysis, instrument: Instrument, language: str
) -> None:
    # "Connecting (learning citizenship) (mean 5.68)": the summary names a facet, whose name
    # is bracketed, with its mean; the item tables named it with its code.
    bracketed = 0
    for team in TEAMS:
        view = fakes.team_view(analysis, instrument, team, language=language)
        html = render_team_html(view)
        headings = re.findall(r'<table class="item-bars">\s*<thead><tr><th[^>]*>(.*?)</th>', html)
        assert headings
        for text in (*view.summary, *(re.sub(r"<[^>]+>", " ", h) for h in headings)):
            bracketed += "(" in text
            assert not re.search(r"\)\s*\(", text), text
    assert bracketed, "some label of the fake campaign is bracketed"


def test_the_french_summary_agrees_with_equipe_for_every_profile(
    analysis: fakes.FakeAnalysis, instrument: Instrument
) -> None:
    profiles = set()
    for team in TEAMS:
        view = fakes.team_view(analysis, instrument, team, language="fr")
        assert view.placement is not None
        profiles.add(view.placement.profile)
        for sentence in view.summary:
            # "votre équipe est intégré", "… est porté par …": a masculine participle.
            assert not re.search(r"équipe est \w*é\b", sentence), sentence
    assert profiles == {"integrated", "community-led", "hierarchy-led", "disengaged"}
