"""Charts are vector SVG, deterministic, and carry their labels as text."""

from __future__ import annotations

import re

import pytest

from reports import charts
from reports.charts import BLUE, GREY, ORANGE, PlaneLabels, ScoreRow, plane_svg, scores_svg
from reports.views import Estimate, Placement, PlanePoint, ResponseRange

SCALE = ResponseRange(low=1, high=7, midpoint=4.0)
ROWS = [
    ScoreRow("Horizontal accountability", Estimate(5.6, 4.9, 6.4), Estimate(4.1, 3.8, 4.4)),
    ScoreRow("Imagination", None, None, note="not shown: fewer than 5 answered"),
    ScoreRow("Costs in $ and € & <more>", Estimate(3.2, 2.5, 7.9), None, emphasised=True),
]
LABELS = PlaneLabels(
    axes=("Redevabilité horizontale", "Redevabilité verticale"),
    quadrants=("intégré", "porté par la communauté", "porté par la hiérarchie", "en retrait"),
    highlight="Votre équipe",
    points="Autres équipes (anonymes)",
)
PLACE = Placement(Estimate(5.2, 4.7, 5.7), Estimate(3.6, 3.1, 4.1), "community-led", False)


def _scores() -> str:
    return scores_svg(ROWS, response_range=SCALE, series=("This team", "Rest of the organisation"))


def _plane() -> str:
    points = [PlanePoint(2.5, 5.0), PlanePoint(4.5, 4.5)]
    return plane_svg(highlight=PLACE, points=points, response_range=SCALE, labels=LABELS)


def _texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_charts_are_inline_svg_without_prolog_or_date() -> None:
    for svg in (_scores(), _plane()):
        assert svg.startswith("<svg")
        assert svg.rstrip().endswith("</svg>")
        assert "<dc:date>" not in svg
        assert "<image" not in svg, "vectors only, no embedded bitmap"


def test_the_same_input_draws_the_same_chart() -> None:
    assert _scores() == _scores()
    assert _plane() == _plane()


def test_scores_chart_labels_every_row_as_text() -> None:
    texts = _texts(_scores())
    assert "Horizontal accountability" in texts
    assert "not shown: fewer than 5 answered" in texts
    assert "This team" in texts
    assert "Rest of the organisation" in texts


def test_labels_are_printed_literally_not_as_mathematics_or_markup() -> None:
    svg = _scores()
    assert "Costs in $ and € &amp; &lt;more&gt;" in svg
    assert "<more>" not in svg


def test_scores_chart_uses_the_colour_blind_safe_palette() -> None:
    svg = _scores().lower()
    assert BLUE.lower() in svg
    assert ORANGE.lower() in svg


def test_plane_names_the_quadrants_and_axes_in_the_language_given() -> None:
    texts = _texts(_plane())
    for label in ("Intégré", "Porté par la communauté", "Porté par la hiérarchie", "En retrait"):
        assert label in texts
    assert "Redevabilité horizontale" in texts
    assert "Redevabilité verticale" in texts
    assert "Votre équipe" in texts
    assert "Autres équipes (anonymes)" in texts


def test_other_teams_are_grey_when_a_team_is_highlighted() -> None:
    assert GREY.lower() in _plane().lower()
    alone = plane_svg(
        highlight=None, points=[PlanePoint(3, 3)], response_range=SCALE, labels=LABELS
    )
    assert "Votre équipe" not in _texts(alone)


@pytest.mark.parametrize("n_options", [2, 4, 5, 7, 11])
def test_the_item_colours_run_from_disagreement_to_agreement(n_options: int) -> None:
    colours = charts.diverging(n_options)
    assert len(colours) == len(set(colours)) == n_options
    assert all(len(colour) == 7 and colour.startswith("#") for colour in colours)
    # Orange first, purple last: more red than blue at the start, the reverse at the end.
    first, last = (
        tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in (colours[0], colours[-1])
    )
    assert first[0] > first[2]
    assert last[2] > last[0]


def test_a_scale_of_fewer_than_two_options_has_no_colours() -> None:
    with pytest.raises(ValueError, match="n_options"):
        charts.diverging(1)


def test_the_middle_of_an_odd_scale_is_the_pale_centre_of_the_scheme() -> None:
    # PuOr's centre anchor is #F7F7F7: an odd number of options puts its middle one there.
    assert charts.diverging(5)[2] == "#F7F7F7"
    assert charts.diverging(9)[4] == "#F7F7F7"


def test_charts_are_written_with_a_few_elements_per_row() -> None:
    # matplotlib wrote about 180 elements for three rows; every element costs WeasyPrint time
    # to paint, so the charts stay at what they show.
    rows = ROWS * 5
    svg = scores_svg(rows, response_range=SCALE, series=("This team", "Rest"))
    assert svg.count("<") - svg.count("</") < 12 * len(rows) + 30
    assert _plane().count("<") - _plane().count("</") < 60


def test_the_plane_of_a_thousand_teams_is_still_a_few_dozen_elements() -> None:
    points = [PlanePoint(1 + (i % 60) / 10, 1 + (i // 60) / 3) for i in range(1_000)]
    svg = plane_svg(highlight=PLACE, points=points, response_range=SCALE, labels=LABELS)
    assert svg.count("<") - svg.count("</") < 60
    # every team is drawn: one closed circle (two arcs) per point, in one path
    path = re.search(r'<path d="([^"]+)" fill="#8C8C8C"', svg)
    assert path is not None
    assert path.group(1).count("z") == 1_000
