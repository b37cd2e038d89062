"""How a team answered each item: counts per option of the response scale.

The raw material of the report's stacked bars. Counts only, no shares: the report decides
what it may show (``analysis.confidentiality``). An answer outside the response scale or a
'does not apply' (NaN in the wide frame) is not counted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from instrument.model import Instrument

DISTRIBUTION_COLUMNS = ("team", "item", "option", "count")


def item_distributions(
    responses: pd.DataFrame, *, instrument: Instrument, teams: pd.Series
) -> pd.DataFrame:
    """Counts of each option of every item, by team, in the instrument's item order.

    Parameters
    ----------
    responses : DataFrame
        One row per respondent, a column per item id (raw answers, not reverse-keyed).
    instrument : Instrument
    teams : Series
        The team of each respondent, aligned with ``responses``.

    Returns
    -------
    DataFrame
        Long format: team, item, option, count; every option of the response scale appears,
        with 0 where nobody chose it; teams sorted.

    Examples
    --------
    >>> from instrument.loader import load_builtin
    >>> instrument = load_builtin("transversal-core@1.0.0")
    >>> answers = pd.DataFrame({"HA01": [5, 4, 4, np.nan]})
    >>> table = item_distributions(answers, instrument=instrument.model_copy(
    ...     update={"items": instrument.items[:1]}), teams=pd.Series(["a"] * 4))
    >>> table.loc[table["count"] > 0, ["option", "count"]].to_numpy().tolist()
    [[4, 2], [5, 1]]
    """
    scale = instrument.response_scale
    options = np.arange(scale.min, scale.max + 1)
    items = [item for item in instrument.item_ids if item in responses.columns]
    values = responses[items].to_numpy(dtype=np.float64)
    # A respondent without a team (NaN) is left out: code -1.
    codes = pd.Categorical(teams.where(teams.isna(), teams.astype(str)))
    team_codes = codes.codes.astype(np.int64)
    n_teams, n_options = len(codes.categories), len(options)
    counts = np.zeros((n_teams, len(items), n_options), dtype=np.int64)
    for position in range(len(items)):
        answers = values[:, position]
        with np.errstate(invalid="ignore"):
            valid = (answers >= scale.min) & (answers <= scale.max) & (answers == np.floor(answers))
        valid &= team_codes >= 0
        flat = team_codes[valid] * n_options + (answers[valid].astype(np.int64) - scale.min)
        counts[:, position, :] = np.bincount(flat, minlength=n_teams * n_options).reshape(
            n_teams, n_options
        )
    return pd.DataFrame(
        {
            "team": np.repeat(np.asarray(codes.categories, dtype=object), len(items) * n_options),
            "item": np.tile(np.repeat(np.asarray(items, dtype=object), n_options), n_teams),
            "option": np.tile(options, n_teams * len(items)),
            "count": counts.reshape(-1),
        },
        columns=list(DISTRIBUTION_COLUMNS),
    )
