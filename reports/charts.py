"""Charts as SVG text: vectors that stay sharp in print, drawn with matplotlib.

Each chart builds its own ``matplotlib.figure.Figure`` (never pyplot, whose global state would
leak between reports) and saves it as SVG with text kept as text, so the PDF stays small and
searchable. Output is deterministic: ids come from a fixed hash salt and the metadata carries no
date. The colours are the Okabe–Ito palette, which colour-blind readers tell apart, and the two
series also differ by marker shape.
"""

from __future__ import annotations

import io
import textwrap
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources

import matplotlib
from matplotlib import colormaps, font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from reports.views import Estimate, Placement, PlanePoint, ResponseRange

BLUE = "#0072B2"
ORANGE = "#E69F00"
GREY = "#8C8C8C"
INK = "#1F2933"
RULE = "#D0D5DB"
DIVERGING = ("#B35806", "#F1A340", "#FEE0B6", "#E3E3E3", "#D8DAEB", "#998EC3", "#542788")
"""ColorBrewer PuOr, 7 classes, with a visible grey in the middle: diverging and safe for
colour-blind readers (orange for disagreement, purple for agreement); the item bars' colours."""


def diverging(n_options: int) -> tuple[str, ...]:
    """``n_options`` colours from disagreement to agreement: ``DIVERGING`` for 7 options,
    matplotlib's PuOr colormap (the same ColorBrewer scheme) sampled evenly otherwise."""
    if n_options == len(DIVERGING):
        return DIVERGING
    colormap = colormaps["PuOr"]
    # The colormap's ends are near black: keep to its inner 80 %, as the 7 classes do.
    steps = (0.1 + 0.8 * i / (n_options - 1) for i in range(n_options))
    return tuple(to_hex(colormap(step)).upper() for step in steps)


FONT_FAMILY = "DejaVu Sans"
FONT_FILES = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique.ttf",
)
"""The packaged font files (``reports/static/fonts``); the stylesheet declares the same ones."""

_STYLE = {
    "svg.hashsalt": "transversal-reports",
    "svg.fonttype": "none",
    "font.family": FONT_FAMILY,
    "font.size": 8.5,
    "text.color": INK,
    "axes.edgecolor": RULE,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "text.usetex": False,
}
# rc_context changes matplotlib's process-wide settings for the time of one chart: the lock keeps
# two reports rendered in parallel threads from seeing each other's settings.
_LOCK = threading.Lock()


@contextmanager
def drawing() -> Iterator[None]:
    """The context every chart is drawn in: packaged fonts, the reports' style, one at a time."""
    use_packaged_fonts()
    with _LOCK, matplotlib.rc_context(_STYLE):
        yield


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


@cache
def use_packaged_fonts() -> None:
    """Registers the packaged font files with matplotlib, once per process, ahead of the copy
    matplotlib ships: charts are measured with the very files the PDF embeds."""
    folder = resources.files("reports").joinpath("static", "fonts")
    paths = []
    for name in FONT_FILES:
        with resources.as_file(folder.joinpath(name)) as path:
            font_manager.fontManager.addfont(str(path))
            paths.append(str(path))
    # Same family, same score: matplotlib takes the first entry it meets, so ours go first.
    entries = font_manager.fontManager.ttflist
    entries.sort(key=lambda entry: entry.fname not in paths)
    font_manager.fontManager._findfont_cached.cache_clear()  # type: ignore[attr-defined]


def scores_svg(
    rows: Sequence[ScoreRow],
    *,
    response_range: ResponseRange,
    series: tuple[str, str | None],
) -> str:
    """One row per scale on the response axis: the primary estimate (filled circle) and the
    optional secondary one (open square), each with its confidence interval."""
    height = 0.62 + 0.34 * len(rows)
    with drawing():
        figure = Figure(figsize=(6.7, height))
        FigureCanvasSVG(figure)
        axes = figure.add_axes((0.35, 0.38 / height, 0.62, 1 - 0.62 / height))
        positions = list(range(len(rows)))[::-1]
        offset = 0.14 if any(row.secondary for row in rows) else 0.0
        for y, row in zip(positions, rows, strict=True):
            muted = {"muted": row.muted}
            _interval(
                axes, row.primary, y + offset, response_range, colour=BLUE, marker="o", **muted
            )
            _interval(
                axes, row.secondary, y - offset, response_range, colour=ORANGE, marker="s", **muted
            )
            if row.note is not None:
                axes.text(
                    response_range.midpoint,
                    y,
                    _plain(row.note),
                    ha="center",
                    va="center",
                    color=GREY,
                    style="italic",
                    fontsize=7.5,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5},
                )
        _score_axes(axes, rows, positions, response_range)
        _score_legend(figure, series)
        return svg_of(figure)


def _interval(
    axes: Axes,
    estimate: Estimate | None,
    y: float,
    scale: ResponseRange,
    *,
    colour: str,
    marker: str,
    muted: bool = False,
) -> None:
    """An estimate as a marker on its interval; circles filled, squares open; a muted one
    pale with a dashed interval."""
    if estimate is None:
        return
    alpha = 0.35 if muted else 1.0
    if estimate.ci_low is not None and estimate.ci_high is not None:
        axes.plot(
            _clamp([estimate.ci_low, estimate.ci_high], scale),
            [y, y],
            color=colour,
            linewidth=1.6,
            linestyle=(0, (2, 1.5)) if muted else "-",
            solid_capstyle="butt",
            alpha=alpha,
            zorder=2,
        )
    axes.plot(
        [estimate.value],
        [y],
        marker=marker,
        markersize=5.5,
        color=colour,
        markerfacecolor=colour if marker == "o" else "white",
        markeredgewidth=1.3,
        alpha=alpha,
        zorder=3,
    )


def _clamp(values: Sequence[float], scale: ResponseRange) -> list[float]:
    """Values cut to the response range: a t-interval can pass the end of the scale."""
    return [min(max(value, scale.low), scale.high) for value in values]


def _score_axes(
    axes: Axes, rows: Sequence[ScoreRow], positions: Sequence[int], scale: ResponseRange
) -> None:
    axes.set_xlim(scale.low - 0.15, scale.high + 0.15)
    axes.set_ylim(-0.6, len(rows) - 0.4)
    axes.set_xticks(range(scale.low, scale.high + 1))
    labels = [_wrap(row.label) + (" ‡" if row.muted else "") for row in rows]
    axes.set_yticks(positions, labels, multialignment="right")
    for label, row in zip(axes.get_yticklabels(), rows, strict=True):
        label.set_fontweight("bold" if row.emphasised else "normal")
        if row.muted:
            label.set_color(GREY)
    axes.tick_params(axis="y", length=0, pad=6)
    axes.tick_params(axis="x", length=0, pad=4)
    axes.grid(axis="x", color=RULE, linewidth=0.6)
    axes.axvline(scale.midpoint, color=GREY, linewidth=0.8, linestyle=(0, (3, 3)))
    for y in positions[:-1]:
        axes.axhline(y - 0.5, color="#EEF0F2", linewidth=0.6, zorder=0)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.set_axisbelow(True)


def _score_legend(figure: Figure, series: tuple[str, str | None]) -> None:
    handles = [
        figure.axes[0].plot([], [], marker="o", color=BLUE, linewidth=1.6, markersize=5.5)[0]
    ]
    labels = [_plain(series[0])]
    if series[1] is not None:
        handles.append(
            figure.axes[0].plot(
                [],
                [],
                marker="s",
                color=ORANGE,
                markerfacecolor="white",
                linewidth=1.6,
                markersize=5.5,
                markeredgewidth=1.3,
            )[0]
        )
        labels.append(_plain(series[1]))
    figure.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(0.35, 1.0),
        ncols=2,
        frameon=False,
        handlelength=2.2,
        borderaxespad=0.2,
    )


def plane_svg(
    *,
    highlight: Placement | None,
    points: Sequence[PlanePoint],
    response_range: ResponseRange,
    labels: PlaneLabels,
) -> str:
    """The plane of horizontal × vertical accountability divided at the midpoint, with the
    ``points`` as dots (grey when a team is highlighted) and the highlighted team's CI cross."""
    with drawing():
        figure = Figure(figsize=(5.2, 5.0))
        FigureCanvasSVG(figure)
        axes = figure.add_axes((0.13, 0.2, 0.83, 0.77))
        _plane_frame(axes, response_range, labels)
        colour = GREY if highlight is not None else BLUE
        axes.scatter(
            [p.ha for p in points],
            [p.va for p in points],
            s=34,
            color=colour,
            alpha=0.75,
            linewidths=0,
            zorder=3,
            label=_plain(labels.points),
        )
        if highlight is not None:
            _highlight(axes, highlight, response_range, labels.highlight)
        axes.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.11),
            ncols=2,
            frameon=False,
            handletextpad=0.4,
            columnspacing=2.0,
        )
        return svg_of(figure)


def _plane_frame(axes: Axes, scale: ResponseRange, labels: PlaneLabels) -> None:
    low, high, mid = scale.low, scale.high, scale.midpoint
    axes.set_xlim(low, high)
    axes.set_ylim(low, high)
    axes.set_aspect("equal")
    axes.set_xticks(range(low, high + 1))
    axes.set_yticks(range(low, high + 1))
    axes.tick_params(length=0, pad=4)
    axes.axvline(mid, color=GREY, linewidth=0.9)
    axes.axhline(mid, color=GREY, linewidth=0.9)
    axes.set_xlabel(_plain(labels.axes[0]), labelpad=6)
    axes.set_ylabel(_plain(labels.axes[1]), labelpad=6)
    inset = 0.12
    corners = (
        (high - inset, high - inset, "right", "top"),
        (high - inset, low + inset, "right", "bottom"),
        (low + inset, high - inset, "left", "top"),
        (low + inset, low + inset, "left", "bottom"),
    )
    for (x, y, ha, va), text in zip(corners, labels.quadrants, strict=True):
        axes.text(
            x,
            y,
            _plain(text.capitalize()),
            ha=ha,
            va=va,
            color=GREY,
            fontsize=8.5,
            fontweight="bold",
        )
    for spine in axes.spines.values():
        spine.set_color(RULE)


def _highlight(axes: Axes, place: Placement, scale: ResponseRange, label: str) -> None:
    """The team's point with its confidence interval on each axis: a cross."""
    for estimate, horizontal in ((place.ha, True), (place.va, False)):
        if estimate.ci_low is None or estimate.ci_high is None:
            continue
        span = _clamp([estimate.ci_low, estimate.ci_high], scale)
        fixed = [place.va.value] * 2 if horizontal else [place.ha.value] * 2
        xs, ys = (span, fixed) if horizontal else (fixed, span)
        axes.plot(xs, ys, color=BLUE, linewidth=1.8, solid_capstyle="butt", zorder=4)
    axes.scatter(
        [place.ha.value],
        [place.va.value],
        s=90,
        color=BLUE,
        edgecolors="white",
        linewidths=1.2,
        zorder=5,
        label=_plain(label),
    )


def _wrap(label: str) -> str:
    """A row label on at most two lines."""
    return "\n".join(textwrap.wrap(_plain(label), width=32, max_lines=2, placeholder="…"))


def _plain(text: str) -> str:
    """Text for matplotlib, which would read ``$...$`` as mathematics."""
    return text.replace("$", r"\$")


def svg_of(figure: Figure) -> str:
    """The figure as an SVG element: no prolog, no clip paths, no date."""
    # Nothing is drawn outside the axes (intervals are clamped to the response range), so the
    # clip paths matplotlib would attach to every artist only slow the PDF down.
    for artist in figure.findobj():
        artist.set_clip_on(False)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, transparent=True)
    svg = buffer.getvalue()
    # The XML declaration and DOCTYPE are for standalone files; keep the SVG element alone.
    return svg[svg.index("<svg") :]
