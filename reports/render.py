"""Report views to HTML and PDF.

One sandboxed Jinja environment, built on first use and kept, renders the packaged templates;
numbers, dates and colours go through its filters in the view's language. WeasyPrint lays the
HTML out for print with :class:`reports.fetcher.PackagedFilesFetcher`, which serves the files
packaged in ``reports/static`` and the charts (SVG in ``data:`` URIs) and refuses everything else:
no ``file://``, no network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from jinja2 import PackageLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup
from weasyprint import HTML

from reports import charts, formatting
from reports.fetcher import STATIC_SCHEME, PackagedFilesFetcher, chart_uri
from reports.i18n import PROFILES, texts_for
from reports.views import (
    DepartmentReportView,
    OrganisationReportView,
    TeamReportView,
    heat_by_department,
)

_HEAT = ("#F7FBFF", "#DEEBF7", "#C6DBEF", "#9ECAE1", "#6BAED6", "#4A98CA", "#2171B5", "#08519C")
"""Sequential blues (ColorBrewer), from the bottom of the response scale to the top; the sixth
lightened from #4292C6, on which neither ink reached a contrast of 4.5:1 (WCAG 1.4.3)."""
_HEAT_PALE = (
    "#FBFDFF",
    "#EEF5FB",
    "#E2EDF7",
    "#CEE4F0",
    "#B5D6EA",
    "#A4CCE4",
    "#90B8DA",
    "#84A8CE",
)
"""The same blues halfway to white: the cells of a figure the statistics do not support. They
were paled by opacity, which paled their ink with them, to a grey below 4.5:1; paled here, the
background alone, their dark ink keeps its contrast."""
_INK = "#1F2933"
_INK_ON_DARK = "#FFFFFF"


ACCOUNTABILITY = ("HA", "VA", "TR")
IDENTIFICATION = ("EN", "IM", "AL")
ITEMS_PER_CHART = 26
"""About a page of item bars: the charts split between scales, never inside one."""


def render_team_html(view: TeamReportView) -> str:
    """The team report as HTML (its stylesheets are ``reports-static:fonts.css`` and
    ``reports-static:report.css``)."""
    t = texts_for(view.language)
    citizenship = tuple(
        s.scale.scale_id
        for s in view.scales
        if s.scale.scale_id == "LC" or s.scale.facet_of == "LC"
    )
    plane = charts.plane_svg(
        highlight=view.placement,
        points=view.other_teams,
        response_range=view.response_range,
        labels=_plane_labels(view.axis_names, t, points=t["plane_other_teams"]),
    )
    uris = {
        "plane": chart_uri(plane),
        "accountability": _team_scores_uri(view, ACCOUNTABILITY, t),
        "identification": _team_scores_uri(view, IDENTIFICATION, t),
        "citizenship": _team_scores_uri(view, citizenship, t),
    }
    return _render(
        "team.html",
        view,
        charts=uris,
        extra={
            "item_colours": charts.diverging(len(view.option_labels)),
            "item_side": (len(view.option_labels) - 1) // 2,
        },
    )


def _team_scores_uri(view: TeamReportView, scale_ids: tuple[str, ...], t: Mapping[str, str]) -> str:
    rows = [s for s in view.scales if s.scale.scale_id in scale_ids]
    if not rows:
        return ""
    svg = charts.scores_svg(
        [
            charts.ScoreRow(
                label=row.scale.name,
                primary=row.team,
                secondary=row.rest,
                note=row.hidden_reason,
                emphasised=row.scale.is_composite,
                muted=bool(row.caveats),
            )
            for row in rows
        ],
        response_range=view.response_range,
        series=(t["this_team"], t["rest_of_organisation"]),
    )
    return chart_uri(svg)


def render_team_pdf(view: TeamReportView) -> bytes:
    """The team report as a PDF."""
    return _write_pdf(render_team_html(view))


def render_organisation_html(view: OrganisationReportView) -> str:
    """The organisation report as HTML (its stylesheet is ``reports-static:report.css``)."""
    t = texts_for(view.language)
    scores = charts.scores_svg(
        [
            charts.ScoreRow(
                label=row.scale.name,
                primary=row.mean,
                emphasised=row.scale.is_composite,
                muted=bool(row.caveats),
            )
            for row in view.organisation
        ],
        response_range=view.response_range,
        series=(t["organisation_mean"], None),
    )
    plane = charts.plane_svg(
        highlight=None,
        points=view.team_points,
        response_range=view.response_range,
        labels=_plane_labels(view.axis_names, t, points=t["teams"]),
    )
    return _render(
        "organisation.html", view, charts={"scores": chart_uri(scores), "plane": chart_uri(plane)}
    )


def render_organisation_pdf(view: OrganisationReportView) -> bytes:
    """The organisation report as a PDF."""
    return _write_pdf(render_organisation_html(view))


def render_department_html(view: DepartmentReportView) -> str:
    """The department (subtree) report as HTML (its stylesheets are ``reports-static:fonts.css``
    and ``reports-static:report.css``)."""
    t = texts_for(view.language)
    compared = any(row.rest is not None for row in view.scales)
    scores = charts.scores_svg(
        [
            charts.ScoreRow(
                label=row.scale.name,
                primary=row.unit,
                secondary=row.rest,
                note=row.hidden_reason,
                emphasised=row.scale.is_composite,
                muted=bool(row.caveats),
            )
            for row in view.scales
        ],
        response_range=view.response_range,
        series=(t["dept_this_unit"], t["rest_of_organisation"] if compared else None),
    )
    plane = charts.plane_svg(
        highlight=None,
        points=view.team_points,
        response_range=view.response_range,
        labels=_plane_labels(view.axis_names, t, points=t["teams"]),
    )
    return _render(
        "department.html", view, charts={"scores": chart_uri(scores), "plane": chart_uri(plane)}
    )


def render_department_pdf(view: DepartmentReportView) -> bytes:
    """The department (subtree) report as a PDF."""
    return _write_pdf(render_department_html(view))


def _plane_labels(
    axis_names: tuple[str, str], t: Mapping[str, str], *, points: str
) -> charts.PlaneLabels:
    quadrants = tuple(t[f"profile.{profile}"] for profile in PROFILES)
    return charts.PlaneLabels(
        # The axes written out in the report's language: a reader of the chart alone does not
        # know the scale codes (HA, VA), which are English initials.
        axes=axis_names,
        quadrants=(quadrants[0], quadrants[1], quadrants[2], quadrants[3]),
        highlight=t["plane_your_team"],
        points=points,
    )


def _render(
    template: str,
    view: TeamReportView | OrganisationReportView | DepartmentReportView,
    *,
    charts: Mapping[str, str],
    extra: Mapping[str, Any] | None = None,
) -> str:
    page = environment().get_template(template)
    return page.render(
        **(extra or {}),
        view=view,
        language=view.language,
        t=texts_for(view.language),
        charts=charts,
        heat_colours=_HEAT,
        static=f"{STATIC_SCHEME}:",
    )


PDF_VARIANT = "pdf/ua-1"
"""Tagged PDF for assistive technology (PDF/UA-1, ISO 14289-1): a structure tree of the HTML's
headings, paragraphs, lists, tables and figures (with their ``alt`` texts), the document's
language (``<html lang>``) and title (``<title>``), shown as the window's title."""


def _write_pdf(html: str) -> bytes:
    document = HTML(string=html, url_fetcher=PackagedFilesFetcher())
    pdf: bytes = document.write_pdf(pdf_variant=PDF_VARIANT)
    return pdf


@cache
def environment() -> SandboxedEnvironment:
    """The one Jinja environment of the reports: sandboxed, strict about undefined names,
    escaping HTML."""
    env = SandboxedEnvironment(
        loader=PackageLoader("reports", "templates"),
        undefined=StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        number=_number,
        signed=_signed,
        interval=_interval,
        percent=_percent,
        date=_date,
        heat=_heat,
        css_string=_css_string,
        stacked_gradient=_stacked_gradient,
        by_department=heat_by_department,
    )
    return env


@pass_context
def _number(context: Context, value: float | None, digits: int = 2) -> str:
    return formatting.format_number(value, language=context["language"], digits=digits)


@pass_context
def _signed(context: Context, value: float | None, digits: int = 2) -> str:
    return formatting.format_signed(value, language=context["language"], digits=digits)


@pass_context
def _interval(context: Context, estimate: Any, digits: int = 2, signed: bool = False) -> str:
    """The confidence interval of an ``Estimate`` (or nothing for ``None``)."""
    if estimate is None:
        return formatting.MISSING
    return formatting.format_interval(
        estimate.ci_low,
        estimate.ci_high,
        language=context["language"],
        digits=digits,
        signed=signed,
    )


@pass_context
def _percent(context: Context, share: float | None) -> str:
    return formatting.format_percent(share, language=context["language"])


@pass_context
def _date(context: Context, moment: Any) -> str:
    return formatting.format_date(moment, language=context["language"])


@pass_context
def _heat(context: Context, value: float | None, unsupported: object = False) -> str:
    """Inline style of a heat-table cell: a sequential blue, darker for higher means, and an
    ink that reaches a contrast of 4.5:1 on it; for a figure the statistics do not support
    (``unsupported``), the paled blue with the dark ink."""
    if value is None:
        return f"background-color: #FFFFFF; color: {_INK}"
    scale = context["view"].response_range
    share = min(max((value - scale.low) / (scale.high - scale.low), 0.0), 1.0)
    step = min(int(share * len(_HEAT)), len(_HEAT) - 1)
    if unsupported:
        return f"background-color: {_HEAT_PALE[step]}; color: {_INK}"
    ink = _INK_ON_DARK if share >= 6 / len(_HEAT) else _INK
    return f"background-color: {_HEAT[step]}; color: {ink}"


def _stacked_gradient(shares: Sequence[float], colours: Sequence[str]) -> Markup:
    """A CSS background drawing shares as adjacent blocks of colour: one stacked bar.

    One element with hard colour stops instead of an element per segment: the PDF gets one
    vector shading per bar, and the layout has a tenth of the boxes to place.
    """
    stops = []
    start = 0.0
    for share, colour in zip(shares, colours, strict=True):
        end = start + 100 * share
        # Two stops of one colour make a block (WeasyPrint reads no double-position stops);
        # an empty block would still leave a hairline of its colour.
        if share > 0:
            stops.append(f"{colour} {start:.2f}%, {colour} {end:.2f}%")
        start = end
    return Markup(f"linear-gradient(to right, {', '.join(stops)})")


def _css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string, safe inside a ``<style>`` element."""
    escaped = "".join(c if c.isalnum() or c in " .,:;()-'" else f"\\{ord(c):x} " for c in text)
    return Markup(f'"{escaped}"')
