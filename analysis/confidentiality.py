r"""Which groups' figures may be published: one disclosure decision per campaign snapshot.

Every figure transversal publishes for a group of respondents (a mean with its n, a standard
deviation, a share, a count per answer band) is a sum over the group's members of some value
per person. Whoever sees several such figures can add and subtract them. ``decide`` chooses,
once per snapshot of a campaign, which respondents each published group may pool, so that
every group anyone can obtain by adding and subtracting published figures, whatever set of
them a viewer sees (a leader's whole subtree, HR's export beside the results, two waves), has
0 or at least :math:`k` members. Results, reports, the export's row labels and the trends all
read this one decision; none computes its own. The rules, a worked example and the proof are
written for a works council in ``docs/confidentiality.md``.

The decision pools small groups upwards instead of hiding large ones. Respondents sit in
*cells*: the units they were invited in (usually teams). Going up the organisation chart from
the bottom, a cell of at least :math:`k` respondents forms an *atom* of its own; respondents
of smaller cells wait at their parent, pooled with everything else waiting below it, and form
an atom there as soon as the pool reaches :math:`k`. What reaches the top of the chart without
reaching :math:`k` forms no atom and is published nowhere. A published group is always a union
of whole atoms: a team is its own atom, a department or the organisation the atoms of its
subtree, "the rest of the organisation" the organisation's atoms but the team's. Atoms are
disjoint and each holds at least :math:`k` respondents, so adding and subtracting published
figures can only ever reach unions of atoms.

Scales are decided separately, because each scale has its own respondents (those with a score
on it), and on top of the respondents' decision: a scale's sources are the respondents'
atoms, restricted to those with a score, so that every scale's published group is the scored
part of a union of the export's labelled rows, and HR, who reads the rows, learns nothing from
a figure that the rows do not already tell.

Nothing here reads, writes or prints: the module works on unit ids, counts and masks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

AtomKind = Literal["team", "pooled"]
TEAM_ATOM: AtomKind = "team"
POOLED_ATOM: AtomKind = "pooled"
ROWS = "respondents"
"""The decision on whole respondents (the export's labels, the teams with a report)."""
FRAME_COLUMNS = ("unit", "parent", "own", "total", "label", "team_shown", "pooled", "published")
NO_ATOM = -1


class UnknownUnitError(KeyError):
    """A unit id asked of a ``Decision`` that is not a unit of its tree."""

    def __init__(self, unit: object) -> None:
        super().__init__(unit)
        self.unit = unit

    def __str__(self) -> str:
        return f"unit {self.unit!r} is not a unit of the tree"


@dataclass(frozen=True)
class Atom:
    """A disjoint group of at least ``k`` respondents formed at ``unit``: its own cell
    (``"team"``), or the pool of smaller groups waiting there (``"pooled"``)."""

    unit: str
    kind: AtomKind


@dataclass(frozen=True)
class Decision:
    r"""Which respondents each group may pool, for the whole respondents and per scale.

    Built by ``decide``. ``atoms`` lists every atom; ``codes`` holds, per respondent, the
    index of the atom they are pooled into, one column for the respondents as a whole
    (``ROWS``) and one per scale, ``NO_ATOM`` where they are in none (on a scale: no score,
    or a pool that never reached the minimum).

    Attributes
    ----------
    min_group_size : int
        :math:`k`.
    parents : Mapping
        Unit id to its parent's id, None for a root: the chart, with every cell.
    cells : Series
        The cell (unit id) of each respondent, on the respondents' index.
    atoms : tuple of Atom
    codes : DataFrame
        Respondents × (``ROWS``, scales): atom indices, ``NO_ATOM`` for none.

    Examples
    --------
    A department of teams of 8 and 2 beside a department of 20, :math:`k = 5`: the team of 8
    and the department of 20 are atoms; the team of 2 waits at its department, then at the
    organisation, reaches no minimum and is published nowhere.

    >>> parents = {"org": None, "care": "org", "ward1": "care", "ward2": "care", "admin": "org"}
    >>> cells = pd.Series(["ward1"] * 8 + ["ward2"] * 2 + ["admin"] * 20)
    >>> d = decide(cells, parents=parents, min_group_size=5)
    >>> print(d.to_frame().to_string(index=False))
     unit parent  own  total label  team_shown  pooled  published
      org   None    0     30  None       False       0         28
    admin    org   20     20 admin        True       0         20
     care    org    0     10  None       False       0          8
    ward1   care    8      8 ward1        True       0          8
    ward2   care    2      2  None       False       0          0
    """

    min_group_size: int
    parents: Mapping[str, str | None]
    cells: pd.Series
    atoms: tuple[Atom, ...]
    codes: pd.DataFrame

    def __post_init__(self) -> None:
        object.__setattr__(self, "parents", MappingProxyType(dict(self.parents)))

    def __reduce__(self) -> tuple[object, ...]:
        # A mapping proxy does not pickle; the batch sends the decision to its workers.
        fields = (self.min_group_size, dict(self.parents), self.cells, self.atoms, self.codes)
        return (Decision, fields)

    @property
    def scales(self) -> list[str]:
        """The scales decided, in the order given."""
        return [str(c) for c in self.codes.columns if c != ROWS]

    def label(self, unit: str) -> str | None:
        """The unit whose name the rows of ``unit``'s cell carry in an export, None when they
        are in no atom (and cannot be exported)."""
        atom = self.row_atom(unit)
        return None if atom is None else atom.unit

    def row_atom(self, unit: str) -> Atom | None:
        """The atom the respondents of ``unit``'s cell are pooled into, None for none. A unit
        can hold two atoms, its own team's and a pool of smaller units below it: an export
        tells them apart by the atom's kind beside the unit."""
        self._check_unit(unit)
        code = self._row_codes.get(unit, NO_ATOM)
        return None if code == NO_ATOM else self.atoms[code]

    def is_team_shown(self, unit: str) -> bool:
        """Whether the unit's own cell is an atom of its own: it may have a team report."""
        self._check_unit(unit)
        own = self._team_atoms.get(unit)
        return own is not None and self._row_codes.get(unit) == own

    def team_cells(self, scale: str = ROWS) -> NDArray[np.bool_]:
        """Per respondent: whether they are in their own cell's atom on ``scale``, the
        respondents a team's figure on it pools."""
        codes = self.codes[scale].to_numpy()
        own = self.cells.map(self._team_atoms).fillna(NO_ATOM).to_numpy(dtype=np.int64)
        return np.asarray((codes == own) & (codes != NO_ATOM), dtype=bool)

    def published(self, scale: str = ROWS) -> NDArray[np.bool_]:
        """Per respondent: whether they are in any atom on ``scale`` (the organisation's
        figure pools them)."""
        return np.asarray(self.codes[scale].to_numpy() != NO_ATOM, dtype=bool)

    def in_group(self, unit: str, scale: str = ROWS) -> NDArray[np.bool_]:
        """Per respondent: whether the published figure of ``unit``'s subtree (a department,
        a leader's subtree, the organisation) pools them on ``scale``."""
        self._check_unit(unit)
        below = self._subtree(unit)
        inside = np.array([atom.unit in below for atom in self.atoms] + [False], dtype=bool)
        return np.asarray(inside[self.codes[scale].to_numpy()], dtype=bool)

    def shown_cells(self) -> pd.DataFrame:
        """Teams × scales: whether the team's figure on the scale may be shown (its cell is
        an atom on that scale). Teams sorted; every cell with a respondent is a row."""
        frame = pd.DataFrame(
            {scale: self.team_cells(scale) for scale in self.scales}, index=self.cells.index
        )
        return frame.groupby(self.cells.to_numpy(), sort=True).any()

    def published_scores(self, scores: pd.DataFrame) -> pd.DataFrame:
        """``scores`` with every score outside an atom of its scale set to NaN: the scores a
        figure pooling several teams (the organisation, its departments) may use."""
        return self._masked(scores, self.published)

    def team_scores(self, scores: pd.DataFrame) -> pd.DataFrame:
        """``scores`` with every score outside its own team's atom set to NaN: the scores
        team figures (and statistics across teams, such as ICCs) may use."""
        return self._masked(scores, self.team_cells)

    def to_frame(self) -> pd.DataFrame:
        """One row per unit, depth first: unit, parent, own (respondents in its cell), total
        (in its subtree), label (its cell's rows in an export), team_shown (its cell is an
        atom), pooled (respondents of smaller groups pooled into an atom at the unit) and
        published (respondents its subtree's figure pools)."""
        order = self._preorder
        rows = self.codes[ROWS].to_numpy()
        sizes = np.bincount(rows[rows != NO_ATOM], minlength=len(self.atoms))
        pooled = {a.unit: int(sizes[i]) for i, a in enumerate(self.atoms) if a.kind == "pooled"}
        own = self.cells.value_counts()
        totals = self._totals({u: int(own.get(u, 0)) for u in self.parents})
        at_unit = dict.fromkeys(self.parents, 0)
        for index, atom in enumerate(self.atoms):
            at_unit[atom.unit] += int(sizes[index])
        published = self._totals(at_unit)
        return pd.DataFrame(
            {
                "unit": pd.Series(order, dtype=object),
                "parent": pd.Series([self.parents[u] for u in order], dtype=object),
                "own": np.array([int(own.get(u, 0)) for u in order], dtype=np.int64),
                "total": np.array([totals[u] for u in order], dtype=np.int64),
                "label": pd.Series([self.label(u) for u in order], dtype=object),
                "team_shown": np.array([self.is_team_shown(u) for u in order], dtype=bool),
                "pooled": np.array([pooled.get(u, 0) for u in order], dtype=np.int64),
                "published": np.array([published[u] for u in order], dtype=np.int64),
            },
            columns=list(FRAME_COLUMNS),
        )

    def _masked(
        self, scores: pd.DataFrame, mask: Callable[[str], NDArray[np.bool_]]
    ) -> pd.DataFrame:
        if not scores.index.equals(self.cells.index):
            raise ValueError("scores must have the index of the respondents decided on")
        masked = scores.copy()
        for column in scores.columns:
            if column in self.codes.columns:
                keep = mask(str(column))
                masked[column] = scores[column].where(keep)
            else:
                masked[column] = np.nan
        return masked

    def _check_unit(self, unit: str) -> None:
        if unit not in self.parents:
            raise UnknownUnitError(unit)

    @cached_property
    def _row_codes(self) -> dict[str, int]:
        """Each cell's atom index on the whole respondents (all its members share it)."""
        first = self.codes[ROWS].groupby(self.cells.to_numpy(), sort=False).first()
        return {str(cell): int(code) for cell, code in first.to_dict().items()}

    @cached_property
    def _team_atoms(self) -> dict[str, int]:
        """Each unit's own atom, the index of ``Atom(unit, "team")``, where there is one."""
        return {a.unit: i for i, a in enumerate(self.atoms) if a.kind == TEAM_ATOM}

    @cached_property
    def _children(self) -> dict[str, list[str]]:
        return _children_of(self.parents)

    @cached_property
    def _preorder(self) -> list[str]:
        roots = sorted(u for u, p in self.parents.items() if p is None)
        order: list[str] = []
        stack = roots[::-1]
        while stack:
            unit = stack.pop()
            order.append(unit)
            stack.extend(reversed(self._children[unit]))
        return order

    def _subtree(self, unit: str) -> set[str]:
        found, stack = set(), [unit]
        while stack:
            step = stack.pop()
            found.add(step)
            stack.extend(self._children[step])
        return found

    def _totals(self, own: Mapping[str, int]) -> dict[str, int]:
        """Each unit's ``own`` summed over its subtree."""
        totals = dict(own)
        for unit in reversed(self._preorder):  # children before their parent
            parent = self.parents[unit]
            if parent is not None:
                totals[parent] += totals[unit]
        return totals


def decide(
    cells: pd.Series,
    *,
    min_group_size: int,
    parents: Mapping[str, str | None] | None = None,
    scored: pd.DataFrame | None = None,
) -> Decision:
    r"""The disclosure decision for one campaign snapshot.

    Parameters
    ----------
    cells : Series
        The cell (unit id, as str) of each respondent.
    min_group_size : int
        :math:`k`, the smallest group that may be shown (at least 1).
    parents : Mapping, optional
        The organisation chart: unit id to its parent's id, None for a root. A cell the chart
        does not name is a root of its own. Without a chart every cell is a root, so nothing
        is pooled: a cell is an atom or is published nowhere.
    scored : DataFrame, optional
        Respondents × scales (same index as ``cells``): whether the respondent has a score on
        the scale. Each column is decided on top of the respondents' decision.

    Returns
    -------
    Decision

    Raises
    ------
    ValueError
        Naming the field and the reason: a chart that is not a forest, a parent that is not a
        unit, ``min_group_size`` below 1 or not an int, ``scored`` on another index or not
        boolean, a cell that is missing.

    Notes
    -----
    The units are taken from the bottom of the chart up (deepest first, ties by id). At a
    unit :math:`u`, its own cell, if it has :math:`k` respondents or more, becomes the atom
    ``Atom(u, "team")``; otherwise its respondents join the pool waiting at :math:`u`, with
    the pools carried up from :math:`u`'s children. When the pool at :math:`u` holds :math:`k`
    or more it becomes ``Atom(u, "pooled")``; otherwise it is carried to :math:`u`'s parent.
    A pool still short of :math:`k` at a root forms no atom.

    For a scale, the sources are the atoms of the respondents' decision, each counting its
    members with a score, placed at its unit: an ``"team"`` atom with :math:`k` scores or more
    stays an atom of its own on the scale; everything else at :math:`u` pools as above.

    Every atom holds at least :math:`k` respondents and atoms are disjoint; the published
    figure of a unit's subtree pools the atoms formed in it, of a team its ``"team"`` atom,
    of the rest of the organisation every atom but the team's. So any group reached by
    adding and subtracting published figures is a union of atoms: 0 or at least :math:`k`
    respondents (``docs/confidentiality.md``). Time is linear in respondents and units.

    Examples
    --------
    >>> cells = pd.Series(["a"] * 6 + ["b"] * 3 + ["c"] * 2)
    >>> d = decide(cells, parents={"o": None, "a": "o", "b": "o", "c": "o"}, min_group_size=5)
    >>> [d.label(u) for u in "abc"], int(d.in_group("o").sum())
    (['a', 'o', 'o'], 11)
    """
    k = _valid_min_group_size(min_group_size)
    if cells.isna().any():
        raise ValueError("cells: every respondent needs a cell (a unit id)")
    cell_ids = cells.astype(str)
    tree = {str(u): (None if p is None else str(p)) for u, p in (parents or {}).items()}
    for cell in pd.unique(cell_ids):
        tree.setdefault(str(cell), None)
    depths = _depths(tree)
    order = sorted(depths, key=lambda u: (-depths[u], u))  # deepest first, ties by id
    children = _children_of(tree)
    counts = cell_ids.value_counts()
    atoms: list[Atom] = []
    cell_atom = _pool(
        order,
        children=children,
        sources={str(c): [(str(c), int(n), True)] for c, n in counts.items()},
        k=k,
        atoms=atoms,
    )
    row_codes = cell_ids.map(cell_atom).fillna(NO_ATOM).to_numpy(dtype=np.int64)
    codes = {ROWS: row_codes}
    row_atoms = list(atoms)
    for scale, has_score in _scored_columns(scored, index=cell_ids.index).items():
        counts_by_atom = np.bincount(
            row_codes[has_score & (row_codes != NO_ATOM)], minlength=len(row_atoms)
        )
        located: dict[str, list[tuple[object, int, bool]]] = {}
        for index, atom in enumerate(row_atoms):
            located.setdefault(atom.unit, []).append(
                (index, int(counts_by_atom[index]), atom.kind == TEAM_ATOM)
            )
        scale_atom = _pool(order, children=children, sources=located, k=k, atoms=atoms)
        # Indexed by a respondent's row atom; the last entry serves those in none.
        lookup = np.array(
            [scale_atom.get(i, NO_ATOM) for i in range(len(row_atoms))] + [NO_ATOM],
            dtype=np.int64,
        )
        codes[scale] = np.where(has_score, lookup[row_codes], NO_ATOM)
    return Decision(
        min_group_size=k,
        parents={u: tree[u] for u in sorted(tree)},
        cells=cell_ids,
        atoms=tuple(atoms),
        codes=pd.DataFrame(codes, index=cell_ids.index),
    )


def _pool(
    order: Sequence[str],
    *,
    children: Mapping[str, list[str]],
    sources: Mapping[str, list[tuple[object, int, bool]]],
    k: int,
    atoms: list[Atom],
) -> dict[object, int]:
    """Bottom-up pooling: each source (id, count, is the unit's own cell) located at a unit
    is assigned the index of the atom it joins; sources that reach no atom are left out.
    New atoms are appended to ``atoms``; equal atoms are reused."""
    known = {atom: index for index, atom in enumerate(atoms)}

    def atom_index(atom: Atom) -> int:
        if atom not in known:
            known[atom] = len(atoms)
            atoms.append(atom)
        return known[atom]

    assigned: dict[object, int] = {}
    carried: dict[str, list[tuple[object, int]]] = {}
    for unit in order:  # children before their parent
        pool: list[tuple[object, int]] = []
        for source, count, own_cell in sources.get(unit, ()):
            if own_cell and count >= k:
                assigned[source] = atom_index(Atom(unit, TEAM_ATOM))
            else:
                pool.append((source, count))
        for child in children[unit]:
            pool.extend(carried.pop(child, ()))
        if sum(count for _, count in pool) >= k:
            index = atom_index(Atom(unit, POOLED_ATOM))
            for source, _ in pool:
                assigned[source] = index
            pool = []
        carried[unit] = pool
    return assigned


def _scored_columns(
    scored: pd.DataFrame | None, *, index: pd.Index
) -> dict[str, NDArray[np.bool_]]:
    if scored is None:
        return {}
    if not scored.index.equals(index):
        raise ValueError("scored: must have the index of cells")
    columns: dict[str, NDArray[np.bool_]] = {}
    for column in scored.columns:
        values = scored[column]
        if values.dtype != bool:
            raise ValueError(f"scored[{column!r}]: must be boolean (whether there is a score)")
        if str(column) == ROWS:
            raise ValueError(f"scored: {ROWS!r} is a name reserved here")
        columns[str(column)] = values.to_numpy(dtype=bool)
    return columns


def decide_flat(scores: pd.DataFrame, *, teams: pd.Series, min_group_size: int) -> Decision:
    """``decide`` for teams published side by side with no chart: each team is a root, so a
    team (and a team's scale) under the minimum is published nowhere."""
    return decide(teams, min_group_size=min_group_size, scored=scores.notna())


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
    k-anonymity (Machanavajjhala et al., 2007). Distributions are published per team only,
    and teams are disjoint, so no difference of two published distributions can be taken.

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


def _depths(parents: Mapping[str, str | None]) -> dict[str, int]:
    """Each unit's depth (0 for a root), checking that ``parents`` is a forest."""
    for child, parent in parents.items():
        if parent is not None and parent not in parents:
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
