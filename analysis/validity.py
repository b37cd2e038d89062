"""Does the instrument measure what it intends to, in this sample? The checks of a validity report.

``assess_validity`` screens out careless respondents, then asks of every scale: are its items
reliable together (alpha, omega), do they form one factor of their own (EFA of all items,
CFA of each scale), do team members agree enough to speak of a team score (ICC, rwg(j)),
and does the scale mean the same across groups (measurement invariance). Each check that
cannot be made for a scale is recorded with its reason instead of raising, so one odd scale
does not cost the report of the others.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd

from analysis.aggregation import icc
from analysis.cfa import CfaResult, fit_scales_cfa
from analysis.confidentiality import decide_flat
from analysis.efa import EfaResult, efa
from analysis.factorability import parallel_analysis
from analysis.interrater import scale_agreement
from analysis.invariance import STATEMENTS
from analysis.invariance_scales import INVARIANCE_MIN_GROUP_N, invariance_across_groups
from analysis.quality import ScreeningResult, screen_respondents
from analysis.reliability import MIN_ALPHA_N, SmallSample, reliability
from analysis.scoring import reverse_key, score_scales
from instrument.model import Instrument

T = TypeVar("T")

CONCERNS = (
    "no_reliability", "negative_alpha", "low_alpha", "no_cfa", "heywood", "poor_fit", "split",
    "merged",
)  # fmt: skip
"""Why a scale may not hold together, in the order the report lists them. ``negative_alpha``
stands in for ``low_alpha`` when alpha is below 0: its items are on average negatively
related (they do not measure one thing, or a reversed item is keyed the wrong way).
``heywood``: the one-factor model's fit has a variance estimated below zero (a Heywood case,
named in the CFA table's ``heywood`` column): an improper solution, whose fit figures are not
to be read as a good fit."""

_FAILURES = (ValueError, ArithmeticError, np.linalg.LinAlgError)
"""What a check of one scale may raise on awkward data; anything else is a bug and propagates."""


@dataclass(frozen=True)
class ValidityConventions:
    """Conventional cut-offs, not laws. A scale holds together when alpha >= ``alpha``, its
    one-factor CFA converged with CFI >= ``cfi`` and SRMR <= ``srmr`` (Hu & Bentler's
    combination rule), and in the EFA its items share a factor no other scale's items lead.
    TLI and RMSEA are reported against their conventions but do not enter the verdict: on
    the few degrees of freedom of a 4- to 6-item scale RMSEA is erratic (Kenny, Kaniskan &
    McCoach 2015). ``alpha_good`` is the second, stricter reliability convention."""

    alpha: float = 0.70
    alpha_good: float = 0.80
    cfi: float = 0.95
    tli: float = 0.95
    rmsea: float = 0.06
    srmr: float = 0.08


@dataclass(frozen=True)
class StructureAssessment:
    """The EFA of all items. ``n_factors`` is parallel analysis' count (None when the EFA could
    not be run, ``reason`` then says why); ``items``: item, scale, factor (highest absolute
    loading), loading; ``scales``: scale, main_factor, share_on_main (items whose highest
    loading is on it), n_factors (distinct factors its items lead), shared (all on one),
    merged_with (other scales whose main factor is the same). ``smoothed``: the items'
    pairwise correlation matrix was not positive definite and was smoothed first, as
    psych::cor.smooth does (say so wherever the EFA is reported)."""

    n_items: int
    n_scales: int
    n_factors: int | None
    kmo: float
    bartlett_chi2: float
    bartlett_df: int
    bartlett_p: float
    items: pd.DataFrame
    scales: pd.DataFrame
    reason: str | None
    smoothed: bool = False


@dataclass(frozen=True)
class ValidityAssessment:
    """Everything ``assess_validity`` found. Frames, one row per scale unless said:

    - ``reliability``: scale, k, n, alpha, alpha_ci_low, alpha_ci_high, omega, weakest_item,
      weakest_r_drop, small_sample (alpha rests on fewer than ``min_alpha_n`` respondents),
      reason;
    - ``cfa``: one row per model (kind "scale", or "block" for the team-level scales of a
      module fitted together): model, kind, scales, k, n, n_dropped, chi2, df, pvalue, cfi,
      tli, rmsea, rmsea_ci_low, rmsea_ci_high, srmr, converged, heywood (the variances
      estimated below zero, ``analysis.cfa.NegativeVariance``; empty for a proper solution),
      reason. Missing answers are handled by full-information ML (``fit_scales_cfa``'s
      default): every respondent who answered an item of the model counts;
    - ``agreement``: scale, n, n_teams, icc1, icc2, rwg_j_median, rwg_j_teams (empty with
      ``agreement_reason`` when there is no team column);
    - ``invariance`` (None without ``group``): scale, verdict, means_comparable,
      relations_comparable, n, n_groups, statement, reason. Only the groups of at least
      ``invariance_min_group_n`` respondents take part (``invariance_across_groups``, the
      rule of the team reports); ``invariance_groups`` gives every group's size, largest
      first, and with fewer than two groups that large no scale is assessed and each row's
      reason says so;
    - ``summary``: scale, judged, holds, concerns (codes of ``CONCERNS``). ``judged`` is
      False when the scale's alpha rests on fewer than ``min_alpha_n`` respondents: too few
      to say whether it holds together, so ``holds`` is False too, whatever ``concerns``.
    """

    instrument_ref: str
    n_respondents: int
    n_excluded: int
    screening: ScreeningResult
    reliability: pd.DataFrame
    structure: StructureAssessment
    cfa: pd.DataFrame
    agreement: pd.DataFrame
    agreement_reason: str | None
    group: str | None
    invariance: pd.DataFrame | None
    summary: pd.DataFrame
    conventions: ValidityConventions
    min_alpha_n: int = MIN_ALPHA_N
    invariance_min_group_n: int = INVARIANCE_MIN_GROUP_N
    invariance_groups: tuple[tuple[str, int], ...] = ()

    @property
    def n_analysed(self) -> int:
        return self.n_respondents - self.n_excluded

    @property
    def invariance_large_groups(self) -> int:
        """The groups large enough to enter the invariance tests."""
        return sum(size >= self.invariance_min_group_n for _, size in self.invariance_groups)


def assess_validity(
    responses: pd.DataFrame,
    *,
    instrument: Instrument,
    group: str | None = None,
    teams: str = "team",
    conventions: ValidityConventions = ValidityConventions(),
    parallel_iterations: int = 20,
    seed: int = 0,
    min_group_size: int = 5,
) -> ValidityAssessment:
    """Screen the respondents, then assess reliability, structure, agreement and invariance.

    Parameters
    ----------
    responses : DataFrame
        Raw answers, one column per item id (NaN: missing), and optionally the ``teams`` and
        ``group`` columns. Never modified.
    instrument : Instrument
    group : str, optional
        A column naming each respondent's group (missing: no group); measurement invariance
        is tested across the groups of at least ``INVARIANCE_MIN_GROUP_N`` respondents, as
        the team reports judge it (``invariance_across_groups``).
    teams : str
        The column naming each respondent's team; without it agreement is not assessed.
        Respondents without a team (missing) count everywhere but in agreement.
    conventions : ValidityConventions
    parallel_iterations : int
        Random data sets of the parallel analysis (psych's ``n.iter``).
    seed : int
        Seed of the parallel analysis.
    min_group_size : int
        The campaign's minimum group size: agreement pools the teams that may be shown only
        (``analysis.confidentiality.Decision.team_scores``), as the campaign's ICCs do.

    Returns
    -------
    ValidityAssessment

    Notes
    -----
    Respondents that ``screen_respondents`` excludes under its default policy are left out of
    every later check. Each scale's CFA is fitted on its own, a one-factor model of its items:
    a CFA uses complete rows only, and one model of all the items would keep only those who
    answered every one of them (a few per cent with 60 items and a few skipped answers each),
    while a scale's model keeps everyone who answered that scale. The team-level scales of a
    module are also fitted together when enough complete rows remain, which tests that they
    are distinct. Reliability uses pairwise covariances (see ``reliability``).

    References
    ----------
    Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in covariance structure
    analysis. Structural Equation Modeling, 6, 1-55. Nunnally, J. C. (1978). Psychometric
    theory (2nd ed.). Horn, J. L. (1965). A rationale and test for the number of factors in
    factor analysis. Psychometrika, 30, 179-185.
    """
    screening = screen_respondents(responses, instrument=instrument)
    kept = responses.loc[~screening.respondents["excluded"].to_numpy(dtype=bool)]
    rel = _reliability(kept, instrument=instrument)
    structure = _structure(kept, instrument, iterations=parallel_iterations, seed=seed)
    cfa = _cfa(kept, instrument=instrument)
    agreement, agreement_reason = _agreement(
        kept, instrument=instrument, teams=teams, min_group_size=min_group_size
    )
    invariance, groups = (None, ()) if group is None else _invariance(kept, instrument, group)
    return ValidityAssessment(
        instrument_ref=instrument.ref,
        n_respondents=screening.n_respondents,
        n_excluded=screening.n_excluded,
        screening=screening,
        reliability=rel,
        structure=structure,
        cfa=cfa,
        agreement=agreement,
        agreement_reason=agreement_reason,
        group=group,
        invariance=invariance,
        summary=_summary(instrument, rel, structure, cfa, conventions),
        conventions=conventions,
        invariance_groups=groups,
    )


def _attempt(check: Callable[[], T]) -> tuple[T | None, str | None]:
    """The check's result, or None and the reason it could not be made."""
    try:
        return check(), None
    except _FAILURES as error:
        return None, str(error) or type(error).__name__


def _reliability(kept: pd.DataFrame, *, instrument: Instrument) -> pd.DataFrame:
    keyed = reverse_key(kept, instrument=instrument)
    rows = []
    for scale in instrument.scales:
        items = keyed.reindex(columns=list(scale.items)).astype(np.float64)
        # A small sample is carried by the result's flag, and said by the report.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallSample)
            result, reason = _attempt(lambda items=items: reliability(items))  # type: ignore[misc]
        # Under MIN_ALPHA_N respondents in all, alpha is not read even where none is computed.
        few = len(kept) < MIN_ALPHA_N
        row: dict[str, object] = {
            "scale": scale.id, "k": len(scale.items), "small_sample": few, "reason": reason,
        }  # fmt: skip
        if result is not None:
            row |= {
                "small_sample": few or result.small_sample,
                "n": result.n,
                "alpha": result.alpha,
                "alpha_ci_low": result.ci_low,
                "alpha_ci_high": result.ci_high,
                "omega": result.omega,
            }
            # Too few answers give no item-rest correlation at all: no weakest item then.
            if result.items["r_drop"].notna().any():
                weakest = result.items.loc[result.items["r_drop"].idxmin()]
                row |= {
                    "weakest_item": str(weakest["item"]),
                    "weakest_r_drop": float(weakest["r_drop"]),
                }
        rows.append(row)
    return pd.DataFrame(rows, columns=list(RELIABILITY_COLUMNS))


RELIABILITY_COLUMNS = (
    "scale",
    "k",
    "n",
    "alpha",
    "alpha_ci_low",
    "alpha_ci_high",
    "omega",
    "weakest_item",
    "weakest_r_drop",
    "small_sample",
    "reason",
)


def _structure(
    kept: pd.DataFrame, instrument: Instrument, *, iterations: int, seed: int
) -> StructureAssessment:
    items = reverse_key(kept, instrument=instrument).reindex(columns=list(instrument.item_ids))
    items = items.astype(np.float64)
    owner = {item: scale.id for scale in instrument.scales for item in scale.items}

    def fit() -> tuple[int, EfaResult]:
        parallel = parallel_analysis(items, iterations=iterations, seed=seed)
        if parallel.n_factors < 1:
            raise ValueError("parallel analysis retains no factor")
        return parallel.n_factors, efa(items, n_factors=parallel.n_factors)

    result, reason = _attempt(fit)
    empty = StructureAssessment(
        len(owner), len(instrument.scales), None, np.nan, np.nan, 0, np.nan,
        pd.DataFrame(columns=["item", "scale", "factor", "loading"]),
        pd.DataFrame(columns=list(_STRUCTURE_COLUMNS)), reason,
    )  # fmt: skip
    if result is None:
        return empty
    n_factors, full = result
    loadings = full.loadings
    leading = loadings.abs().idxmax(axis=1)
    by_item = pd.DataFrame(
        {
            "item": loadings.index.to_numpy(),
            "scale": [owner[item] for item in loadings.index],
            "factor": leading.to_numpy(),
            "loading": [loadings.at[item, leading[item]] for item in loadings.index],
        }
    )
    return StructureAssessment(
        n_items=len(owner),
        n_scales=len(instrument.scales),
        n_factors=n_factors,
        kmo=full.kmo.overall,
        bartlett_chi2=full.bartlett.chi2,
        bartlett_df=full.bartlett.df,
        bartlett_p=full.bartlett.p,
        items=by_item,
        scales=_scale_factors(by_item, instrument),
        reason=None,
        smoothed=full.smoothed,
    )


_STRUCTURE_COLUMNS = ("scale", "main_factor", "share_on_main", "n_factors", "shared", "merged_with")


def _scale_factors(by_item: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    main: dict[str, str] = {}
    rows = []
    for scale in instrument.scales:
        factors = by_item.loc[by_item["scale"] == scale.id, "factor"]
        main[scale.id] = str(factors.mode().sort_values().iloc[0])
        rows.append(
            {
                "scale": scale.id,
                "main_factor": main[scale.id],
                "share_on_main": float((factors == main[scale.id]).mean()),
                "n_factors": int(factors.nunique()),
                "shared": bool(factors.nunique() == 1),
            }
        )
    for row in rows:
        row["merged_with"] = tuple(
            other for other, factor in main.items() if other != row["scale"]
            and factor == row["main_factor"]
        )  # fmt: skip
    return pd.DataFrame(rows, columns=list(_STRUCTURE_COLUMNS))


CFA_COLUMNS = (
    "model", "kind", "scales", "k", "n", "n_dropped", "chi2", "df", "pvalue", "cfi", "tli",
    "rmsea", "rmsea_ci_low", "rmsea_ci_high", "srmr", "converged", "heywood", "reason",
)  # fmt: skip


def _cfa(kept: pd.DataFrame, *, instrument: Instrument) -> pd.DataFrame:
    models: list[tuple[str, str, tuple[str, ...]]] = [
        (scale.id, "scale", (scale.id,)) for scale in instrument.scales
    ]
    for module in instrument.modules:
        block = tuple(s.id for s in instrument.scales_in(module) if s.level == "team")
        if len(block) >= 2:
            models.append(("+".join(block), "block", block))
    rows = []
    for name, kind, scales in models:
        k = sum(len(instrument.scale(scale_id).items) for scale_id in scales)
        result, reason = _attempt(
            lambda scales=scales: fit_scales_cfa(kept, instrument=instrument, scales=scales)  # type: ignore[misc]
        )
        row: dict[str, object] = {"model": name, "kind": kind, "scales": scales, "k": k}
        if result is not None:
            row |= _fit_row(result)
            if not result.converged:
                reason = "the estimation did not converge"
        rows.append(row | {"reason": reason})
    return pd.DataFrame(rows, columns=list(CFA_COLUMNS))


def _fit_row(result: CfaResult) -> dict[str, object]:
    names = ("n", "n_dropped", "chi2", "df", "pvalue", "cfi", "tli", "rmsea")
    return {name: getattr(result, name) for name in names} | {
        "rmsea_ci_low": result.rmsea_ci_low,
        "rmsea_ci_high": result.rmsea_ci_high,
        "srmr": result.srmr,
        "converged": result.converged,
        "heywood": result.heywood,
    }


def _agreement(
    kept: pd.DataFrame, *, instrument: Instrument, teams: str, min_group_size: int
) -> tuple[pd.DataFrame, str | None]:
    columns = ["scale", "n", "n_teams", "icc1", "icc2", "rwg_j_median", "rwg_j_teams"]
    if teams not in kept.columns:
        return pd.DataFrame(columns=columns), f"no {teams!r} column: agreement needs teams"
    # Rows without a team (an export's rows pooled from several small teams) mix teams.
    kept = kept[kept[teams].notna()]
    if kept.empty:
        return pd.DataFrame(columns=columns), f"no respondent has a {teams!r}"
    team_of = kept[teams].astype(str)
    scores = score_scales(kept, instrument=instrument)[list(instrument.scale_ids)]
    # The teams that may be shown only: an F ratio over hidden teams, beside the campaign's
    # published means, would narrow down a hidden team's mean (docs/confidentiality.md).
    decision = decide_flat(scores, teams=team_of, min_group_size=min_group_size)
    shown = decision.shown_cells()
    iccs = icc(decision.team_scores(scores), teams=team_of)
    rwg = scale_agreement(kept, teams=team_of, instrument=instrument).dropna(subset=["rwg_j"])
    cells = shown.stack()
    rwg = rwg[
        cells.reindex(pd.MultiIndex.from_frame(rwg[["team", "scale"]]), fill_value=False).to_numpy(
            dtype=bool
        )
    ]
    per_scale = rwg.groupby("scale")["rwg_j"].agg(["median", "count"])
    frame = iccs[["scale", "n", "n_teams", "icc1", "icc2"]].assign(
        rwg_j_median=iccs["scale"].map(per_scale["median"]).astype(np.float64),
        rwg_j_teams=iccs["scale"].map(per_scale["count"]).fillna(0).astype(np.int64),
    )
    return frame[columns].reset_index(drop=True), None


INVARIANCE_COLUMNS = (
    "scale", "verdict", "means_comparable", "relations_comparable", "n", "n_groups",
    "statement", "reason",
)  # fmt: skip


def _invariance(
    kept: pd.DataFrame, instrument: Instrument, group: str
) -> tuple[pd.DataFrame, tuple[tuple[str, int], ...]]:
    """Each scale's verdict across the groups of at least ``INVARIANCE_MIN_GROUP_N``
    respondents, chosen as the team reports choose them; and every group's size."""
    if group not in kept.columns:
        raise ValueError(f"group {group!r} is not a column of the responses")
    sizes = kept[group].dropna().astype(str).value_counts()
    groups = tuple((str(name), int(size)) for name, size in sizes.items())
    large = int((sizes >= INVARIANCE_MIN_GROUP_N).sum())
    tested, failure = _attempt(
        lambda: invariance_across_groups(
            kept, instrument=instrument, group=group, min_group_n=INVARIANCE_MIN_GROUP_N
        )
    )
    found = {} if tested is None else {str(r["scale"]): r for r in tested.to_dict("records")}
    if large < 2:
        reason = (
            f"{large} of {len(sizes)} groups have at least {INVARIANCE_MIN_GROUP_N}"
            " respondents; invariance needs two"
        )
    else:
        reason = failure or (
            "its one-factor model could not be fitted, or did not converge, in every group"
        )
    rows = []
    for scale_id in instrument.scale_ids:
        row: dict[str, object] = {"scale": scale_id, "statement": None, "reason": reason}
        if scale_id in found:
            result = found[scale_id]
            verdict = result["verdict"]
            row |= {
                "verdict": verdict,
                "means_comparable": bool(result["means_comparable"]),
                "relations_comparable": verdict in ("metric", "scalar"),
                "n": int(result["n"]),
                "n_groups": int(result["n_groups"]),
                "statement": STATEMENTS[verdict],
                "reason": None,
            }
        rows.append(row)
    return pd.DataFrame(rows, columns=list(INVARIANCE_COLUMNS)), groups


def _summary(
    instrument: Instrument,
    rel: pd.DataFrame,
    structure: StructureAssessment,
    cfa: pd.DataFrame,
    conventions: ValidityConventions,
) -> pd.DataFrame:
    alphas = rel.set_index("scale")["alpha"]
    small = rel.set_index("scale")["small_sample"]
    fits = dict(cfa[cfa["kind"] == "scale"].set_index("model").iterrows())
    factors = structure.scales.set_index("scale")
    rows = []
    for scale_id in instrument.scale_ids:
        alpha, fit = alphas.get(scale_id), fits[scale_id]
        concerns = {
            "no_reliability": pd.isna(alpha),
            "negative_alpha": not pd.isna(alpha) and alpha < 0,
            "low_alpha": not pd.isna(alpha) and 0 <= alpha < conventions.alpha,
            "no_cfa": fit["reason"] is not None,
            "heywood": fit["reason"] is None and bool(fit["heywood"]),
            "poor_fit": fit["reason"] is None and _poor_fit(fit, conventions),
            "split": scale_id in factors.index and not factors.at[scale_id, "shared"],
            "merged": scale_id in factors.index and bool(factors.at[scale_id, "merged_with"]),
        }
        found = tuple(code for code in CONCERNS if concerns[code])
        judged = not bool(small.get(scale_id, False))
        rows.append(
            {"scale": scale_id, "judged": judged, "holds": judged and not found, "concerns": found}
        )
    return pd.DataFrame(rows, columns=["scale", "judged", "holds", "concerns"])


def _poor_fit(fit: pd.Series, conventions: ValidityConventions) -> bool:
    # A 3-item scale has 0 degrees of freedom: it fits perfectly by construction.
    if fit["df"] == 0:
        return False
    return bool(fit["cfi"] < conventions.cfi or fit["srmr"] > conventions.srmr)
