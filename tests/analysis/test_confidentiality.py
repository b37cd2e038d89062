"""The one disclosure decision: hand-worked charts, properties, and the attack itself, brute
force over random small organisations: every combination of everything a leader or HR can
see is tried, and no group of 1 to k-1 respondents can be isolated."""

from __future__ import annotations

import doctest
import itertools
import random
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

import analysis.confidentiality
from analysis.confidentiality import (
    FRAME_COLUMNS,
    NO_ATOM,
    ROWS,
    Atom,
    Decision,
    UnknownUnitError,
    decide,
    decide_flat,
    distribution_disclosable,
)

Tree = dict[str, str | None]
Mask = NDArray[np.bool_]


def cells_of(sizes: Mapping[str, int]) -> pd.Series:
    """One respondent per entry, each named by their cell."""
    return pd.Series([unit for unit, n in sizes.items() for _ in range(n)], dtype=object)


def subtree(parents: Mapping[str, str | None], unit: str) -> set[str]:
    """The unit and every unit below it, by brute force."""
    found = set()
    for candidate in parents:
        step: str | None = candidate
        while step is not None:
            if step == unit:
                found.add(candidate)
                break
            step = parents[step]
    return found


def smallest_isolated(groups: Sequence[Mask]) -> int | None:
    """The size of the smallest non-empty set of respondents whose sum follows from the sums
    of ``groups`` (each a mask over the same respondents), None when no set does.

    A set's sum follows from published sums exactly when its 0/1 indicator lies in the span
    of the published groups' indicators. Every vector of that span is constant on the
    classes of respondents who belong to the same groups, so every candidate is a union of
    classes: all unions are tried, by projection on the span.
    """
    matrix = np.array([g for g in groups if g.any()], dtype=float)
    if matrix.size == 0:
        return None
    signatures = [tuple(column) for column in matrix.T]
    classes: dict[tuple[float, ...], list[int]] = {}
    for person, signature in enumerate(signatures):
        if any(signature):
            classes.setdefault(signature, []).append(person)
    members = list(classes.values())
    _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
    basis = vt[singular > 1e-9]
    best: int | None = None
    for size in range(1, len(members) + 1):
        for chosen in itertools.combinations(range(len(members)), size):
            vector = np.zeros(matrix.shape[1])
            for c in chosen:
                vector[members[c]] = 1.0
            leftover = vector - (vector @ basis.T) @ basis
            if np.linalg.norm(leftover) < 1e-7:
                count = int(vector.sum())
                best = count if best is None else min(best, count)
    return best


def random_organisation(rng: random.Random) -> tuple[Tree, pd.Series, pd.DataFrame, int]:
    """A small chart (a forest, respondents on any unit, teams of 0 to 7), which of them have
    a score on two scales, and k."""
    n_units = rng.randint(1, 7)
    names = [f"u{i}" for i in rng.sample(range(20), n_units)]
    parents: Tree = {names[0]: None}
    for position in range(1, n_units):
        is_root = rng.random() < 0.1
        parents[names[position]] = None if is_root else names[rng.randrange(position)]
    sizes = {name: rng.randint(0, 7) if rng.random() < 0.75 else 0 for name in names}
    cells = cells_of(sizes)
    scored = pd.DataFrame(
        {scale: [rng.random() < share for _ in range(len(cells))] for scale, share in
         (("HA", 0.9), ("VA", 0.6))},
        index=cells.index, dtype=bool,
    )  # fmt: skip
    return parents, cells, scored, rng.randint(2, 5)


def published_groups(decision: Decision, *, scale: str, units: set[str]) -> list[Mask]:
    """Every group a viewer who sees ``units`` is shown on ``scale``: the teams' own
    figures, each unit's subtree figure (departments, the leader's own subtree), every
    organisation (root) and every team's rest of the organisation beside it."""
    cells = decision.cells.to_numpy()
    own = decision.team_cells(scale)
    groups: list[Mask] = []
    roots = [u for u, p in decision.parents.items() if p is None]
    everything = np.zeros(len(cells), dtype=bool)
    for root in roots:
        everything |= decision.in_group(root, scale)
        groups.append(decision.in_group(root, scale))
    for unit in units:
        team = own & (cells == unit)
        if team.any():
            groups.extend([team, everything & ~team])
        groups.append(decision.in_group(unit, scale))
    return groups


def test_the_doctests_hold() -> None:
    assert doctest.testmod(analysis.confidentiality).failed == 0


# -- hand-worked charts ------------------------------------------------------------------------


def test_small_teams_pool_at_their_department_once_together_they_reach_the_minimum() -> None:
    parents = {"org": None, "ops": "org", "a": "ops", "b": "ops", "c": "ops", "x": "org"}
    d = decide(cells_of({"a": 6, "b": 3, "c": 2, "x": 4}), parents=parents, min_group_size=5)
    assert [d.label(u) for u in ("a", "b", "c", "x")] == ["a", "ops", "ops", None]
    assert d.atoms == (Atom("a", "team"), Atom("ops", "pooled"))
    assert (d.is_team_shown("a"), d.is_team_shown("b"), d.is_team_shown("x")) == (
        True,
        False,
        False,
    )
    assert int(d.in_group("ops").sum()) == 11
    assert int(d.in_group("org").sum()) == 11, "x's 4 reach no pool: in no figure"
    frame = d.to_frame().set_index("unit")
    assert frame.loc["ops", "pooled"] == 5
    assert frame.loc["org", "total"] == 15
    assert list(d.to_frame().columns) == list(FRAME_COLUMNS)


def test_a_pool_is_carried_up_until_it_reaches_the_minimum() -> None:
    parents = {"org": None, "d1": "org", "t1": "d1", "d2": "org", "t2": "d2"}
    d = decide(cells_of({"t1": 3, "t2": 3}), parents=parents, min_group_size=5)
    assert d.label("t1") == d.label("t2") == "org"
    assert not d.in_group("d1").any(), "a department holding 3 of the pool shows nothing"
    assert int(d.in_group("org").sum()) == 6


def test_a_units_own_respondents_are_a_team_apart_from_the_pool_of_its_small_children() -> None:
    parents = {"dept": None, "t1": "dept", "t2": "dept"}
    d = decide(cells_of({"dept": 5, "t1": 2, "t2": 3}), parents=parents, min_group_size=5)
    assert d.atoms == (Atom("dept", "team"), Atom("dept", "pooled"))
    assert d.is_team_shown("dept")
    assert int(d.team_cells().sum()) == 5, "the department's own team is its 5 only"
    assert int(d.in_group("dept").sum()) == 10
    assert d.label("t1") == d.label("dept") == "dept"


def test_without_a_chart_every_team_stands_alone() -> None:
    d = decide(cells_of({"a": 6, "b": 3, "c": 2}), min_group_size=5)
    assert [d.label(u) for u in "abc"] == ["a", None, None]
    assert int(d.published().sum()) == 6


def test_a_scale_pools_a_shown_team_whose_scores_are_too_few() -> None:
    # a: 6 members, 4 with a VA score; b: 3 members. On VA, a's 4 join b's pool at org.
    parents = {"org": None, "a": "org", "b": "org"}
    cells = cells_of({"a": 6, "b": 3})
    scored = pd.DataFrame({"VA": [True] * 4 + [False] * 2 + [True] * 3}, dtype=bool)
    d = decide(cells, parents=parents, min_group_size=5, scored=scored)
    assert d.is_team_shown("a")
    assert d.label("b") is None, "3 respondents reach no pool"
    # b's respondents are in no atom as a whole, so in none on any scale either: else the
    # organisation's VA figure minus a's rows in the export would be b's.
    assert not d.team_cells("VA").any()
    assert d.published("VA").tolist() == [False] * 9
    assert d.shown_cells().to_dict("index") == {"a": {"VA": False}, "b": {"VA": False}}


def test_a_scale_pools_only_the_scored_members_of_exportable_rows() -> None:
    parents = {"org": None, "a": "org", "b": "org", "c": "org"}
    cells = cells_of({"a": 6, "b": 6, "c": 5})
    scored = pd.DataFrame(
        {"VA": [True] * 3 + [False] * 3 + [True] * 2 + [False] * 4 + [True] * 5}, dtype=bool
    )
    d = decide(cells, parents=parents, min_group_size=5, scored=scored)
    assert d.shown_cells()["VA"].to_dict() == {"a": False, "b": False, "c": True}
    # a's 3 and b's 2 VA scores pool at the organisation: 5.
    assert int(d.published("VA").sum()) == 10
    frame = pd.DataFrame({"VA": np.arange(17.0)}).where(scored)
    assert int(d.team_scores(frame)["VA"].notna().sum()) == 5
    assert int(d.published_scores(frame)["VA"].notna().sum()) == 10


def test_flat_teams_follow_the_minimum_per_team_and_per_score() -> None:
    teams = pd.Series(["a"] * 6 + ["b"] * 5 + ["c"] * 2)
    scores = pd.DataFrame({"HA": np.arange(13.0), "VA": np.arange(13.0)})
    scores.loc[6, "VA"] = np.nan  # b has 4 VA scores
    d = decide_flat(scores, teams=teams, min_group_size=5)
    assert d.shown_cells().to_dict("index") == {
        "a": {"HA": True, "VA": True},
        "b": {"HA": True, "VA": False},
        "c": {"HA": False, "VA": False},
    }
    published = d.published_scores(scores)
    assert published["HA"].notna().tolist() == [True] * 11 + [False] * 2
    assert published["VA"].notna().sum() == 6


# -- the attack: every combination of what one viewer sees ------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_no_viewer_can_isolate_a_group_under_the_minimum(seed: int) -> None:
    """Random small organisations, each decided once; for HR (every unit) and for the leader
    of each unit (their subtree), every group obtainable from what they see is a union of
    atoms: none of 1 to k-1 respondents. HR also holds the export: its labelled rows, as
    whole respondents, take part in the same span."""
    rng = random.Random(seed)
    for _ in range(40):
        parents, cells, scored, k = random_organisation(rng)
        d = decide(cells, parents=parents, min_group_size=k, scored=scored)
        labels = {atom for unit in set(cells) if (atom := d.row_atom(unit)) is not None}
        export = [cells.map(d.row_atom).to_numpy() == atom for atom in labels]
        viewers = {"HR": set(parents)} | {f"leader of {u}": subtree(parents, u) for u in parents}
        for viewer, units in viewers.items():
            for scale in (ROWS, *scored.columns):
                groups = published_groups(d, scale=scale, units=units)
                if viewer == "HR" and scale == ROWS:
                    groups += export
                smallest = smallest_isolated(groups)
                assert smallest is None or smallest >= k, (viewer, scale, parents, cells, k)


def test_hr_learns_nothing_from_a_figure_that_the_exported_rows_do_not_tell() -> None:
    """No published group splits the rows under an export label (a unit, and whether its rows
    are a team's own or a pool of smaller units'): on every scale each is the scored part of
    whole labels, so no team can be peeled off a label."""
    rng = random.Random(11)
    for _ in range(200):
        parents, cells, scored, k = random_organisation(rng)
        d = decide(cells, parents=parents, min_group_size=k, scored=scored)
        row_labels = cells.map(d.row_atom).to_numpy()
        for scale in scored.columns:
            has_score = scored[scale].to_numpy()
            for group in published_groups(d, scale=scale, units=set(parents)):
                touched = set(row_labels[group])
                assert None not in touched, "a figure pools rows the export withholds"
                whole = np.isin(row_labels, list(touched)) & has_score
                assert (group == whole).all(), (scale, parents, k)


def test_the_attack_finds_the_leak_of_a_rule_that_only_counts_to_k() -> None:
    """The brute force is not blind: publishing every unit whose subtree reaches k, the rule
    without pooling, lets some viewer isolate a small group."""
    rng = random.Random(3)
    leaks = 0
    for _ in range(100):
        parents, cells, _, k = random_organisation(rng)
        groups = [
            mask
            for unit in parents
            if (mask := cells.isin(list(subtree(parents, unit))).to_numpy()).sum() >= k
        ]
        smallest = smallest_isolated(groups)
        leaks += smallest is not None and smallest < k
    assert leaks > 5


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10_000))
def test_atoms_are_disjoint_and_never_under_the_minimum(seed: int) -> None:
    parents, cells, scored, k = random_organisation(random.Random(seed))
    d = decide(cells, parents=parents, min_group_size=k, scored=scored)
    for column in d.codes.columns:
        codes = d.codes[column].to_numpy()
        sizes = np.bincount(codes[codes != NO_ATOM], minlength=len(d.atoms))
        assert all(size == 0 or size >= k for size in sizes), column
    for unit in set(cells):
        own = int((cells == unit).sum())
        assert d.is_team_shown(unit) == (own >= k)
        label = d.label(unit)
        assert label is None or unit in subtree(parents, label), "a label is up the chart"


def test_renaming_the_units_renames_the_decision() -> None:
    rng = random.Random(5)
    for _ in range(50):
        parents, cells, scored, k = random_organisation(rng)
        rename = {u: f"z{i}" for i, u in enumerate(sorted(parents, reverse=True))}
        moved = {rename[u]: None if p is None else rename[p] for u, p in parents.items()}
        first = decide(cells, parents=parents, min_group_size=k, scored=scored)
        second = decide(cells.map(rename), parents=moved, min_group_size=k, scored=scored)
        for scale in (ROWS, *scored.columns):
            assert (first.published(scale) == second.published(scale)).all()
            assert (first.team_cells(scale) == second.team_cells(scale)).all()
        assert {rename[u]: first.label(u) and rename[first.label(u) or ""] for u in set(cells)} == {
            rename[u]: second.label(rename[u]) for u in set(cells)
        }


# -- distributions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "min_group_size", "expected"),
    [
        ([0, 2, 3, 0], 5, True),
        ([0, 0, 7, 0], 5, False),  # everyone in one band: each member's answer is known
        ([1, 1, 1, 1], 5, False),  # four answers, below the minimum
        ([4, 1], 5, True),
        ([], 5, False),
        (np.array([3, 3], dtype=np.int64), 5, True),
        ([1, 1], 1, True),
    ],
)
def test_a_distribution_needs_k_answers_in_two_bands_or_more(
    counts: list[int], min_group_size: int, expected: bool
) -> None:
    assert distribution_disclosable(counts, min_group_size=min_group_size) is expected


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parents", "min_group_size", "message"),
    [
        (
            {"org": None, "team": "orgg"},
            5,
            "parents: the parent 'orgg' of unit 'team' is not a unit of the tree",
        ),
        ({"x": "y", "y": "z", "z": "y"}, 5, "parents: unit 'y' is on a cycle ('y' → 'z' → 'y')"),
        ({"org": None}, 0, "min_group_size: 0 is below 1"),
        ({"org": None}, 5.0, "min_group_size: 5.0 is not an int"),
        ({"org": None}, True, "min_group_size: True is not an int"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_the_reason(
    parents: Tree, min_group_size: int, message: str
) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        decide(cells_of({"org": 5}), parents=parents, min_group_size=min_group_size)


def test_bad_respondents_are_refused_naming_the_field() -> None:
    cells = cells_of({"a": 5})
    with pytest.raises(ValueError, match=r"^cells: every respondent needs a cell"):
        decide(pd.Series(["a", None]), min_group_size=2)
    with pytest.raises(ValueError, match=r"^scored: must have the index of cells$"):
        decide(cells, min_group_size=2, scored=pd.DataFrame({"HA": [True]}, index=[9]))
    with pytest.raises(ValueError, match=r"^scored\['HA'\]: must be boolean"):
        decide(cells, min_group_size=2, scored=pd.DataFrame({"HA": [1.0] * 5}))
    with pytest.raises(ValueError, match="index of the respondents"):
        decide(cells, min_group_size=2).published_scores(pd.DataFrame({"HA": [1.0]}))


def test_asking_about_a_unit_outside_the_chart_is_a_key_error_naming_it() -> None:
    d = decide(cells_of({"org": 5}), min_group_size=5)
    for method in (d.label, d.is_team_shown, d.in_group):
        with pytest.raises(UnknownUnitError, match="unit 'nowhere' is not a unit of the tree"):
            method("nowhere")
    assert issubclass(UnknownUnitError, KeyError)


def test_a_decision_cannot_be_changed_after_the_fact() -> None:
    d = decide(cells_of({"org": 5}), min_group_size=5)
    with pytest.raises(TypeError):
        d.parents["org"] = "x"  # type: ignore[index]
