r"""Which groups' figures may be published: primary and complementary suppression.

A report publishes sums (means with their n) for nested groups: the organisation, its
departments, their teams, and "the rest of the organisation" beside a team. A group below the
campaign's minimum size :math:`k` is never published (primary suppression), and enough other
groups are withheld that no group of 1 to :math:`k-1` respondents can be isolated by adding and
subtracting the published figures (complementary suppression). ``disclose`` decides once per
tree of units and per count of respondents; every output path takes its decisions from it.
The rules, a worked example and the proof are written for a works council in
``docs/confidentiality.md``.

Nothing here reads, writes or prints: the module works on unit ids and counts only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

SuppressionReason = Literal["below_minimum", "complementary"]
BELOW_MINIMUM: SuppressionReason = "below_minimum"
COMPLEMENTARY: SuppressionReason = "complementary"
FRAME_COLUMNS = ("unit", "parent", "own", "total", "residual", "shown", "reason")


class UnknownUnitError(KeyError):
    """A unit id asked of a ``Disclosure`` that is not a unit of its tree."""

    def __init__(self, unit: object) -> None:
        super().__init__(unit)
        self.unit = unit

    def __str__(self) -> str:
        return f"unit {self.unit!r} is not a unit of the tree"


@dataclass(frozen=True)
class Disclosure:
    r"""Which units of a tree may have figures of their own, and why the others may not.

    Built by ``disclose``. A unit's *total* is the number of respondents in its subtree; for
    the shown set, a unit's *residual* is the number of respondents in its subtree who are in
    no shown proper descendant:

    .. math:: r(u) = t(u) - \sum_{m \in M(u)} t(m)

    where :math:`M(u)` are the maximal shown proper descendants of :math:`u` (those whose
    nearest shown proper ancestor is :math:`u`). Every shown unit has :math:`t \ge k` and
    :math:`r = 0` or :math:`r \ge k`.

    Attributes
    ----------
    min_group_size : int
        :math:`k`, the smallest group that may be shown.
    parents : Mapping
        Unit id to its parent's id, None for a root.
    totals : Mapping
        Unit id to the respondents in its subtree, for every unit of the tree.
    shown : frozenset
        The units whose figures may be published.
    reasons : Mapping
        Why each unit that is not shown but has respondents is withheld: ``"below_minimum"``
        (:math:`0 < t < k`) or ``"complementary"`` (withheld so that a smaller group cannot
        be computed by difference). Units with no respondent have no reason.

    Examples
    --------
    >>> d = disclose({"org": None, "a": "org", "b": "org", "c": "org"},
    ...              {"a": 10, "b": 10, "c": 3}, min_group_size=5)
    >>> sorted(d.shown), d.reason("a"), d.reason("c"), d.residual("org"), d.label("c")
    (['b', 'org'], 'complementary', 'below_minimum', 13, 'org')
    """

    min_group_size: int
    parents: Mapping[str, str | None]
    totals: Mapping[str, int]
    shown: frozenset[str]
    reasons: Mapping[str, SuppressionReason]

    def is_shown(self, unit: str) -> bool:
        """Whether the unit's figures may be published."""
        self._check_unit(unit)
        return unit in self.shown

    def reason(self, unit: str) -> SuppressionReason | None:
        """Why the unit is withheld; None when it is shown or has no respondent."""
        self._check_unit(unit)
        return self.reasons.get(unit)

    def residual(self, unit: str) -> int:
        """Respondents in the unit's subtree who are in no shown proper descendant."""
        self._check_unit(unit)
        return self._residuals[unit]

    def label(self, unit: str) -> str | None:
        """The unit's nearest shown ancestor-or-self, None when there is none.

        In an export of raw rows, each row carries the label of its unit: the rows under a
        label ``p`` are exactly the residual of ``p`` (0 or at least :math:`k` of them).
        Rows of a unit whose label is None cannot be exported.
        """
        self._check_unit(unit)
        return self._labels[unit]

    def to_frame(self) -> pd.DataFrame:
        """One row per unit, in depth-first order (roots and children by id).

        Returns
        -------
        DataFrame
            unit, parent (None for a root), own (respondents attached to the unit itself),
            total, residual, shown, reason (None when shown or empty).
        """
        order = self._preorder
        return pd.DataFrame(
            {
                "unit": pd.Series(order, dtype=object),
                "parent": pd.Series([self.parents[u] for u in order], dtype=object),
                "own": np.array([self._own[u] for u in order], dtype=np.int64),
                "total": np.array([self.totals[u] for u in order], dtype=np.int64),
                "residual": np.array([self._residuals[u] for u in order], dtype=np.int64),
                "shown": np.array([u in self.shown for u in order], dtype=bool),
                "reason": pd.Series([self.reasons.get(u) for u in order], dtype=object),
            },
            columns=list(FRAME_COLUMNS),
        )

    def _check_unit(self, unit: str) -> None:
        if unit not in self.parents:
            raise UnknownUnitError(unit)

    @cached_property
    def _children(self) -> dict[str, list[str]]:
        return _children_of(self.parents)

    @cached_property
    def _preorder(self) -> list[str]:
        """Every unit after its parent: roots by id, then each unit's children by id."""
        roots = sorted(u for u, p in self.parents.items() if p is None)
        order: list[str] = []
        stack = roots[::-1]
        while stack:
            unit = stack.pop()
            order.append(unit)
            stack.extend(reversed(self._children[unit]))
        return order

    @cached_property
    def _own(self) -> dict[str, int]:
        return {
            u: self.totals[u] - sum(self.totals[c] for c in self._children[u]) for u in self.parents
        }

    @cached_property
    def _residuals(self) -> dict[str, int]:
        residuals: dict[str, int] = {}
        for unit in reversed(self._preorder):  # children before their parent
            hidden_below = (residuals[c] for c in self._children[unit] if c not in self.shown)
            residuals[unit] = self._own[unit] + sum(hidden_below)
        return residuals

    @cached_property
    def _labels(self) -> dict[str, str | None]:
        labels: dict[str, str | None] = {}
        for unit in self._preorder:  # parents before their children
            parent = self.parents[unit]
            inherited = None if parent is None else labels[parent]
            labels[unit] = unit if unit in self.shown else inherited
        return labels


def disclose(
    parents: Mapping[str, str | None], counts: Mapping[str, int], *, min_group_size: int
) -> Disclosure:
    r"""Decide which units of a tree may be published, by primary and complementary suppression.

    Parameters
    ----------
    parents : Mapping
        Unit id (str) to its parent's id, None for a root. Several roots are allowed.
    counts : Mapping
        Respondents attached directly to each unit (usually the teams, possibly also a
        department or the root). Units absent have 0.
    min_group_size : int
        :math:`k`, the smallest group that may be shown (at least 1).

    Returns
    -------
    Disclosure

    Raises
    ------
    ValueError
        Naming the field and the reason: a unit of ``counts`` not in ``parents``, a parent
        that is not a unit, a cycle, a count that is negative or not an int (bool is not),
        ``min_group_size`` below 1 or not an int.

    Notes
    -----
    With :math:`t(u)` the respondents of :math:`u`'s subtree:

    1. *Primary*: a unit with :math:`0 < t(u) < k` is withheld, ``"below_minimum"``; a unit
       with :math:`t(u) = 0` has nothing to show and no reason.
    2. *Complementary*: shown units are taken deepest first (ties by id). While a shown unit
       :math:`P` has :math:`0 < r(P) < k`, one of its maximal shown descendants is withheld,
       ``"complementary"``: the one with the smallest total among those with a positive
       residual (ties by smallest id); if all have residual 0, the one with the smallest
       total (ties by id), whose own maximal shown descendants then become :math:`P`'s.

    Withholding a maximal shown descendant :math:`D` of :math:`P` adds :math:`r(D)` to
    :math:`r(P)` and changes no other residual, so units already processed keep
    :math:`r = 0` or :math:`r \ge k`; as :math:`D` is one of them, one withholding with a
    positive residual ends the loop for :math:`P`. Afterwards the
    shown groups are a laminar family whose span is spanned by the disjoint residual sets
    ("atoms"), each empty or of at least :math:`k`: any group whose sum follows from the
    published sums is a union of atoms. This is cell suppression for hierarchical tables
    (Cox, 1980; Hundepool et al., 2012, ch. 4) with a deterministic greedy choice.

    Time and memory are linear in the number of units but for the walk down past residual-0
    descendants (10,000 units take a few hundredths of a second).

    References
    ----------
    Cox, L. H. (1980). Suppression methodology and statistical disclosure control. Journal of
    the American Statistical Association, 75(370), 377-385.

    Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S., Schulte Nordholt, E.,
    Spicer, K., & de Wolf, P.-P. (2012). Statistical Disclosure Control. Wiley.

    Examples
    --------
    A department of teams of 8 and 2 beside a department of 20: the team of 2 is below the
    minimum, and the team of 8 is withheld too, or the department minus it would be the 2.

    >>> parents = {"org": None, "care": "org", "ward1": "care", "ward2": "care", "admin": "org"}
    >>> d = disclose(parents, {"ward1": 8, "ward2": 2, "admin": 20}, min_group_size=5)
    >>> print(d.to_frame().to_string(index=False))
     unit parent  own  total  residual  shown        reason
      org   None    0     30         0   True          None
    admin    org   20     20        20   True          None
     care    org    0     10        10   True          None
    ward1   care    8      8         8  False complementary
    ward2   care    2      2         2  False below_minimum
    """
    k = _valid_min_group_size(min_group_size)
    depths = _depths(parents)
    own = _valid_counts(counts, units=depths)
    order = sorted(depths, key=lambda u: (-depths[u], u))  # deepest first, ties by id
    totals = dict.fromkeys(order, 0)
    for unit in order:  # children before their parent
        totals[unit] += own[unit]
        parent = parents[unit]
        if parent is not None:
            totals[parent] += totals[unit]
    reasons: dict[str, SuppressionReason] = {u: BELOW_MINIMUM for u in order if 0 < totals[u] < k}
    shown = {u for u in order if totals[u] >= k}
    for unit in _suppress_complementary(order, shown=shown, parents=parents, totals=totals, k=k):
        shown.discard(unit)
        reasons[unit] = COMPLEMENTARY
    return Disclosure(
        min_group_size=k,
        parents=MappingProxyType({u: parents[u] for u in sorted(depths)}),
        totals=MappingProxyType({u: totals[u] for u in sorted(depths)}),
        shown=frozenset(shown),
        reasons=MappingProxyType({u: reasons[u] for u in sorted(reasons)}),
    )


def distribution_disclosable(counts: Sequence[int], *, min_group_size: int) -> bool:
    """Whether one item's answer distribution in one group may be published.

    Parameters
    ----------
    counts : sequence of int
        Respondents per answer band (or option) of the item in the group.
    min_group_size : int
        :math:`k`, the smallest group that may be shown.

    Returns
    -------
    bool
        False when the group has fewer than :math:`k` answers, or when a single band holds
        every answer; True otherwise.

    Notes
    -----
    A distribution with every answer in one band tells anyone who knows who is in the group
    what each member answered, however large the group: the homogeneity attack on
    k-anonymity (Machanavajjhala et al., 2007). Because band counts are sums too, a caller
    publishing distributions for several nested groups must also check the residual sets
    (the rows under each ``Disclosure.label``): a union of distributions with two bands or
    more has two bands or more, but a difference need not.

    References
    ----------
    Machanavajjhala, A., Kifer, D., Gehrke, J., & Venkitasubramaniam, M. (2007).
    l-diversity: Privacy beyond k-anonymity. ACM Transactions on Knowledge Discovery from
    Data, 1(1), 3.

    Examples
    --------
    >>> distribution_disclosable([0, 2, 3, 0], min_group_size=5)
    True
    >>> distribution_disclosable([0, 0, 7, 0], min_group_size=5)
    False
    """
    k = _valid_min_group_size(min_group_size)
    bands = [_valid_count(c, field=f"counts[{i}]") for i, c in enumerate(counts)]
    return sum(bands) >= k and sum(1 for n in bands if n > 0) >= 2


def shown_cells(
    scores: pd.DataFrame,
    *,
    teams: pd.Series,
    min_group_size: int,
    eligible: pd.Series | None = None,
) -> pd.DataFrame:
    """Teams x scores: which (team, scale) figures may be shown.

    The teams are published side by side, and the figures that pool teams pool the shown
    cells only (``published_scores``), so each team is its own root for ``disclose``: on
    each score, the team needs ``min_group_size`` respondents with that score, and it must be
    ``eligible`` (by default: enough respondents, with or without a score).

    Parameters
    ----------
    scores : DataFrame
        One row per respondent, one float column per scale (NaN: no score).
    teams : Series
        The team of each respondent, on the index of ``scores``.
    min_group_size : int
    eligible : Series, optional
        The teams that may be shown at all.

    Returns
    -------
    DataFrame
        Boolean, indexed by team (sorted), one column per score.
    """
    if eligible is None:
        respondents = teams.value_counts(dropna=True).sort_index()
        allowed = list(
            respondents.index[disclosed_groups(respondents, min_group_size=min_group_size)]
        )
    else:
        allowed = list(eligible)
    counts = scores.notna().groupby(teams, sort=True).sum()
    in_eligible = counts.index.isin(allowed)
    return pd.DataFrame(
        {
            scale: disclosed_groups(counts[scale], min_group_size=min_group_size) & in_eligible
            for scale in counts
        },
        index=counts.index,
    )


def published_scores(
    scores: pd.DataFrame, *, teams: pd.Series, shown: pd.DataFrame
) -> pd.DataFrame:
    """The scores that figures pooling several teams may use: those of shown cells.

    The organisation's figures and every "rest of the organisation" are computed from these.
    Were a hidden team's members counted there, the organisation minus the shown teams would
    be the hidden team; pooled this way, every pooled figure is a union of shown cells and
    its residual is 0 (``docs/confidentiality.md``, "Figures that pool teams").
    """
    mask = shown.reindex(index=teams.to_numpy(), columns=scores.columns, fill_value=False)
    return scores.where(mask.to_numpy(dtype=bool))


def disclosed_groups(counts: pd.Series, *, min_group_size: int) -> NDArray[np.bool_]:
    r"""``disclose`` on groups published side by side, none pooling another: which of them
    may be shown, as a mask aligned with ``counts`` (respondents per group).

    Each group is then a root with no sub-unit, so no residual can call for complementary
    suppression and ``disclose`` reduces to rule 1, :math:`t \ge k`: computed here on the
    whole array at once (``disclose`` walks the units one by one; 16 calls on 5,000 teams
    cost half a second). The tests check that both always agree.
    """
    k = _valid_min_group_size(min_group_size)
    values = counts.to_numpy()
    if len(values) and (
        values.dtype == bool or not np.issubdtype(values.dtype, np.integer) or values.min() < 0
    ):
        bad = next(
            (key, value)
            for key, value in counts.items()
            if isinstance(value, (bool, np.bool_)) or not float(value).is_integer() or value < 0
        )
        raise ValueError(f"counts[{bad[0]!r}]: {bad[1]!r} is not a count")
    return np.asarray(values >= k, dtype=bool)


def _suppress_complementary(
    order: list[str],
    *,
    shown: set[str],
    parents: Mapping[str, str | None],
    totals: Mapping[str, int],
    k: int,
) -> list[str]:
    """The units withheld by complementary suppression, in the order they were withheld."""
    # Primary suppression leaves an ancestor-closed shown set (a parent is at least as large
    # as its child), so each shown unit's maximal shown descendants start as its shown children.
    below: dict[str, list[str]] = {u: [] for u in shown}
    for unit in shown:
        parent = parents[unit]
        if parent is not None:
            below[parent].append(unit)
    residual = {u: totals[u] - sum(totals[m] for m in below[u]) for u in shown}
    withheld: list[str] = []
    for unit in order:
        # A unit withheld here was deeper than the unit that withheld it: already processed.
        if unit not in shown:
            continue
        while 0 < residual[unit] < k:
            # residual < k <= total, so some respondents sit in maximal shown descendants.
            victim = _complement(below[unit], residual=residual, totals=totals)
            below[unit].remove(victim)
            below[unit].extend(below.pop(victim))
            residual[unit] += residual.pop(victim)
            shown.discard(victim)
            withheld.append(victim)
    return withheld


def _complement(
    candidates: list[str], *, residual: Mapping[str, int], totals: Mapping[str, int]
) -> str:
    """The maximal shown descendant to withhold: smallest total, positive residual first."""
    positive = [m for m in candidates if residual[m] > 0]
    return min(positive or candidates, key=lambda m: (totals[m], m))


def _depths(parents: Mapping[str, str | None]) -> dict[str, int]:
    """Each unit's depth (0 for a root), checking that ``parents`` is a forest."""
    for child, parent in parents.items():
        if not isinstance(child, str):
            raise ValueError(f"parents: unit {child!r} is not a str")
        if parent is not None and (not isinstance(parent, str) or parent not in parents):
            raise ValueError(
                f"parents: the parent {parent!r} of unit {child!r} is not a unit of the tree"
            )
    depths: dict[str, int] = {}
    for start in sorted(parents):
        if start in depths:
            continue
        path: list[str] = []
        on_path: set[str] = set()
        unit: str | None = start
        while unit is not None and unit not in depths:
            if unit in on_path:
                raise ValueError(f"parents: unit {unit!r} is on a cycle ({_cycle(parents, unit)})")
            path.append(unit)
            on_path.add(unit)
            unit = parents[unit]
        depth = -1 if unit is None else depths[unit]
        for step in reversed(path):
            depth += 1
            depths[step] = depth
    return depths


def _cycle(parents: Mapping[str, str | None], unit: str) -> str:
    names = [unit]
    step = parents[unit]
    while step is not None and step != unit:
        names.append(step)
        step = parents[step]
    return " → ".join(repr(n) for n in [*names, unit])


def _children_of(parents: Mapping[str, str | None]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {u: [] for u in parents}
    for unit in sorted(parents):
        parent = parents[unit]
        if parent is not None:
            children[parent].append(unit)
    return children


def _valid_counts(counts: Mapping[str, int], *, units: Mapping[str, int]) -> dict[str, int]:
    own = dict.fromkeys(units, 0)
    for unit, count in counts.items():
        if unit not in units:
            raise ValueError(f"counts: unit {unit!r} is not in parents")
        own[unit] = _valid_count(count, field=f"counts[{unit!r}]")
    return own


def _valid_count(count: object, *, field: str) -> int:
    if type(count) is int and count >= 0:  # the common case, checked fast
        return count
    # bool is an int to Python, but True respondents is a mistake upstream, not a count.
    if isinstance(count, bool | np.bool_) or not isinstance(count, int | np.integer):
        raise ValueError(f"{field}: {count!r} is not an int")
    if count < 0:
        raise ValueError(f"{field}: {count} is negative")
    return int(count)


def _valid_min_group_size(min_group_size: object) -> int:
    if isinstance(min_group_size, bool) or not isinstance(min_group_size, int | np.integer):
        raise ValueError(f"min_group_size: {min_group_size!r} is not an int")
    if min_group_size < 1:
        raise ValueError(f"min_group_size: {min_group_size} is below 1")
    return int(min_group_size)
