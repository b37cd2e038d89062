r"""Careless responding: indices per respondent and an explicit, reported exclusion policy.

Four indices, each computed for every respondent (Curran 2016; Meade & Craig 2012):

- **longstring**: the longest run of identical answers in form order (the instrument's item
  order), skipping missing answers, also as a share of the items answered;
- **irv**, intra-individual response variability: the standard deviation of the respondent's
  raw answers across all items (Dunn, Heggestad, Shanock & Theilgard 2018);
- **mahalanobis**: the squared Mahalanobis distance of the answer vector from the sample
  mean, with its exact finite-sample p (a scaled Beta, not the chi-square, which assumes a
  known covariance and flags far too many people in a small campaign);
- **reverse_disagreement**: per scale with both reverse-keyed and forward items, how far the
  respondent's mean on the reverse items, keyed, lies from the mean on the forward items;
  averaged over those scales.

``screen_respondents`` turns them into flags under an ``ExclusionPolicy`` that states every
threshold and which flags exclude and which only warn, and reports how many respondents each
rule caught, so that a report can say what was done.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import _adapters
from analysis._adapters import FloatArray
from analysis._pairwise import pairwise_covariance
from analysis.scoring import reverse_key
from instrument.model import Instrument

RULES = ("longstring", "irv", "mahalanobis", "reverse_disagreement")
INDEX_COLUMNS = (
    "answered",
    "longstring",
    "longstring_share",
    "irv",
    "mahalanobis",
    "mahalanobis_df",
    "mahalanobis_p",
    "reverse_disagreement",
)
SUMMARY_COLUMNS = ("rule", "index", "flags_when", "threshold", "action", "flagged", "excluded_by")


@dataclass(frozen=True)
class ExclusionPolicy:
    """What flags a respondent as careless, and which flags exclude.

    Attributes
    ----------
    longstring_share : float
        Flag when the longest run of identical answers covers at least this share of the
        items answered. Default 0.8: an attentive respondent's run is broken at the latest by
        a reverse-keyed item or a change of scale.
    irv_floor : float
        Flag when the SD of the raw answers is below this share of the response range
        (max - min). Default 0.1, 0.6 points on a 1..7 scale: next to no variation.
    mahalanobis_p : float
        Flag when the chi-square p of the Mahalanobis distance is below this. Default .001,
        the usual multivariate-outlier criterion (Tabachnick & Fidell 2013).
    reverse_disagreement : float
        Flag when the reverse-keyed disagreement is at least this share of the range.
        Default 0.5: 3 points on 1..7, e.g. agreeing (6) with a statement and with its
        reversal (6, keyed 2), where an attentive respondent's answers agree after keying.
    min_answers : int
        Respondents with fewer answers are flagged by no rule: too little to judge.
    exclude : frozenset of str
        The rules whose flags exclude (from ``RULES``); the other flags only warn. Default
        longstring and Mahalanobis, the two that single out the two ways of answering
        without reading (the same answer throughout; answers at random) with few false
        alarms. Low IRV mostly repeats longstring; reverse disagreement also catches
        acquiescent but attentive respondents, so both only warn.
    """

    longstring_share: float = 0.8
    irv_floor: float = 0.1
    mahalanobis_p: float = 0.001
    reverse_disagreement: float = 0.5
    min_answers: int = 10
    exclude: frozenset[str] = frozenset({"longstring", "mahalanobis"})

    def __post_init__(self) -> None:
        for name in ("longstring_share", "irv_floor", "mahalanobis_p", "reverse_disagreement"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ValueError(f"{name} must lie in (0, 1], is {value}")
        if self.min_answers < 2:
            raise ValueError(f"min_answers must be at least 2, is {self.min_answers}")
        unknown = sorted(set(self.exclude) - set(RULES))
        if unknown:
            raise ValueError(f"exclude names unknown rules {unknown}; the rules are {RULES}")


@dataclass(frozen=True)
class ScreeningResult:
    """The careless-response indices and flags of every respondent, and what they led to.

    Attributes
    ----------
    respondents : DataFrame
        On the index of the responses: the columns ``INDEX_COLUMNS`` (see
        ``careless_indices``), a boolean ``flag_<rule>`` per rule of ``RULES``, and
        ``excluded`` (any flag of a rule in ``policy.exclude``).
    summary : DataFrame
        One row per rule, the columns ``SUMMARY_COLUMNS``: rule, index (the column compared),
        flags_when ('>=' or '<'), threshold (on that index's own scale), action ('exclude' or
        'warn'), flagged (respondents flagged) and excluded_by (excluded respondents this rule
        flagged; one respondent can be caught by several rules).
    policy : ExclusionPolicy
    """

    respondents: pd.DataFrame
    summary: pd.DataFrame
    policy: ExclusionPolicy

    @property
    def n_respondents(self) -> int:
        return len(self.respondents)

    @property
    def n_excluded(self) -> int:
        return int(self.respondents["excluded"].sum())

    def to_frame(self) -> pd.DataFrame:
        """The per-respondent indices and flags (a copy of ``respondents``)."""
        return self.respondents.copy()


def careless_indices(responses: pd.DataFrame, *, instrument: Instrument) -> pd.DataFrame:
    r"""The careless-response indices of every respondent.

    Parameters
    ----------
    responses : DataFrame
        Raw answers, one column per item id; other columns are ignored.
    instrument : Instrument
        Gives the form order, the response scale and the reverse-keyed items.

    Returns
    -------
    DataFrame
        On the index of ``responses``, the columns ``INDEX_COLUMNS``: answered (items
        answered), longstring, longstring_share (longstring / answered), irv, mahalanobis
        (:math:`D^2`), mahalanobis_df, mahalanobis_p, reverse_disagreement. Indices that need
        more answers than a respondent gave are NaN (irv needs 2, the others 1).

    Notes
    -----
    - IRV is the sample SD (divisor :math:`n-1`) of the raw answers, as R careless::irv.
    - :math:`D^2_i = (x_i - \bar x)' S^{+} (x_i - \bar x)`, :math:`S` the pairwise covariance
      matrix of the raw answers and :math:`S^+` its pseudo-inverse over the eigenvalues above
      :math:`10^{-10}` of the largest, :math:`r` the rank kept. As :math:`\bar x` and
      :math:`S` are estimated from the same :math:`n` respondents,
      :math:`n D^2_i / (n-1)^2 \sim \mathrm{Beta}(r/2, (n-r-1)/2)` (Wilks 1963;
      Gnanadesikan & Kettenring 1972), and :math:`p` is its upper tail. The chi-square
      :math:`P(\chi^2_r > D^2_i)` is its large-:math:`n` limit and badly wrong when :math:`n`
      is not far above :math:`r`. Both assume normal answers; with 7-point, clustered,
      partly imputed answers a 60-dimensional covariance from about 100 respondents is too
      noisy for any distance to mean much (simulated: 11 to 31 attentive respondents of 105
      flagged at :math:`p < .001`, none from 2.5 respondents per item up). So :math:`p` is
      NaN, and the rule judges nobody, below three respondents per dimension
      (``MAHALANOBIS_MIN_PER_ITEM``). Missing answers are replaced
      by the item's mean, which puts them at the centre:
      a respondent who skipped items can only look less unusual, never more. Reverse keying
      does not change :math:`D^2`, so raw answers are used.
    - For a scale with reverse items :math:`R` and forward items :math:`F`, on a scale from
      :math:`L` to :math:`H`, the disagreement is
      :math:`|(L + H - \bar x_R) - \bar x_F| = |\bar x_R + \bar x_F - (L + H)|`, with
      :math:`\bar x_R` the mean of the raw (un-reversed) answers to the reverse items: 0 when
      the two kinds of items tell the same story, large when the respondent agrees (or
      disagrees) with statements and their reversals alike.

    References
    ----------
    Curran, P. G. (2016). Methods for the detection of carelessly invalid responses in survey
    data. Journal of Experimental Social Psychology, 66, 4-19. Meade, A. W., & Craig, S. B.
    (2012). Identifying careless responses in survey data. Psychological Methods, 17, 437-455.
    Dunn, A. M., Heggestad, E. D., Shanock, L. R., & Theilgard, N. (2018). Intra-individual
    response variability as an indicator of insufficient effort responding. Journal of
    Business and Psychology, 33, 105-121. Wilks, S. S. (1963). Multivariate statistical
    outliers. Sankhya A, 25, 407-426. Gnanadesikan, R., & Kettenring, J. R. (1972). Robust
    estimates, residuals, and outlier detection with multiresponse data. Biometrics, 28,
    81-124.

    Examples
    --------
    On complete answers longstring and irv are R's ``careless::longstring(x)`` and
    ``careless::irv(x)``, and mahalanobis is ``stats::mahalanobis(x, colMeans(x), cov(x))``.
    A respondent who answers 4 throughout:

    >>> from analysis import simulate_organisation
    >>> from instrument.loader import load_builtin
    >>> instrument = load_builtin("transversal-core@1.0.0")
    >>> responses = simulate_organisation(instrument=instrument, n_teams=20, seed=3).responses
    >>> responses.loc[responses.index[0], list(instrument.item_ids)] = 4.0
    >>> indices = careless_indices(responses, instrument=instrument)
    >>> indices.iloc[0][["answered", "longstring", "irv", "reverse_disagreement"]].tolist()
    [60.0, 60.0, 0.0, 0.0]
    """
    keyed = reverse_key(responses, instrument=instrument)
    items = list(instrument.item_ids)
    raw = responses.reindex(columns=items).to_numpy(dtype=np.float64)
    answered = (~np.isnan(raw)).sum(axis=1)
    longstring = _longest_run(raw)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(answered > 0, longstring / answered, np.nan)
    distance, df = _mahalanobis(raw)
    p = _mahalanobis_p(distance, rank=df, n=len(raw))
    frame = pd.DataFrame(
        {
            "answered": answered.astype(np.int64),
            "longstring": longstring.astype(np.int64),
            "longstring_share": share,
            "irv": responses.reindex(columns=items).astype(np.float64).std(axis=1, ddof=1),
            "mahalanobis": np.where(answered > 0, distance, np.nan),
            "mahalanobis_df": df,
            "mahalanobis_p": np.where(answered > 0, p, np.nan),
            "reverse_disagreement": _reverse_disagreement(keyed, instrument=instrument),
        },
        index=responses.index,
    )
    return frame[list(INDEX_COLUMNS)]


def screen_respondents(
    responses: pd.DataFrame,
    *,
    instrument: Instrument,
    policy: ExclusionPolicy = ExclusionPolicy(),
) -> ScreeningResult:
    """Flag careless respondents and decide, by an explicit policy, whom to exclude.

    Parameters
    ----------
    responses : DataFrame
        Raw answers, one column per item id.
    instrument : Instrument
    policy : ExclusionPolicy
        The thresholds and which flags exclude (see its attributes for the defaults and why).

    Returns
    -------
    ScreeningResult

    Notes
    -----
    A respondent is flagged by a rule when its index crosses the policy's threshold and
    they gave at least ``policy.min_answers`` answers; they are excluded when any rule in
    ``policy.exclude`` flags them. Thresholds given as shares of the response range are
    turned into points (``summary.threshold``). Screening never changes the answers: drop
    the excluded rows before scoring (``responses[~result.respondents["excluded"]]``).

    References
    ----------
    Curran, P. G. (2016). Methods for the detection of carelessly invalid responses in survey
    data. Journal of Experimental Social Psychology, 66, 4-19. Ward, M. K., & Meade, A. W.
    (2023). Dealing with careless responding in survey data. Annual Review of Psychology,
    74, 577-596.

    Examples
    --------
    The flags are those of R's careless package thresholded (see ``careless_indices``). On a
    simulated organisation, 5 % of whose respondents answer carelessly (264 respondents, enough
    for the Mahalanobis rule's three per item):

    >>> from analysis import simulate_organisation
    >>> from instrument.loader import load_builtin
    >>> instrument = load_builtin("transversal-core@1.0.0")
    >>> responses = simulate_organisation(instrument=instrument, n_teams=30, seed=3).responses
    >>> result = screen_respondents(responses, instrument=instrument)
    >>> result.summary[["rule", "action", "threshold", "flagged", "excluded_by"]]
                       rule   action  threshold  flagged  excluded_by
    0            longstring  exclude      0.800        6            6
    1                   irv     warn      0.600        6            6
    2           mahalanobis  exclude      0.001        7            7
    3  reverse_disagreement     warn      3.000        1            1
    >>> result.n_excluded, result.n_respondents
    (13, 264)
    """
    indices = careless_indices(responses, instrument=instrument)
    scale = instrument.response_scale
    span = scale.max - scale.min
    tests = {
        "longstring": ("longstring_share", ">=", policy.longstring_share),
        "irv": ("irv", "<", policy.irv_floor * span),
        "mahalanobis": ("mahalanobis_p", "<", policy.mahalanobis_p),
        "reverse_disagreement": ("reverse_disagreement", ">=", policy.reverse_disagreement * span),
    }
    enough = indices["answered"] >= policy.min_answers
    flags = {}
    for rule, (index, direction, threshold) in tests.items():
        values = indices[index]
        crossed = values >= threshold if direction == ">=" else values < threshold
        flags[rule] = (crossed & enough).to_numpy(dtype=bool)
    excluded = np.zeros(len(indices), dtype=bool)
    for rule in policy.exclude:
        excluded |= flags[rule]
    respondents = indices.assign(**{f"flag_{rule}": flags[rule] for rule in RULES})
    respondents["excluded"] = excluded
    summary = pd.DataFrame(
        [
            {
                "rule": rule,
                "index": index,
                "flags_when": direction,
                "threshold": float(threshold),
                "action": "exclude" if rule in policy.exclude else "warn",
                "flagged": int(flags[rule].sum()),
                "excluded_by": int((flags[rule] & excluded).sum()),
            }
            for rule, (index, direction, threshold) in tests.items()
        ],
        columns=list(SUMMARY_COLUMNS),
    )
    return ScreeningResult(respondents=respondents, summary=summary, policy=policy)


def _longest_run(raw: FloatArray) -> FloatArray:
    """Longest run of equal answers per row, in column order, skipping missing answers."""
    n_items = raw.shape[1]
    answered = ~np.isnan(raw)
    if n_items < 2:
        return np.asarray(answered.sum(axis=1), dtype=np.float64)
    # Move each row's answers to the front, keeping their order, so that a skipped item does
    # not break a run.
    order = np.argsort(~answered, axis=1, kind="stable")
    packed = np.take_along_axis(raw, order, axis=1)
    same = packed[:, 1:] == packed[:, :-1]
    position = np.arange(n_items - 1)
    last_change = np.maximum.accumulate(np.where(same, -1, position), axis=1)
    longest = (position - last_change).max(axis=1) + 1
    return np.where(answered.any(axis=1), longest, 0).astype(np.float64)


def _mahalanobis(raw: FloatArray) -> tuple[FloatArray, int]:
    """Squared distances (missing answers at the item mean) and the rank of the covariance."""
    nothing = np.full(len(raw), np.nan)
    if len(raw) < 2:
        return nothing, 0
    answered = ~np.isnan(raw)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(answered, raw, 0.0).sum(axis=0) / answered.sum(axis=0)
    covariance = pairwise_covariance(raw)
    usable = np.isfinite(covariance).all(axis=0) & (np.diag(covariance) > 0)
    if not usable.any():
        return nothing, 0
    covariance = covariance[np.ix_(usable, usable)]
    centred = np.where(answered, raw, mean)[:, usable] - mean[usable]
    values, vectors = np.linalg.eigh(covariance)
    keep = values > 1e-10 * values.max()
    scores = centred @ vectors[:, keep]
    distance = (scores**2 / values[keep]).sum(axis=1)
    return np.asarray(distance, dtype=np.float64), int(keep.sum())


MAHALANOBIS_MIN_PER_ITEM = 3
"""Respondents needed per dimension of the covariance before distances are judged."""


def _mahalanobis_p(distance: FloatArray, *, rank: int, n: int) -> FloatArray:
    """Upper tail of n D^2 / (n - 1)^2 under Beta(r/2, (n - r - 1)/2); NaN when the sample is
    too small for the covariance to be trusted (fewer than three respondents per dimension)."""
    if rank < 1 or n < MAHALANOBIS_MIN_PER_ITEM * rank:
        return np.full(len(distance), np.nan)
    scaled = n * distance / (n - 1) ** 2
    return _adapters.beta_upper_tail(scaled, rank / 2, (n - rank - 1) / 2)


def _reverse_disagreement(keyed: pd.DataFrame, *, instrument: Instrument) -> pd.Series:
    parts = []
    for scale in instrument.scales:
        reverse = [i for i in scale.items if i in instrument.reverse_item_ids]
        forward = [i for i in scale.items if i not in instrument.reverse_item_ids]
        if reverse and forward:
            block = keyed.reindex(columns=list(scale.items)).astype(np.float64)
            parts.append((block[reverse].mean(axis=1) - block[forward].mean(axis=1)).abs())
    if not parts:
        return pd.Series(np.nan, index=keyed.index, dtype=np.float64)
    return pd.concat(parts, axis=1).mean(axis=1, skipna=True)
