"""Scale scores from raw answers: reverse keying, scale means and composite means.

``responses`` holds one row per respondent and one float column per item id with the raw
answer (the instrument's ``min``..``max``, not reverse-keyed; NaN for not answered or "does
not apply"). Other columns (``team``) are carried through untouched by ``reverse_key`` and
ignored by ``score_scales``. An item the instrument lists but ``responses`` lacks counts as
unanswered by everyone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from instrument.model import Instrument


def reverse_key(responses: pd.DataFrame, *, instrument: Instrument) -> pd.DataFrame:
    """Reverse the reverse-keyed items, leaving every other column as it is.

    Parameters
    ----------
    responses : DataFrame
        Raw answers, one column per item id.
    instrument : Instrument
        Gives the response scale and which items are reverse-keyed.

    Returns
    -------
    DataFrame
        A copy of ``responses`` where each reverse item ``x`` is replaced by
        ``x' = (min + max) - x``; missing answers stay missing.

    Notes
    -----
    This is psych's ``reverse.code`` rule, (max + min) - x (Revelle, psych manual). Applying
    it twice gives back the raw answers.

    Examples
    --------
    On a 1..7 scale a reverse item answered 2 becomes 6.
    """
    _check_answers(responses, instrument=instrument)
    keyed = responses.copy()
    scale = instrument.response_scale
    columns = [c for c in responses.columns if c in instrument.reverse_item_ids]
    if columns:
        keyed[columns] = (scale.min + scale.max) - responses[columns].astype(np.float64)
    return keyed


def score_scales(responses: pd.DataFrame, *, instrument: Instrument) -> pd.DataFrame:
    r"""Score every scale and composite of the instrument for every respondent.

    Parameters
    ----------
    responses : DataFrame
        Raw answers, one column per item id (see the module docstring).
    instrument : Instrument
        The scoring key.

    Returns
    -------
    DataFrame
        Same index as ``responses``; one float column per scale id (in the instrument's
        order), then one per composite id.

    Notes
    -----
    A scale score is the mean of the answered items after reverse keying,

    .. math:: S_i = \frac{1}{|A_i|} \sum_{j \in A_i} x'_{ij},

    withheld (NaN) when the number answered :math:`|A_i|` is below
    ``instrument.min_items(scale)``. A composite is the mean of its available facet scores,
    withheld when fewer than ``min_facets`` are available. These are the instrument's
    documented rules (CONSTRUCTS.md, "Measurement conventions").
    """
    keyed = reverse_key(responses, instrument=instrument)
    scores: dict[str, pd.Series] = {}
    for scale in instrument.scales:
        block = keyed.reindex(columns=list(scale.items)).astype(np.float64)
        answered = block.notna().sum(axis=1)
        mean = block.mean(axis=1, skipna=True)
        scores[scale.id] = mean.where(answered >= instrument.min_items(scale.id))
    for composite in instrument.composites:
        facets = pd.DataFrame({facet: scores[facet] for facet in composite.facets})
        available = facets.notna().sum(axis=1)
        scores[composite.id] = facets.mean(axis=1, skipna=True).where(
            available >= composite.min_facets
        )
    return pd.DataFrame(scores, index=responses.index, dtype=np.float64)


def _check_answers(responses: pd.DataFrame, *, instrument: Instrument) -> None:
    """Refuse answers that are not numbers or lie outside the response scale."""
    scale = instrument.response_scale
    known = set(instrument.item_ids)
    items = [c for c in responses.columns if c in known]
    for item_id in items:
        if not pd.api.types.is_numeric_dtype(responses[item_id]):
            raise ValueError(
                f"item {item_id}: answers must be numbers, found {responses[item_id].dtype}"
            )
    block = responses[items].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        outside = (block < scale.min) | (block > scale.max)
    if outside.any():
        row, column = (int(i[0]) for i in np.nonzero(outside))
        raise ValueError(
            f"item {items[column]}: answer {block[row, column]:g} lies outside the response"
            f" scale {scale.min}..{scale.max} (respondent {responses.index[row]!r})"
        )
