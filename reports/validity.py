"""The instrument validity report: its view, built from a ``ValidityAssessment``, and its rendering.

The view holds plain values only, in the report's language (scale names from the instrument,
words from :mod:`reports.i18n`); numbers stay unrounded for the template's filters. Rendering
uses the reports' one Jinja environment and the packaged-files fetcher of :mod:`reports.render`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from weasyprint import HTML

from analysis.invariance_scales import INVARIANCE_MIN_GROUP_N
from analysis.reliability import MIN_ALPHA_N
from analysis.validity import ValidityAssessment, ValidityConventions
from instrument.model import Instrument
from reports import _frames
from reports.fetcher import STATIC_SCHEME, PackagedFilesFetcher
from reports.formatting import format_number
from reports.i18n import texts_for
from reports.render import PDF_VARIANT, environment
from reports.views import Estimate

EFA_MIN_PER_ITEM = 5
"""Respondents per item below which the validity report calls its exploratory factor analysis
a first look: the floor of the usual rules of thumb (5 to 10 respondents per item); on fewer,
the factors found move from sample to sample."""


@dataclass(frozen=True, slots=True)
class ScreeningRow:
    rule: str
    action: str
    threshold: float
    flagged: int
    excluded_by: int


@dataclass(frozen=True, slots=True)
class ReliabilityRow:
    scale_id: str
    name: str
    k: int
    n: int | None
    alpha: Estimate | None
    omega: float | None
    weakest_item: str | None
    weakest_r_drop: float | None
    reason: str | None
    small_sample: bool = False
    """Alpha rests on fewer than ``ValidityReportView.min_alpha_n`` respondents."""

    @property
    def negative(self) -> bool:
        return self.alpha is not None and self.alpha.value < 0


@dataclass(frozen=True, slots=True)
class FactorRow:
    """Where a scale's items load in the EFA; ``merged_with`` names the other scales."""

    scale_id: str
    name: str
    main_factor: str
    share_on_main: float
    n_factors: int
    merged_with: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FitRow:
    """One CFA model; ``rmsea`` carries its 90 % interval. No figure when ``reason`` is set."""

    label: str
    block: bool
    n: int | None
    chi2: float | None
    df: int | None
    cfi: float | None
    tli: float | None
    rmsea: Estimate | None
    srmr: float | None
    reason: str | None
    heywood: str | None = None
    """The variances estimated below zero, in words (a Heywood case), or None."""


@dataclass(frozen=True, slots=True)
class AgreementRow:
    scale_id: str
    name: str
    n_teams: int | None
    icc1: float | None
    icc2: float | None
    rwg_j_median: float | None


@dataclass(frozen=True, slots=True)
class InvarianceRow:
    """A scale's invariance verdict in words, or why it was not tested."""

    scale_id: str
    name: str
    n: int | None
    n_groups: int | None
    verdict: str
    comparable: bool


@dataclass(frozen=True, slots=True)
class ScaleVerdict:
    """Whether a scale holds together, and the reasons (in words) when it does not."""

    scale_id: str
    name: str
    holds: bool
    concerns: tuple[str, ...]
    judged: bool = True
    """False when the sample is too small to judge the scale (then ``holds`` is False)."""


@dataclass(frozen=True, slots=True)
class ValidityReportView:
    """Everything the validity report prints, in one language."""

    language: str
    generated_at: datetime
    instrument_ref: str
    instrument_title: str
    source: str
    n_respondents: int
    n_excluded: int
    n_analysed: int
    verdicts: tuple[ScaleVerdict, ...]
    screening: tuple[ScreeningRow, ...]
    reliability: tuple[ReliabilityRow, ...]
    n_items: int
    n_scales: int
    n_factors: int | None
    kmo: float | None
    bartlett_p: float | None
    structure_reason: str | None
    efa_smoothed: bool
    """The pairwise correlations were smoothed before the EFA: its KMO is not given."""
    factors: tuple[FactorRow, ...]
    fits: tuple[FitRow, ...]
    agreement: tuple[AgreementRow, ...]
    agreement_reason: str | None
    group_label: str | None
    invariance: tuple[InvarianceRow, ...]
    conventions: ValidityConventions
    efa_min_per_item: int = EFA_MIN_PER_ITEM
    min_alpha_n: int = MIN_ALPHA_N
    """The fewest respondents alpha is read on (``analysis.reliability.MIN_ALPHA_N``)."""
    invariance_min_group_n: int = INVARIANCE_MIN_GROUP_N
    invariance_large_groups: int = 0
    """The groups of at least ``invariance_min_group_n`` respondents, which alone are tested."""
    invariance_groups: str = ""
    """Every group with its size, largest first, in words (``name: size, ...``)."""
    invariance_group_count: int = 0
    snapshot: str | None = None
    """The fingerprint of the closed campaign's snapshot, when the data is a campaign's."""

    @property
    def efa_few_respondents(self) -> bool:
        """Fewer respondents per item than the EFA needs to be read as more than a first look."""
        return self.n_factors is not None and self.n_analysed < EFA_MIN_PER_ITEM * self.n_items


def build_validity_view(
    assessment: ValidityAssessment,
    *,
    instrument: Instrument,
    language: str,
    generated_at: datetime,
    source: str,
    group_label: str | None = None,
) -> ValidityReportView:
    """The validity report's view; ``source`` names the data (a campaign, a file) and
    ``group_label`` the grouping invariance was tested across, in ``language``."""
    t = texts_for(language)
    names = {scale.id: scale.name[language] for scale in instrument.scales}
    structure = assessment.structure
    return ValidityReportView(
        language=language,
        generated_at=generated_at,
        instrument_ref=assessment.instrument_ref,
        instrument_title=instrument.title[language],
        source=source,
        n_respondents=assessment.n_respondents,
        n_excluded=assessment.n_excluded,
        n_analysed=assessment.n_analysed,
        verdicts=_verdicts(assessment.summary, names, t),
        screening=_screening(assessment.screening.summary, t),
        reliability=_reliability(assessment.reliability, names, t),
        n_items=structure.n_items,
        n_scales=structure.n_scales,
        n_factors=structure.n_factors,
        kmo=_number(structure.kmo),
        bartlett_p=_number(structure.bartlett_p),
        structure_reason=structure.reason,
        efa_smoothed=structure.smoothed,
        factors=_factors(structure.scales, names),
        fits=_fits(assessment.cfa, t, language=language),
        agreement=_agreement(assessment.agreement, names),
        agreement_reason=assessment.agreement_reason,
        group_label=group_label,
        invariance=_invariance(assessment.invariance, names, t),
        conventions=assessment.conventions,
        min_alpha_n=assessment.min_alpha_n,
        invariance_min_group_n=assessment.invariance_min_group_n,
        invariance_large_groups=assessment.invariance_large_groups,
        invariance_groups=", ".join(
            f"{name} {size}" for name, size in assessment.invariance_groups
        ),
        invariance_group_count=len(assessment.invariance_groups),
    )


def _rows(frame: pd.DataFrame) -> list[_frames.Record]:
    return list(frame.to_dict("records"))


def _number(value: float) -> float | None:
    return None if math.isnan(value) else value


def _verdicts(
    summary: pd.DataFrame, names: Mapping[str, str], t: Mapping[str, str]
) -> tuple[ScaleVerdict, ...]:
    return tuple(
        ScaleVerdict(
            scale_id=str(row["scale"]),
            name=names[str(row["scale"])],
            holds=bool(row["holds"]),
            concerns=tuple(t[f"validity_concern.{code}"] for code in row["concerns"]),
            judged=bool(row["judged"]),
        )
        for row in _rows(summary)
    )


def _screening(summary: pd.DataFrame, t: Mapping[str, str]) -> tuple[ScreeningRow, ...]:
    return tuple(
        ScreeningRow(
            rule=t[f"validity_rule.{row['rule']}"],
            action=t[f"validity_action.{row['action']}"],
            threshold=float(row["threshold"]),
            flagged=int(row["flagged"]),
            excluded_by=int(row["excluded_by"]),
        )
        for row in _rows(summary)
    )


def _reliability(
    frame: pd.DataFrame, names: Mapping[str, str], t: Mapping[str, str]
) -> tuple[ReliabilityRow, ...]:
    rows = []
    for row in _rows(frame):
        alpha = _frames.number(row, "alpha")
        rows.append(
            ReliabilityRow(
                scale_id=str(row["scale"]),
                name=names[str(row["scale"])],
                k=int(row["k"]),
                n=_frames.count(row, "n"),
                alpha=None
                if alpha is None
                else Estimate(
                    alpha, _frames.number(row, "alpha_ci_low"), _frames.number(row, "alpha_ci_high")
                ),
                omega=_frames.number(row, "omega"),
                weakest_item=None if row["weakest_item"] is None else str(row["weakest_item"]),
                weakest_r_drop=_frames.number(row, "weakest_r_drop"),
                # No alpha without an error: too few answers, or items without variance.
                reason=t["validity_no_alpha"] if row["reason"] is None else str(row["reason"]),
                small_sample=bool(row["small_sample"]),
            )
        )
    return tuple(rows)


def _factors(frame: pd.DataFrame, names: Mapping[str, str]) -> tuple[FactorRow, ...]:
    return tuple(
        FactorRow(
            scale_id=str(row["scale"]),
            name=names[str(row["scale"])],
            main_factor=str(row["main_factor"]),
            share_on_main=float(row["share_on_main"]),
            n_factors=int(row["n_factors"]),
            merged_with=tuple(str(other) for other in row["merged_with"]),
        )
        for row in _rows(frame)
    )


def _fits(frame: pd.DataFrame, t: Mapping[str, str], *, language: str) -> tuple[FitRow, ...]:
    rows = []
    for row in _rows(frame):
        block = row["kind"] == "block"
        label = f"{row['model']} ({t['validity_block']})" if block else str(row["model"])
        failed = row["reason"] is not None
        rmsea = _frames.number(row, "rmsea")
        rows.append(
            FitRow(
                label=label,
                block=block,
                n=None if failed else _frames.count(row, "n"),
                chi2=None if failed else _frames.number(row, "chi2"),
                df=None if failed else _frames.count(row, "df"),
                cfi=None if failed else _frames.number(row, "cfi"),
                tli=None if failed else _frames.number(row, "tli"),
                rmsea=None
                if failed or rmsea is None
                else Estimate(
                    rmsea, _frames.number(row, "rmsea_ci_low"), _frames.number(row, "rmsea_ci_high")
                ),
                srmr=None if failed else _frames.number(row, "srmr"),
                reason=None if row["reason"] is None else str(row["reason"]),
                heywood=None if failed else _heywood(row.get("heywood"), t, language=language),
            )
        )
    return tuple(rows)


def _heywood(cases: object, t: Mapping[str, str], *, language: str) -> str | None:
    """A fit's Heywood cases in words: which variances fell below zero, by how much."""
    if not cases:
        return None
    assert isinstance(cases, tuple)
    named = ", ".join(
        t[f"validity_heywood.{case.kind}"].format(
            name=case.name, value=format_number(case.value, language=language, digits=3)
        )
        for case in cases
    )
    return t["validity_heywood"].format(cases=named)


def _agreement(frame: pd.DataFrame, names: Mapping[str, str]) -> tuple[AgreementRow, ...]:
    return tuple(
        AgreementRow(
            scale_id=str(row["scale"]),
            name=names[str(row["scale"])],
            n_teams=_frames.count(row, "n_teams"),
            icc1=_frames.number(row, "icc1"),
            icc2=_frames.number(row, "icc2"),
            rwg_j_median=_frames.number(row, "rwg_j_median"),
        )
        for row in _rows(frame)
    )


def _invariance(
    frame: pd.DataFrame | None, names: Mapping[str, str], t: Mapping[str, str]
) -> tuple[InvarianceRow, ...]:
    if frame is None:
        return ()
    rows = []
    for row in _rows(frame):
        tested = row["reason"] is None
        verdict = (
            t[f"validity_verdict.{row['verdict']}"]
            if tested
            else t["validity_not_tested"].format(reason=t["validity_invariance_not_fitted"])
        )
        rows.append(
            InvarianceRow(
                scale_id=str(row["scale"]),
                name=names[str(row["scale"])],
                n=_frames.count(row, "n") if tested else None,
                n_groups=_frames.count(row, "n_groups") if tested else None,
                verdict=verdict,
                comparable=tested and bool(row["means_comparable"]),
            )
        )
    return tuple(rows)


def render_validity_html(view: ValidityReportView) -> str:
    """The validity report as HTML (its stylesheet is ``reports-static:report.css``)."""
    return (
        environment()
        .get_template("validity.html")
        .render(
            view=view,
            language=view.language,
            t=texts_for(view.language),
            static=f"{STATIC_SCHEME}:",
        )
    )


def render_validity_pdf(view: ValidityReportView) -> bytes:
    """The validity report as a PDF, laid out with the packaged-files fetcher only."""
    document = HTML(string=render_validity_html(view), url_fetcher=PackagedFilesFetcher())
    pdf: bytes = document.write_pdf(pdf_variant=PDF_VARIANT)
    return pdf
