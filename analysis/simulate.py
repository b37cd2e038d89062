r"""A seeded simulator of an organisation answering an instrument, with a known truth.

The measurement model, for scale :math:`s`, team :math:`g`, person :math:`i`, item :math:`j`:

1. Latent scores: :math:`\eta_{is} = \sqrt{\rho_s}\,u_{gs} + \sqrt{1-\rho_s}\,e_{is}` with
   team effects :math:`u_g` and individual parts :math:`e_i` both drawn from
   :math:`N(0, \Phi)`, :math:`\Phi` the factor correlation matrix. So the latent ICC(1) is
   :math:`\rho_s` and the latent scores have unit variance.
2. A continuous response :math:`z_{ij} = \lambda_j\eta_{is} + \sqrt{1-\lambda_j^2}\,\delta_{ij}`,
   loadings drawn uniformly from ``loading_range``. For reverse items the sign of
   :math:`z` is flipped before thresholding, so agreeing with the item means less.
3. The raw answer: ``min`` plus the number of thresholds below :math:`\pm z + \text{leniency}`.
   Thresholds are equally spaced (spacing 4.2/A for A options: on 7 points at
   :math:`\pm0.3, \pm0.9, \pm1.5`); the leniency shift (default 0.45) leans answers towards
   agreeing, as survey answers do (on 7 points the mean answer is about 4.7, a longer tail
   towards disagreeing).
4. Careless respondents (``careless_share``, half straight-lining one random option on
   every item, half answering uniformly at random), then each answer independently skipped
   (``skip_rate``) or "does not apply" (``not_applicable_rate``), both stored as NaN.

Thresholding and measurement error attenuate the ICC: the ICC(1) of observed scale scores
is below :math:`\rho_s`. ``icc1`` therefore sets the *observed* one: :math:`\rho_s` is
calibrated (exactly, by quadrature, ``analysis._population``) so that the population ICC(1)
of attentive people's complete scale scores equals ``icc1``. Careless respondents, missing
answers and unequal team sizes (the ANOVA estimator with k = N/G) lower what ``analysis.icc``
will report; ``truth.expected_icc1`` gives that value for the organisation drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from analysis import _population
from analysis._adapters import FloatArray
from analysis._names import name_units
from instrument.model import Instrument


@dataclass(frozen=True)
class SimulationTruth:
    """What the simulator knows and an analysis should recover.

    Attributes
    ----------
    factor_correlation : DataFrame
        :math:`\\Phi`, scale x scale, the correlation of team effects and of individual parts.
    loadings : Series
        :math:`\\lambda_j` by item id, on the keyed direction (always positive).
    icc1 : Series
        By scale: the population ICC(1) of attentive people's complete scale scores (the
        value set).
    latent_icc1 : Series
        By scale: the latent :math:`\\rho_s` calibrated to give ``icc1``.
    expected_icc1 : Series
        By scale: what ``analysis.icc`` tends to on this organisation (careless people,
        missing answers and these team sizes included).
    team_effects : DataFrame
        Team id x scale: :math:`\\sqrt{\\rho_s} u_{gs}`, the team's part of the latent score.
    population_alpha : Series
        By scale: Cronbach's alpha of the population covariance matrix of the keyed answers,
        careless people included (missing answers do not change it: they are missing
        completely at random and alpha uses pairwise covariances).
    careless : Index
        Respondent ids of the careless respondents.
    """

    factor_correlation: pd.DataFrame
    loadings: pd.Series
    icc1: pd.Series
    latent_icc1: pd.Series
    expected_icc1: pd.Series
    team_effects: pd.DataFrame
    population_alpha: pd.Series
    careless: pd.Index


@dataclass(frozen=True)
class SimulatedOrganisation:
    """Units (organisation, departments, teams), raw responses and the truth behind them."""

    units: pd.DataFrame
    responses: pd.DataFrame
    truth: SimulationTruth


def simulate_organisation(
    *,
    instrument: Instrument,
    n_teams: int = 12,
    seed: int = 0,
    icc1: float | Mapping[str, float] = 0.15,
    mean_team_size: float = 9.0,
    team_sizes: Sequence[int] | None = None,
    small_team_share: float = 0.15,
    careless_share: float = 0.05,
    skip_rate: float = 0.03,
    not_applicable_rate: float = 0.02,
    loading_range: tuple[float, float] = (0.55, 0.85),
    factor_correlation: float | pd.DataFrame = 0.3,
    leniency: float = 0.45,
) -> SimulatedOrganisation:
    """Simulate an organisation answering ``instrument``; the same seed gives the same result.

    Parameters
    ----------
    instrument : Instrument
    n_teams : int
        Number of teams (at least 2), spread over 2-4 departments.
    seed : int
    icc1 : float or mapping of scale id to float
        The observed ICC(1) of each scale (see the module docstring).
    mean_team_size : float
        Mean number of respondents per team. Teams of 5 or more average at least 5.5, so
        means below about 5 are not reached.
    team_sizes : sequence of int, optional
        Respondents per team, overriding the drawn sizes (``n_teams`` is then its length).
    small_team_share : float
        Share of teams with 2-4 respondents; the others have 5 or more, negative binomial.
    careless_share, skip_rate, not_applicable_rate : float
        Share of careless respondents; probability of each answer being skipped or "does not
        apply".
    loading_range : (float, float)
        Loadings are uniform on this range, inside (0, 1).
    factor_correlation : float or DataFrame
        One correlation for every pair of scales, or a scale x scale matrix.
    leniency : float
        Shift of the continuous response towards agreeing, in latent SD units.

    Returns
    -------
    SimulatedOrganisation

    Notes
    -----
    See the module docstring for the model. Ordinal answers are thresholded normal
    responses, as in the graded-response/ordinal-probit view of Likert items (Muthen 1984);
    the team structure is the one-way random-effects model behind ICC(1) (Bliese 2000).

    References
    ----------
    Muthen, B. (1984). A general structural equation model with dichotomous, ordered
    categorical, and continuous latent variable indicators. Psychometrika, 49, 115-132.
    Bliese, P. D. (2000). Within-group agreement, non-independence, and reliability.
    In K. J. Klein & S. W. J. Kozlowski (Eds.), Multilevel theory, research, and methods in
    organizations (pp. 349-381). San Francisco: Jossey-Bass.
    """
    _check_rates(careless_share, skip_rate, not_applicable_rate, small_team_share)
    names, sizing, loading, effects, answers, careless, missing = (
        np.random.default_rng(stream) for stream in np.random.SeedSequence(seed).spawn(7)
    )
    sizes = _team_sizes(sizing, n_teams, mean_team_size, small_team_share, team_sizes)
    units = name_units(names, n_teams=len(sizes))
    team_ids = units.loc[units["kind"] == "team", "unit_id"].to_numpy()
    scale_ids = list(instrument.scale_ids)
    phi = _factor_correlation(factor_correlation, scale_ids)
    targets = _targets(icc1, scale_ids)
    loadings = _loadings(loading, instrument, loading_range)
    models = _scale_models(instrument, loadings, leniency)
    latent = pd.Series(
        {s: _population.calibrate_latent_icc(models[s], targets[s]) for s in scale_ids}
    )
    team_of = np.repeat(np.arange(len(sizes)), sizes.astype(np.int64))
    team_part, latent_scores = _latent_scores(
        effects, phi, np.asarray(latent, dtype=np.float64), team_of
    )
    raw = _answers(answers, instrument, loadings, latent_scores, leniency)
    careless_rows, straightliners = _make_careless(careless, raw, instrument, careless_share)
    raw[missing.random(raw.shape) < skip_rate] = np.nan
    raw[missing.random(raw.shape) < not_applicable_rate] = np.nan
    responses = _responses_frame(raw, instrument, team_ids[team_of])
    design = _population.Design(
        answer_rate=(1 - skip_rate) * (1 - not_applicable_rate),
        min_items=1,
        careless_share=len(careless_rows) / len(team_of),
        straightliner_share=straightliners / max(len(careless_rows), 1),
    )
    truth = SimulationTruth(
        factor_correlation=pd.DataFrame(phi, index=scale_ids, columns=scale_ids),
        loadings=loadings,
        icc1=pd.Series(targets, dtype=np.float64)[scale_ids],
        latent_icc1=latent,
        expected_icc1=_expected_icc(instrument, models, latent, design, sizes),
        team_effects=pd.DataFrame(team_part, index=team_ids, columns=scale_ids),
        population_alpha=_population_alpha(models, design),
        careless=responses.index[careless_rows],
    )
    return SimulatedOrganisation(units=units, responses=responses, truth=truth)


def _check_rates(*rates: float) -> None:
    for rate in rates:
        if not 0 <= rate < 1:
            raise ValueError(f"shares and rates must lie in [0, 1), got {rate}")


def _team_sizes(
    rng: np.random.Generator,
    n_teams: int,
    mean_size: float,
    small_share: float,
    given: Sequence[int] | None,
) -> FloatArray:
    if given is not None:
        sizes = np.asarray(given, dtype=np.int64)
        if len(sizes) < 2 or (sizes < 1).any():
            raise ValueError("team_sizes needs at least 2 teams of at least 1 respondent")
        return sizes.astype(np.float64)
    if n_teams < 2:
        raise ValueError(f"n_teams must be at least 2, is {n_teams}")
    n_small = min(round(small_share * n_teams), n_teams - 1)
    small = rng.integers(2, 5, size=n_small)
    # The larger teams: 5 plus a negative binomial (shape 4), their mean set so that the
    # mean over all teams is mean_size; SD about 3.5 at the defaults.
    extra_mean = max((mean_size * n_teams - small.sum()) / (n_teams - n_small) - 5, 0.5)
    shape = 4.0
    large = 5 + rng.negative_binomial(shape, shape / (shape + extra_mean), size=n_teams - n_small)
    sizes = np.concatenate([small, large])
    return rng.permutation(sizes).astype(np.float64)


def _factor_correlation(given: float | pd.DataFrame, scale_ids: list[str]) -> FloatArray:
    if isinstance(given, pd.DataFrame):
        phi = given.loc[scale_ids, scale_ids].to_numpy(dtype=np.float64)
    else:
        phi = np.full((len(scale_ids), len(scale_ids)), float(given))
        np.fill_diagonal(phi, 1.0)
    if not np.allclose(phi, phi.T) or not np.allclose(np.diag(phi), 1.0):
        raise ValueError("factor_correlation must be a symmetric matrix with ones on the diagonal")
    if np.linalg.eigvalsh(phi).min() <= 0:
        raise ValueError("factor_correlation must be positive definite")
    return phi


def _targets(icc1: float | Mapping[str, float], scale_ids: list[str]) -> dict[str, float]:
    if isinstance(icc1, Mapping):
        unknown = sorted(set(icc1) - set(scale_ids))
        missing = sorted(set(scale_ids) - set(icc1))
        if unknown or missing:
            raise ValueError(f"icc1 names unknown scales {unknown} or leaves out scales {missing}")
        targets = {s: float(icc1[s]) for s in scale_ids}
    else:
        targets = dict.fromkeys(scale_ids, float(icc1))
    for scale_id, target in targets.items():
        if not 0 <= target < 1:
            raise ValueError(f"icc1 of scale {scale_id} must lie in [0, 1), is {target}")
    return targets


def _loadings(
    rng: np.random.Generator, instrument: Instrument, loading_range: tuple[float, float]
) -> pd.Series:
    low, high = loading_range
    if not 0 < low <= high < 1:
        raise ValueError(f"loading_range must lie inside (0, 1), is {loading_range}")
    values = rng.uniform(low, high, size=len(instrument.item_ids))
    return pd.Series(values, index=list(instrument.item_ids), name="loading")


def _thresholds(options: int) -> FloatArray:
    spacing = 4.2 / options
    return np.asarray((np.arange(options - 1) - (options - 2) / 2) * spacing, dtype=np.float64)


def _scale_models(
    instrument: Instrument, loadings: pd.Series, leniency: float
) -> dict[str, _population.ScaleModel]:
    scale = instrument.response_scale
    reverse = instrument.reverse_item_ids
    return {
        s.id: _population.ScaleModel(
            loadings=loadings[list(s.items)].to_numpy(dtype=np.float64),
            signs=np.array([-1.0 if i in reverse else 1.0 for i in s.items]),
            thresholds=_thresholds(scale.n_options),
            leniency=leniency,
            low=scale.min,
            high=scale.max,
        )
        for s in instrument.scales
    }


def _latent_scores(
    rng: np.random.Generator, phi: FloatArray, latent_icc: FloatArray, team_of: NDArray[np.int64]
) -> tuple[FloatArray, FloatArray]:
    """Team parts (teams x scales) and every person's latent scores (people x scales)."""
    root = np.linalg.cholesky(phi)
    n_teams = int(team_of.max()) + 1
    team_part = (rng.standard_normal((n_teams, len(phi))) @ root.T) * np.sqrt(latent_icc)
    individual = rng.standard_normal((len(team_of), len(phi))) @ root.T
    return team_part, team_part[team_of] + individual * np.sqrt(1 - latent_icc)


def _answers(
    rng: np.random.Generator,
    instrument: Instrument,
    loadings: pd.Series,
    latent_scores: FloatArray,
    leniency: float,
) -> FloatArray:
    scale = instrument.response_scale
    scale_index = {s.id: n for n, s in enumerate(instrument.scales)}
    owner = np.array([scale_index[s.id] for s in instrument.scales for _ in s.items])
    lam = loadings[list(instrument.item_ids)].to_numpy(dtype=np.float64)
    signs = np.array([-1.0 if i in instrument.reverse_item_ids else 1.0 for i in loadings.index])
    noise = rng.standard_normal((len(latent_scores), len(lam)))
    z = latent_scores[:, owner] * lam + noise * np.sqrt(1 - lam**2)
    steps = np.searchsorted(_thresholds(scale.n_options), signs * z + leniency)
    return np.asarray(scale.min + steps, dtype=np.float64)


def _make_careless(
    rng: np.random.Generator, raw: FloatArray, instrument: Instrument, share: float
) -> tuple[NDArray[np.int64], int]:
    """Overwrite a share of respondents' answers in place.

    Returns their row numbers (sorted) and how many of them straight-line.
    """
    scale = instrument.response_scale
    n_people, n_items = raw.shape
    rows = np.sort(rng.choice(n_people, size=round(share * n_people), replace=False))
    straight, random = rows[: len(rows) // 2], rows[len(rows) // 2 :]
    raw[straight] = rng.integers(scale.min, scale.max + 1, size=(len(straight), 1))
    raw[random] = rng.integers(scale.min, scale.max + 1, size=(len(random), n_items))
    return rows, len(straight)


def _responses_frame(
    raw: FloatArray, instrument: Instrument, teams: NDArray[np.str_]
) -> pd.DataFrame:
    ids = pd.Index([f"r{number:06d}" for number in range(1, len(raw) + 1)], name="respondent")
    responses = pd.DataFrame(raw, index=ids, columns=list(instrument.item_ids))
    responses["team"] = teams
    return responses


def _expected_icc(
    instrument: Instrument,
    models: dict[str, _population.ScaleModel],
    latent: pd.Series,
    design: _population.Design,
    sizes: FloatArray,
) -> pd.Series:
    expected = {
        s.id: _population.expected_icc1(
            models[s.id],
            float(latent[s.id]),
            design=replace(design, min_items=instrument.min_items(s.id)),
            team_sizes=sizes,
        )
        for s in instrument.scales
    }
    return pd.Series(expected, dtype=np.float64)


def _population_alpha(
    models: dict[str, _population.ScaleModel], design: _population.Design
) -> pd.Series:
    alphas = {
        scale_id: _population.alpha_of(_population.mixture_covariance(model, design=design))
        for scale_id, model in models.items()
    }
    return pd.Series(alphas, dtype=np.float64)
