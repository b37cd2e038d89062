"""The heat table's figures stay legible: every cell's ink on its colour reaches WCAG's 4.5:1
(1.4.3), on screen and on paper, wherever the mean falls on the response scale, whether the
statistics support the figure (a blue) or not (a paled blue); and every word of the table, as
WeasyPrint paints it (opacity included), reaches 4.5:1 on what lies beneath it."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from weasyprint import HTML
from weasyprint.formatting_structure import boxes

from instrument.model import Instrument
from reports import charts, render
from reports.fetcher import PackagedFilesFetcher
from reports.views import Estimate, Placement, PlanePoint, ResponseRange
from tests.reports import fakes


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(one: str, other: str) -> float:
    high, low = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_heat_cell_reaches_a_contrast_of_four_and_a_half() -> None:
    context = {"view": SimpleNamespace(response_range=SimpleNamespace(low=1, high=7))}
    for mean in np.linspace(1, 7, 121):
        style = render._heat(context, float(mean))  # type: ignore[arg-type]
        found = re.fullmatch(r"background-color: (#\w{6}); color: (#\w{6})", style)
        assert found, style
        assert _contrast(found.group(1), found.group(2)) >= 4.5, (mean, style)


MEANS = [float(mean) for mean in np.linspace(1, 7, 121)]


def _styles(unsupported: bool) -> list[tuple[str, str]]:
    """Every (background, ink) pair the heat filter writes over the response scale."""
    context = {"view": SimpleNamespace(response_range=SimpleNamespace(low=1, high=7))}
    pairs = []
    for mean in [None, *MEANS]:
        style = render._heat(context, mean, unsupported)  # type: ignore[arg-type]
        found = re.fullmatch(r"background-color: (#\w{6}); color: (#\w{6})", style)
        assert found, style
        pairs.append((found.group(1), found.group(2)))
    return pairs


@pytest.mark.parametrize("unsupported", [False, True], ids=["supported", "paled"])
def test_every_heat_colour_with_every_ink_used_on_it_reaches_four_and_a_half(
    unsupported: bool,
) -> None:
    pairs = set(_styles(unsupported))
    colours = render._HEAT_PALE if unsupported else render._HEAT
    assert {background for background, _ in pairs} == {*colours, "#FFFFFF"}, "every colour used"
    for background, ink in sorted(pairs):
        assert _contrast(background, ink) >= 4.5, (background, ink)


def test_the_paled_blues_are_the_blues_halfway_to_white() -> None:
    for blue, pale in zip(render._HEAT, render._HEAT_PALE, strict=True):
        for channel in (1, 3, 5):
            halfway = (int(blue[channel : channel + 2], 16) + 255) / 2
            assert abs(int(pale[channel : channel + 2], 16) - halfway) <= 0.5, (blue, pale)


# -- as WeasyPrint paints them ------------------------------------------------------------------


def _hex(colour: Any) -> tuple[tuple[float, float, float], float]:
    red, green, blue = colour.to("srgb").coordinates
    return (red, green, blue), float(colour.alpha)


def _over(top: tuple[float, ...], alpha: float, under: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(alpha * a + (1 - alpha) * b for a, b in zip(top, under, strict=True))


def _painted(chain: list[Any], index: int, colour: Any) -> tuple[float, ...]:
    """``colour``, drawn by ``chain[index]``, as it lands on the page: composited with its
    alpha over what lies beneath, then with the opacity of each box from ``index`` up over what
    lies beneath that box (an opacity pales a whole box, its text and background with it)."""
    rgb, alpha = _hex(colour)
    result = _over(rgb, alpha, _beneath(chain, index))
    for level in range(index, -1, -1):
        opacity = float(chain[level].style["opacity"])
        if opacity < 1:
            result = _over(result, opacity, _beneath(chain, level))
    return result


def _beneath(chain: list[Any], index: int) -> tuple[float, ...]:
    """What is painted under ``chain[index]``: the nearest background above it, or paper."""
    for level in range(index - 1, -1, -1):
        if _hex(chain[level].style["background_color"])[1] > 0:
            return _painted(chain, level, chain[level].style["background_color"])
    return (1.0, 1.0, 1.0)


def _as_hex(rgb: tuple[float, ...]) -> str:
    return "#" + "".join(f"{round(channel * 255):02X}" for channel in rgb)


def _text_boxes(box: Any, chain: list[Any]) -> Any:
    chain = [*chain, box]
    if isinstance(box, boxes.TextBox) and box.text.strip():
        yield chain
    for child in getattr(box, "children", None) or ():
        yield from _text_boxes(child, chain)


@pytest.fixture(scope="module")
def heat_tables(analysis: fakes.FakeAnalysis, instrument: Instrument) -> list[list[Any]]:
    """The chains of boxes, from the heat table down, to every word printed in it."""
    view = fakes.organisation_view(analysis, instrument, language="en")
    html = render.render_organisation_html(view)
    document = HTML(string=html, url_fetcher=PackagedFilesFetcher()).render()
    chains: list[list[Any]] = []

    def walk(box: Any, above: list[Any]) -> None:
        element = getattr(box, "element", None)
        if isinstance(box, boxes.TableBox) and "heat" in (element.get("class") or "").split():
            chains.extend(_text_boxes(box, above))
            return
        for child in getattr(box, "children", None) or ():
            walk(child, [*above, box])

    for page in document.pages:
        walk(page._page_box, [])
    return chains


def test_every_word_of_the_heat_table_as_painted_reaches_four_and_a_half(
    heat_tables: list[list[Any]],
) -> None:
    paled = 0
    for chain in heat_tables:
        text = chain[-1]
        ink = _painted(chain, len(chain) - 1, text.style["color"])
        background = _beneath(chain, len(chain) - 1)
        ratio = _contrast(_as_hex(ink), _as_hex(background))
        cell = next((box for box in reversed(chain) if box.element_tag == "td"), None)
        if cell is not None and "unsupported-cell" in (cell.element.get("class") or ""):
            paled += 1
        assert ratio >= 4.5, (text.text, _as_hex(ink), _as_hex(background), round(ratio, 2))
    assert paled, "the fake campaign has figures the statistics do not support"


def test_every_word_of_the_charts_reaches_four_and_a_half_on_white() -> None:
    scale = ResponseRange(low=1, high=7, midpoint=4.0)
    scores = charts.scores_svg(
        [
            charts.ScoreRow("Vertical accountability", Estimate(4.1, 3.5, 4.7), muted=True),
            charts.ScoreRow("Imagination", None, note="not shown: fewer than 5 answered"),
            charts.ScoreRow("Learning citizenship", Estimate(5.0, 4.6, 5.4), emphasised=True),
        ],
        response_range=scale,
        series=("This team", "Rest of the organisation"),
    )
    plane = charts.plane_svg(
        highlight=Placement(
            Estimate(5.2, 4.7, 5.7), Estimate(3.6, 3.1, 4.1), "community-led", True
        ),
        points=[PlanePoint(2.5, 5.0)],
        response_range=scale,
        labels=charts.PlaneLabels(
            axes=("Horizontal accountability", "Vertical accountability"),
            quadrants=("integrated", "community-led", "hierarchy-led", "disengaged"),
            highlight="Your team",
            points="Other teams",
        ),
    )
    for svg in (scores, plane):
        words = re.findall(r"<text ([^>]*)>([^<]*)</text>", svg)
        assert words
        for attributes, word in words:
            assert "opacity" not in attributes, word
            ink = re.search(r'fill="(#\w{6})"', attributes)
            assert ink, attributes
            assert _contrast(ink.group(1), "#FFFFFF") >= 4.5, (word, ink.group(1))
