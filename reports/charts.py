"""Charts as SVG text: vectors that stay sharp in print, written element by element.

The two charts of the reports (scores with their intervals, and the plane of accountability) are
simple enough to write directly: a few dozen elements each, where matplotlib's SVG had a few
hundred (glyph paths, clip paths, one group per artist). That made each chart cost about 0.04 s
to draw and as much again for WeasyPrint to paint; written directly, both costs are a few
milliseconds (``bench/bench_reports.py``).

Text stays text, in the packaged DejaVu Sans (``reports/static/fonts``), so the PDF is small and
searchable. Where a layout depends on a text's width (the legend), the width is measured from the
advance widths of the very font files the PDF embeds (:func:`text_width`). Output is
deterministic. The colours are the Okabe–Ito palette, which colour-blind readers tell apart, and
the two series also differ by marker shape.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from xml.sax.saxutils import escape

from fontTools.ttLib import TTFont

from reports.views import Estimate, Placement, PlanePoint, ResponseRange

Position = Callable[[float], float]
"""A value on the response scale to a coordinate of the chart, in points."""

BLUE = "#0072B2"
ORANGE = "#E69F00"
GREY = "#8C8C8C"
MUTED_INK = "#5F6873"
"""Grey for words (a muted row's label, a note, the quadrants' names): GREY, for lines and dots,
reaches only 3.4:1 on white; this reaches 5.9:1 (WCAG 1.4.3 asks 4.5:1 of text)."""
INK = "#1F2933"
RULE = "#D0D5DB"
ROW_RULE = "#EEF0F2"
DIVERGING = ("#B35806", "#F1A340", "#FEE0B6", "#E3E3E3", "#D8DAEB", "#998EC3", "#542788")
"""ColorBrewer PuOr, 7 classes, with a visible grey in the middle: diverging and safe for
colour-blind readers (orange for disagreement, purple for agreement); the item bars' colours."""

_PUOR = (
    "#7F3B08",
    "#B35806",
    "#E08214",
    "#FDB863",
    "#FEE0B6",
    "#F7F7F7",
    "#D8DAEB",
    "#B2ABD2",
    "#8073AC",
    "#542788",
    "#2D004B",
)
"""ColorBrewer PuOr, 11 classes: the anchors of the continuous scheme, orange to purple."""


def diverging(n_options: int) -> tuple[str, ...]:
    """``n_options`` colours from disagreement to agreement: ``DIVERGING`` for 7 options, the
    continuous PuOr scheme sampled evenly otherwise (within its inner 80 %: its ends are near
    black, as the 7 classes avoid too)."""
    if n_options < 2:
        raise ValueError(f"n_options: a scale has at least 2 options, got {n_options}")
    if n_options == len(DIVERGING):
        return DIVERGING
    return tuple(_puor(0.1 + 0.8 * i / (n_options - 1)) for i in range(n_options))


def _puor(step: float) -> str:
    """The PuOr scheme at ``step`` (0 to 1), interpolated linearly in RGB between anchors."""
    position = step * (len(_PUOR) - 1)
    index = min(int(position), len(_PUOR) - 2)
    share = position - index
    low, high = (_rgb(_PUOR[index]), _rgb(_PUOR[index + 1]))
    mixed = (round(a + (b - a) * share) for a, b in zip(low, high, strict=True))
    return "#" + "".join(f"{channel:02X}" for channel in mixed)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


FONT_FAMILY = "DejaVu Sans"
FONT_FILES = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique.ttf",
)
"""The packaged font files (``reports/static/fonts``); the stylesheet declares the same ones."""

FONT_SIZE = 8.5
"""Points, as the report's small print."""


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """One row of the scores chart: a label, up to two estimates, or a note in their place."""

    label: str
    primary: Estimate | None
    secondary: Estimate | None = None
    note: str | None = None
    emphasised: bool = False
    """Drawn in bold: a composite among its facets."""
    muted: bool = False
    """Drawn pale and dashed, its label marked with ‡: the statistics do not support the
    figure as it stands (the reason is printed beside the chart)."""


@dataclass(frozen=True, slots=True)
class PlaneLabels:
    """The words of the plane chart, in the report's language."""

    axes: tuple[str, str]
    quadrants: tuple[str, str, str, str]
    """Integrated, community-led, hierarchy-led, disengaged."""
    highlight: str
    points: str


def text_width(text: str, *, size: float = FONT_SIZE, bold: bool = False) -> float:
    """The width in points of ``text`` set in the packaged DejaVu Sans at ``size`` points: the
    sum of its glyphs' advance widths (no kerning, which DejaVu barely uses)."""
    advances, fallback = _advances(FONT_FILES[1] if bold else FONT_FILES[0])
    return sum(advances.get(ord(character), fallback) for character in text) * size


@cache
def _advances(file_name: str) -> tuple[dict[int, float], float]:
    """Advance widths per code point, in ems, of a packaged font file; and the width of the
    font's missing-glyph box, which is what a character without a glyph gets."""
    folder = resources.files("reports").joinpath("static", "fonts")
    with resources.as_file(folder.joinpath(file_name)) as path:
        font = TTFont(path, lazy=True)
        em = float(font["head"].unitsPerEm)
        metrics = font["hmtx"].metrics
        glyphs = font.getBestCmap()
        advances = {code: metrics[glyph][0] / em for code, glyph in glyphs.items()}
        fallback = metrics[".notdef"][0] / em
        font.close()
    return advances, fallback


class _Svg:
    """An SVG document being written: elements in the order they are drawn (later on top)."""

    def __init__(self, width: float, height: float) -> None:
        self.width, self.height = width, height
        self.elements: list[str] = []

    def line(
        self, x1: float, y1: float, x2: float, y2: float, *, colour: str, width: float, **extra: str
    ) -> None:
        self.elements.append(
            f'<line x1="{x1:.2f}" y1="{y1:.2f}" x2="{x2:.2f}" y2="{y2:.2f}"'
            f' stroke="{colour}" stroke-width="{width}"{_attributes(extra)}/>'
        )

    def rect(
        self, x: float, y: float, width: float, height: float, *, fill: str, **extra: str
    ) -> None:
        self.elements.append(
            f'<rect x="{x:.2f}" y="{y:.2f}" width="{width:.2f}" height="{height:.2f}"'
            f' fill="{fill}"{_attributes(extra)}/>'
        )

    def circle(self, x: float, y: float, radius: float, *, fill: str, **extra: str) -> None:
        self.elements.append(
            f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{radius}" fill="{fill}"{_attributes(extra)}/>'
        )

    def dots(
        self, centres: Sequence[tuple[float, float]], radius: float, *, fill: str, **extra: str
    ) -> None:
        """Circles of one colour as one path: each is two arcs. An element per dot made the
        plane of 1,000 teams the costliest figure of the report to paint."""
        if not centres:
            return
        arcs = f"a{radius:g},{radius:g} 0 1,0 {2 * radius:g},0 a{radius:g},{radius:g} 0 1,0"
        path = "".join(f"M{x - radius:.2f},{y:.2f} {arcs} {-2 * radius:g},0z" for x, y in centres)
        self.elements.append(f'<path d="{path}" fill="{fill}"{_attributes(extra)}/>')

    def text(
        self,
        x: float,
        y: float,
        content: str,
        *,
        anchor: str = "start",
        size: float = FONT_SIZE,
        colour: str = INK,
        **extra: str,
    ) -> None:
        """``content`` with its baseline at ``y``, escaped: labels are printed literally."""
        self.elements.append(
            f'<text x="{x:.2f}" y="{y:.2f}" text-anchor="{anchor}" font-size="{size}"'
            f' fill="{colour}"{_attributes(extra)}>{escape(content)}</text>'
        )

    def marker(self, x: float, y: float, *, shape: str, colour: str, opacity: float) -> None:
        """A series' marker: a filled circle (``o``) or an open square (``s``)."""
        faded = {} if opacity == 1 else {"opacity": str(opacity)}
        if shape == "o":
            self.circle(x, y, 2.9, fill=colour, **faded)
        else:
            self.rect(
                x - 2.4,
                y - 2.4,
                4.8,
                4.8,
                fill="#FFFFFF",
                stroke=colour,
                stroke_width="1.3",
                **faded,
            )

    def document(self) -> str:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width:.1f}pt"'
            f' height="{self.height:.1f}pt" viewBox="0 0 {self.width:.1f} {self.height:.1f}"'
            f' font-family="{FONT_FAMILY}">\n' + "\n".join(self.elements) + "\n</svg>\n"
        )


def _attributes(extra: dict[str, str]) -> str:
    return "".join(f' {name.replace("_", "-")}="{value}"' for name, value in extra.items())


_SCORES_WIDTH = 482.4
_ROW_HEIGHT = 24.5
_SCORES_TOP = 24.0
"""Room for the legend above the rows."""
_SCORES_BOTTOM = 20.0
"""Room for the response options under the rows."""


def scores_svg(
    rows: Sequence[ScoreRow],
    *,
    response_range: ResponseRange,
    series: tuple[str, str | None],
) -> str:
    """One row per scale on the response axis: the primary estimate (filled circle) and the
    optional secondary one (open square), each with its confidence interval."""
    height = _SCORES_TOP + _ROW_HEIGHT * len(rows) + _SCORES_BOTTOM
    svg = _Svg(_SCORES_WIDTH, height)
    left, right = 0.35 * _SCORES_WIDTH, 0.97 * _SCORES_WIDTH
    low, high = response_range.low - 0.15, response_range.high + 0.15

    def x(value: float) -> float:
        return left + (value - low) / (high - low) * (right - left)

    bottom = _SCORES_TOP + _ROW_HEIGHT * len(rows)
    for option in range(response_range.low, response_range.high + 1):
        svg.line(x(option), _SCORES_TOP, x(option), bottom, colour=RULE, width=0.6)
        svg.text(x(option), bottom + 12, str(option), anchor="middle")
    for index in range(1, len(rows)):
        y = _SCORES_TOP + _ROW_HEIGHT * index
        svg.line(left, y, right, y, colour=ROW_RULE, width=0.6)
    svg.line(left, bottom, right, bottom, colour=RULE, width=0.8)
    mid = x(response_range.midpoint)
    svg.line(mid, _SCORES_TOP, mid, bottom, colour=GREY, width=0.8, stroke_dasharray="3 3")
    offset = 3.4 if any(row.secondary for row in rows) else 0.0
    for index, row in enumerate(rows):
        centre = _SCORES_TOP + _ROW_HEIGHT * (index + 0.5)
        _row_label(svg, row, x=left - 6, centre=centre)
        for estimate, y, colour, shape in (
            (row.primary, centre - offset, BLUE, "o"),
            (row.secondary, centre + offset, ORANGE, "s"),
        ):
            if estimate is not None:
                _interval(svg, estimate, y, x, response_range, colour, shape, muted=row.muted)
        if row.note is not None:
            width = text_width(row.note, size=7.5) + 4
            svg.rect(mid - width / 2, centre - 6, width, 11, fill="#FFFFFF")
            svg.text(
                mid,
                centre + 2.6,
                row.note,
                anchor="middle",
                size=7.5,
                colour=MUTED_INK,
                font_style="italic",
            )
    _legend(svg, left, series)
    return svg.document()


def _row_label(svg: _Svg, row: ScoreRow, *, x: float, centre: float) -> None:
    """The scale's name right-aligned before its row, on at most two lines."""
    lines = textwrap.wrap(row.label, width=32, max_lines=2, placeholder="…") or [""]
    if row.muted:
        lines[-1] += " ‡"
    weight = "bold" if row.emphasised else "normal"
    first = centre + 3 - 5.2 * (len(lines) - 1)
    for number, line in enumerate(lines):
        svg.text(
            x,
            first + 10.4 * number,
            line,
            anchor="end",
            colour=MUTED_INK if row.muted else INK,
            font_weight=weight,
        )


def _interval(
    svg: _Svg,
    estimate: Estimate,
    y: float,
    x: Position,
    scale: ResponseRange,
    colour: str,
    shape: str,
    *,
    muted: bool,
) -> None:
    """An estimate as a marker on its interval; a muted one pale with a dashed interval."""
    opacity = 0.35 if muted else 1.0
    if estimate.ci_low is not None and estimate.ci_high is not None:
        start, end = _clamp((estimate.ci_low, estimate.ci_high), scale)
        extra = {"stroke_dasharray": "2 1.5"} if muted else {}
        if muted:
            extra["opacity"] = str(opacity)
        svg.line(x(start), y, x(end), y, colour=colour, width=1.6, **extra)
    svg.marker(x(estimate.value), y, shape=shape, colour=colour, opacity=opacity)


def _clamp(values: Sequence[float], scale: ResponseRange) -> list[float]:
    """Values cut to the response range: a t-interval can pass the end of the scale."""
    return [min(max(value, scale.low), scale.high) for value in values]


def _legend(svg: _Svg, left: float, series: tuple[str, str | None]) -> None:
    """The series' names above the rows, each after a sample of its marker on a line."""
    x, y = left, 10.0
    for name, colour, shape in ((series[0], BLUE, "o"), (series[1], ORANGE, "s")):
        if name is None:
            continue
        svg.line(x, y, x + 18, y, colour=colour, width=1.6)
        svg.marker(x + 9, y, shape=shape, colour=colour, opacity=1.0)
        svg.text(x + 23, y + 3, name)
        x += 23 + text_width(name) + 16


_PLANE_WIDTH = 374.4
_PLANE_SIDE = 270.0
_PLANE_LEFT = 66.0
_PLANE_TOP = 8.0


def plane_svg(
    *,
    highlight: Placement | None,
    points: Sequence[PlanePoint],
    response_range: ResponseRange,
    labels: PlaneLabels,
) -> str:
    """The plane of horizontal × vertical accountability divided at the midpoint, with the
    ``points`` as dots (grey when a team is highlighted) and the highlighted team's CI cross."""
    bottom = _PLANE_TOP + _PLANE_SIDE
    svg = _Svg(_PLANE_WIDTH, bottom + 58)
    low, high = response_range.low, response_range.high

    def x(value: float) -> float:
        return _PLANE_LEFT + (value - low) / (high - low) * _PLANE_SIDE

    def y(value: float) -> float:
        return bottom - (value - low) / (high - low) * _PLANE_SIDE

    _plane_frame(svg, x, y, response_range, labels)
    colour = GREY if highlight is not None else BLUE
    radius = _dot_radius(len(points))
    svg.dots([(x(p.ha), y(p.va)) for p in points], radius, fill=colour, opacity="0.75")
    entries = [(labels.points, colour, radius)]
    if highlight is not None:
        _highlight(svg, highlight, x, y, response_range)
        entries.append((labels.highlight, BLUE, 5.3))
    widths = [12 + text_width(text) for text, _, _ in entries]
    start = _PLANE_LEFT + (_PLANE_SIDE - sum(widths) - 24 * (len(widths) - 1)) / 2
    for (text, fill, radius), width in zip(entries, widths, strict=True):
        svg.circle(start + 4, bottom + 50, radius, fill=fill)
        svg.text(start + 12, bottom + 53, text)
        start += width + 24
    return svg.document()


def _dot_radius(n_points: int) -> float:
    """Smaller dots for more teams, so that a crowd still shows where it is dense (same area in
    all up to 100 teams, then shrinking with the square root of their number, to 1.4 pt)."""
    return max(1.4, 3.3 * min(1.0, math.sqrt(100 / max(n_points, 1))))


def _plane_frame(
    svg: _Svg, x: Position, y: Position, scale: ResponseRange, labels: PlaneLabels
) -> None:
    """The frame, the response options on both axes, the dividing lines and the words."""
    top, bottom = _PLANE_TOP, _PLANE_TOP + _PLANE_SIDE
    left, right = _PLANE_LEFT, _PLANE_LEFT + _PLANE_SIDE
    svg.rect(left, top, _PLANE_SIDE, _PLANE_SIDE, fill="none", stroke=RULE, stroke_width="0.8")
    for option in range(scale.low, scale.high + 1):
        svg.text(x(option), bottom + 12, str(option), anchor="middle")
        svg.text(left - 5, y(option) + 3, str(option), anchor="end")
    svg.line(x(scale.midpoint), top, x(scale.midpoint), bottom, colour=GREY, width=0.9)
    svg.line(left, y(scale.midpoint), right, y(scale.midpoint), colour=GREY, width=0.9)
    svg.text((left + right) / 2, bottom + 28, labels.axes[0], anchor="middle")
    middle = (top + bottom) / 2
    svg.text(
        left - 24,
        middle,
        labels.axes[1],
        anchor="middle",
        transform=f"rotate(-90 {left - 24:.2f} {middle:.2f})",
    )
    inset = 8.0
    corners = (
        (right - inset, top + inset + 8, "end"),
        (right - inset, bottom - inset, "end"),
        (left + inset, top + inset + 8, "start"),
        (left + inset, bottom - inset, "start"),
    )
    for (cx, cy, anchor), text in zip(corners, labels.quadrants, strict=True):
        svg.text(cx, cy, text.capitalize(), anchor=anchor, colour=MUTED_INK, font_weight="bold")


def _highlight(svg: _Svg, place: Placement, x: Position, y: Position, scale: ResponseRange) -> None:
    """The team's point with its confidence interval on each axis: a cross."""
    if place.ha.ci_low is not None and place.ha.ci_high is not None:
        start, end = _clamp((place.ha.ci_low, place.ha.ci_high), scale)
        svg.line(x(start), y(place.va.value), x(end), y(place.va.value), colour=BLUE, width=1.8)
    if place.va.ci_low is not None and place.va.ci_high is not None:
        start, end = _clamp((place.va.ci_low, place.va.ci_high), scale)
        svg.line(x(place.ha.value), y(start), x(place.ha.value), y(end), colour=BLUE, width=1.8)
    svg.circle(
        x(place.ha.value), y(place.va.value), 5.3, fill=BLUE, stroke="#FFFFFF", stroke_width="1.2"
    )
