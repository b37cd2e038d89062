r"""Population moments of the simulator's ordinal items, by Gauss-Hermite quadrature.

The simulator (``analysis.simulate``) draws, for a scale with latent score
:math:`\eta = \sqrt\rho\,u + \sqrt{1-\rho}\,e` (team part :math:`u`, individual part
:math:`e`, both standard normal) and item loading :math:`\lambda_j`, a continuous response
:math:`z_j = \lambda_j\eta + \sqrt{1-\lambda_j^2}\,\delta_j` and the raw answer
:math:`x_j = \min + \#\{c : s_j z_j + \text{leniency} > t_c\}` with :math:`s_j = -1` for
reverse items. Given :math:`\eta` the items are independent, and given :math:`u` each item
is an ordinal probit in one normal variable, so every moment needed below is a
one-dimensional integral over a standard normal, done here by quadrature (exact to machine
precision for these smooth integrands).

Thresholding and measurement error attenuate: the ICC(1) of observed scale scores is below
the latent :math:`\rho`. ``population_icc`` gives it exactly; ``calibrate_latent_icc`` finds
the :math:`\rho` that makes it equal a target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.polynomial.hermite_e import hermegauss

from analysis import _adapters
from analysis._adapters import FloatArray

_NODES, _RAW_WEIGHTS = hermegauss(120)
_WEIGHTS = _RAW_WEIGHTS / _RAW_WEIGHTS.sum()
_HIGHEST_LATENT_ICC = 0.999


@dataclass(frozen=True)
class ScaleModel:
    """The measurement model of one scale's items, keyed so that high means more."""

    loadings: FloatArray
    signs: FloatArray
    thresholds: FloatArray
    leniency: float
    low: int
    high: int

    @property
    def midpoint(self) -> float:
        return (self.low + self.high) / 2

    @property
    def uniform_variance(self) -> float:
        """Variance of an answer drawn uniformly from the options: (A^2 - 1)/12."""
        options = self.high - self.low + 1
        return (options**2 - 1) / 12


@dataclass(frozen=True)
class Design:
    """What besides the items shapes the observed scores: answers missing, careless people."""

    answer_rate: float
    min_items: int
    careless_share: float
    straightliner_share: float
    """Share of the careless who straight-line; the others answer at random."""


def keyed_moments(model: ScaleModel, location: FloatArray, spread: FloatArray) -> FloatArray:
    """Mean and variance of each keyed answer given the normal part ``location``.

    ``location`` has shape (nodes, items), ``spread`` (items,) is the SD of the rest of z.
    Returns shape (2, nodes, items): conditional means, then conditional variances.
    """
    argument = (model.signs * location)[..., None] + model.leniency - model.thresholds
    exceed = _adapters.normal_cdf(argument / spread[:, None])
    raw_mean = model.low + exceed.sum(axis=-1)
    upper = np.concatenate([np.ones_like(exceed[..., :1]), exceed], axis=-1)
    lower = np.concatenate([exceed, np.zeros_like(exceed[..., :1])], axis=-1)
    values = np.arange(model.low, model.high + 1, dtype=np.float64)
    raw_square = ((upper - lower) * values**2).sum(axis=-1)
    keyed_mean = model.midpoint + model.signs * (raw_mean - model.midpoint)
    return np.stack([keyed_mean, raw_square - raw_mean**2])


def item_moments(model: ScaleModel) -> tuple[FloatArray, FloatArray]:
    """Population mean vector and covariance matrix of the keyed answers (attentive people)."""
    location = _NODES[:, None] * model.loadings
    mean, variance = keyed_moments(model, location, np.sqrt(1 - model.loadings**2))
    mu = _WEIGHTS @ mean
    centred = mean - mu
    covariance = centred.T @ (centred * _WEIGHTS[:, None]) + np.diag(_WEIGHTS @ variance)
    return mu, covariance


def between_covariance(model: ScaleModel, latent_icc: float) -> FloatArray:
    """Covariance across teams of the team-expected keyed answers, Cov(E[x|u])."""
    loadings = model.loadings * np.sqrt(latent_icc)
    location = _NODES[:, None] * loadings
    mean = keyed_moments(model, location, np.sqrt(1 - loadings**2))[0]
    centred = mean - _WEIGHTS @ mean
    return np.asarray(centred.T @ (centred * _WEIGHTS[:, None]), dtype=np.float64)


def population_icc(model: ScaleModel, latent_icc: float) -> float:
    """ICC(1) of the complete scale scores of attentive people: between / total variance."""
    _, covariance = item_moments(model)
    return float(between_covariance(model, latent_icc).sum() / covariance.sum())


def calibrate_latent_icc(model: ScaleModel, target: float) -> float:
    """The latent ICC at which the observed scale score's population ICC(1) equals target."""
    if target <= 0:
        return 0.0
    reachable = population_icc(model, _HIGHEST_LATENT_ICC)
    if target >= reachable:
        raise ValueError(
            f"an observed ICC(1) of {target} cannot be reached with these loadings and"
            f" thresholds (at most {reachable:.3f})"
        )
    return _adapters.find_root(
        lambda rho: population_icc(model, rho) - target, 0.0, _HIGHEST_LATENT_ICC
    )


def expected_icc1(
    model: ScaleModel, latent_icc: float, *, design: Design, team_sizes: FloatArray
) -> float:
    r"""What ``analysis.icc`` converges to for this scale in this simulated organisation.

    With :math:`\sigma^2_b` the between-team variance of expected scale scores (attentive
    people diluted by the careless share :math:`\pi`: :math:`(1-\pi)^2` times theirs),
    :math:`\sigma^2_w` the rest of the variance of scored people (missing answers and careless
    answers included), :math:`k = N/G` and :math:`n_0 = (N - \sum n_g^2/N)/(G-1)`,
    :math:`E[MSB] = \sigma^2_w + n_0\sigma^2_b` and :math:`E[MSW] = \sigma^2_w`, so the
    ICC(1) estimator tends to :math:`n_0\sigma^2_b / (n_0\sigma^2_b + k\sigma^2_w)`.

    References
    ----------
    Searle, S. R., Casella, G., & McCulloch, C. E. (1992). Variance components (ch. 3,
    the unbalanced one-way classification). New York: Wiley.
    """
    total = score_variance(model, design=design)
    between = (1 - design.careless_share) ** 2 * between_covariance(model, latent_icc).mean()
    n, groups = team_sizes.sum(), len(team_sizes)
    k = n / groups
    n0 = (n - (team_sizes**2).sum() / n) / (groups - 1)
    return float(n0 * between / (n0 * between + k * (total - between)))


def score_variance(model: ScaleModel, *, design: Design) -> float:
    """Variance of the scale score over scored people, with missing and careless answers."""
    mu, covariance = item_moments(model)
    weights = _weight_moments(len(mu), design=design)
    attentive = float(np.trace((covariance + np.outer(mu, mu)) @ weights) - mu.mean() ** 2)
    straight = model.uniform_variance * float(model.signs @ weights @ model.signs)
    random = model.uniform_variance * float(np.trace(weights))
    shares = _type_shares(design)
    means = np.array([mu.mean(), model.midpoint, model.midpoint])
    variances = np.array([attentive, straight, random])
    overall = shares @ means
    return float(shares @ (variances + (means - overall) ** 2))


def mixture_covariance(model: ScaleModel, *, design: Design) -> FloatArray:
    """Covariance matrix of the keyed answers over everyone (attentive and careless)."""
    mu, covariance = item_moments(model)
    shares = _type_shares(design)
    midpoint = np.full_like(mu, model.midpoint)
    overall = shares[0] * mu + (shares[1] + shares[2]) * midpoint
    parts = [
        covariance + np.outer(mu - overall, mu - overall),
        model.uniform_variance * np.outer(model.signs, model.signs),
        model.uniform_variance * np.eye(len(mu)),
    ]
    spread = np.outer(midpoint - overall, midpoint - overall)
    return np.asarray(
        shares[0] * parts[0] + shares[1] * (parts[1] + spread) + shares[2] * (parts[2] + spread),
        dtype=np.float64,
    )


def alpha_of(covariance: FloatArray) -> float:
    """Cronbach's alpha of a covariance matrix: k/(k-1) (1 - tr C / 1'C1)."""
    k = covariance.shape[0]
    return float(k / (k - 1) * (1 - np.trace(covariance) / covariance.sum()))


def _type_shares(design: Design) -> FloatArray:
    careless = design.careless_share
    straight = careless * design.straightliner_share
    return np.array([1 - careless, straight, careless - straight])


def _weight_moments(n_items: int, *, design: Design) -> FloatArray:
    r"""E[w w'] for the scoring weights w_j = 1{j answered}/(number answered).

    Items are answered independently with probability ``answer_rate``; only people with at
    least ``min_items`` answers get a score. Given a answers, P(j answered) = a/J and
    P(j and l answered) = a(a-1)/(J(J-1)).
    """
    answered = np.arange(design.min_items, n_items + 1)
    log_choose = np.array([_log_choose(n_items, int(a)) for a in answered])
    rate, unanswered = design.answer_rate, n_items - answered
    with np.errstate(divide="ignore", invalid="ignore"):
        log_miss = np.where(unanswered > 0, unanswered * np.log1p(-rate), 0.0)
    log_p = log_choose + answered * np.log(rate) + log_miss
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    diagonal = float(p @ (1 / (answered * n_items)))
    off = float(p @ ((answered - 1) / (answered * n_items * (n_items - 1))))
    return np.full((n_items, n_items), off) + np.eye(n_items) * (diagonal - off)


def _log_choose(n: int, k: int) -> float:
    return float(np.sum(np.log(np.arange(n - k + 1, n + 1))) - np.sum(np.log(np.arange(1, k + 1))))
