"""Measurement invariance of every scale of an instrument across groups: one one-factor
multi-group model per scale, on its reverse-keyed items (see ``analysis.invariance``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.cfa import CfaDataError, CfaModelError, check_missing_rule, scale_model
from analysis.invariance import (
    CONVENTIONAL_RULE,
    InvarianceResult,
    InvarianceRule,
    Verdict,
    measurement_invariance,
)
from analysis.scoring import reverse_key
from instrument.model import Instrument


@dataclass(frozen=True, eq=False)
class ScaleInvarianceResult:
    """Measurement invariance of each scale of an instrument, one one-factor model per scale.

    Attributes
    ----------
    by_scale : mapping of str to InvarianceResult
        Scale id to its result, in the order the scales were asked for.
    """

    by_scale: Mapping[str, InvarianceResult]

    @property
    def verdicts(self) -> dict[str, Verdict]:
        """Scale id to the highest level of invariance the scale reaches."""
        return {scale_id: result.verdict for scale_id, result in self.by_scale.items()}

    def to_frame(self) -> pd.DataFrame:
        """One row per scale: verdict, what may be compared, sample and the decisive figures."""
        return pd.DataFrame(
            [
                {
                    "scale": scale_id,
                    "verdict": result.verdict,
                    "means_comparable": result.means_comparable,
                    "relations_comparable": result.relations_comparable,
                    "statement": result.statement,
                    "n": result.n,
                    "n_dropped": result.n_dropped,
                    "n_groups": len(result.groups),
                    "configural_cfi": result.configural.cfi,
                    "configural_rmsea": result.configural.rmsea,
                    "metric_delta_cfi": result.metric.delta_cfi,
                    "metric_delta_rmsea": result.metric.delta_rmsea,
                    "scalar_delta_cfi": result.scalar.delta_cfi,
                    "scalar_delta_rmsea": result.scalar.delta_rmsea,
                }
                for scale_id, result in self.by_scale.items()
            ]
        )


def scale_invariance(
    responses: pd.DataFrame,
    *,
    instrument: Instrument,
    group: str,
    scales: Sequence[str] | None = None,
    rule: InvarianceRule = CONVENTIONAL_RULE,
    missing: str = "fiml",
) -> ScaleInvarianceResult:
    """Test the invariance of each scale across groups, each scale a one-factor model.

    Parameters
    ----------
    responses : DataFrame
        Raw answers, one column per item id, and the ``group`` column. Reverse-keyed items
        are recoded with ``reverse_key`` first, so every loading is expected to be positive.
    instrument : Instrument
        Gives the scales, their items and the reverse-keyed items.
    group : str
        The column naming each respondent's group.
    scales : sequence of str, optional
        Ids of the scales to test, in this order (default: all, in the instrument's order).
    rule : InvarianceRule
        The cut-offs of the verdicts.
    missing : {"fiml", "listwise"}
        How each scale's missing answers are handled (``measurement_invariance``).

    Returns
    -------
    ScaleInvarianceResult

    Notes
    -----
    Each scale is tested on its own (``measurement_invariance`` with the model
    ``{scale: items}``, the first item the marker), on the respondents who have a group and
    answered at least one of that scale's items (FIML, the default) or all of them
    (listwise deletion within the scale); either way a skipped item of one scale does not
    remove its respondent from the others. Reverse keying,
    (min + max) - x, is the same affine recoding in every group: it changes no fit statistic,
    only the sign of the reversed items' loadings. A scale of 3 items has 0 configural degrees
    of freedom: its configural model fits perfectly by construction, and only the metric and
    scalar steps are tested (see ``InvarianceRule`` on ΔRMSEA there). An error names the
    scale it arose in.

    Examples
    --------
    >>> from analysis import simulate_organisation
    >>> from instrument.loader import load_builtin
    >>> instrument = load_builtin("transversal-core@1.0.0")
    >>> organisation = simulate_organisation(instrument=instrument, n_teams=60, seed=3)
    >>> responses = organisation.responses.assign(
    ...     site=lambda frame: frame["team"].map(lambda team: "north" if team <= "team-030"
    ...                                          else "south"))
    >>> result = scale_invariance(responses, instrument=instrument, group="site",
    ...                           scales=["HA", "VA"])
    >>> list(result.to_frame()["scale"])
    ['HA', 'VA']
    """
    model = scale_model(instrument, scales=scales)
    keyed = reverse_key(responses, instrument=instrument)
    results: dict[str, InvarianceResult] = {}
    for scale_id, items in model.items():
        try:
            results[scale_id] = measurement_invariance(
                keyed, {scale_id: items}, group=group, rule=rule, missing=missing
            )
        except (CfaModelError, CfaDataError) as error:
            raise type(error)(f"scale {scale_id!r}: {error}") from error
    return ScaleInvarianceResult(by_scale=results)


INVARIANCE_MIN_GROUP_N = 100
"""The fewest respondents a group needs to enter ``invariance_across_groups``. Below about 100
a group's multi-group CFA is unstable: ΔCFI and ΔRMSEA then refuse invariance by chance as
often as for a real difference (Chen 2007; Meade, Johnson & Braddy 2008 simulated 100 to 400
per group)."""

INVARIANCE_COLUMNS = ("scale", "verdict", "means_comparable", "n", "n_groups")


def invariance_across_groups(
    responses: pd.DataFrame,
    *,
    instrument: Instrument,
    group: str,
    min_group_n: int = INVARIANCE_MIN_GROUP_N,
    rule: InvarianceRule = CONVENTIONAL_RULE,
    missing: str = "fiml",
) -> pd.DataFrame:
    """Whether each scale's means may be compared, tested across the groups large enough.

    Parameters
    ----------
    responses : DataFrame
        Raw answers, one column per item id, and the ``group`` column (missing: no group).
    instrument : Instrument
    group : str
        The column naming each respondent's group (for the reports: the department).
    min_group_n : int
        The fewest respondents a group needs to take part (``INVARIANCE_MIN_GROUP_N``).
    rule : InvarianceRule
    missing : {"fiml", "listwise"}
        How missing answers are handled (``measurement_invariance``).

    Returns
    -------
    DataFrame
        One row per scale assessed, with the columns ``INVARIANCE_COLUMNS``: the verdict of
        ``scale_invariance`` and whether scalar invariance lets its means be compared. No rows
        when fewer than two groups reach ``min_group_n``. A scale whose configural model
        cannot be fitted is left out: it was not assessed, which is not the same as failing.

    Examples
    --------
    >>> from analysis import simulate_organisation
    >>> from instrument.loader import load_builtin
    >>> instrument = load_builtin("transversal-core@1.0.0")
    >>> organisation = simulate_organisation(instrument=instrument, n_teams=6, seed=3)
    >>> invariance_across_groups(organisation.responses.assign(site="one"),
    ...                          instrument=instrument, group="site").empty
    True
    """
    if group not in responses.columns:
        raise ValueError(f"group: {group!r} is not a column of the responses")
    if min_group_n < 2:
        raise ValueError(f"min_group_n: a group needs at least 2 respondents, got {min_group_n}")
    check_missing_rule(missing)
    sizes = responses[group].dropna().value_counts()
    large = sizes.index[sizes >= min_group_n]
    rows: list[dict[str, object]] = []
    if len(large) >= 2:
        tested = responses[responses[group].isin(large)]
        for scale_id in scale_model(instrument):
            try:
                result = scale_invariance(
                    tested,
                    instrument=instrument,
                    group=group,
                    scales=[scale_id],
                    rule=rule,
                    missing=missing,
                ).by_scale[scale_id]
            except (CfaModelError, CfaDataError):
                continue
            if not result.configural.converged:
                continue
            rows.append(
                {
                    "scale": scale_id,
                    "verdict": result.verdict,
                    "means_comparable": result.means_comparable,
                    "n": result.n,
                    "n_groups": len(result.groups),
                }
            )
    return pd.DataFrame(rows, columns=list(INVARIANCE_COLUMNS))
