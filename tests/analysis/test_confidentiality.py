"""Primary and complementary suppression: hand-worked trees, a differencing attack, properties."""

from __future__ import annotations

import doctest
import itertools
import random
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import analysis.confidentiality
from analysis.confidentiality import (
    FRAME_COLUMNS,
    Disclosure,
    UnknownUnitError,
    disclose,
    disclosed_groups,
    distribution_disclosable,
    published_scores,
    shown_cells,
)

Tree = dict[str, str | None]
Counts = dict[str, int]


def subtree(parents: Mapping[str, str | None], unit: str) -> set[str]:
    """The unit and every unit below it, by brute force."""
    return {u for u in parents if unit in ancestors_or_self(parents, u)}


def ancestors_or_self(parents: Mapping[str, str | None], unit: str) -> list[str]:
    chain: list[str] = []
    step: str | None = unit
    while step is not None:
        chain.append(step)
        step = parents[step]
    return chain


def individuals(parents: Mapping[str, str | None], counts: Mapping[str, int]) -> list[str]:
    """One entry per respondent: the unit they are attached to."""
    return [unit for unit in sorted(parents) for _ in range(counts.get(unit, 0))]


def isolated_groups(
    parents: Mapping[str, str | None],
    counts: Mapping[str, int],
    *,
    published: Iterable[str],
    min_group_size: int,
) -> list[tuple[int, ...]]:
    """Every set of 1..k-1 respondents whose sum follows from the published groups' sums.

    A set's sum follows from the published sums exactly when its 0/1 indicator over the
    respondents lies in the row space of the published groups' indicators: then some linear
    combination of the published sums is that set's sum, whatever the answers are.
    """
    people = individuals(parents, counts)
    groups = [subtree(parents, unit) for unit in sorted(published)]
    if not people or not groups:
        return []
    rows = np.array([[person in group for person in people] for group in groups], dtype=float)
    # An orthonormal basis of the row space, from the right singular vectors.
    _, singular, vt = np.linalg.svd(rows, full_matrices=False)
    basis = vt[singular > 1e-9]
    found: list[tuple[int, ...]] = []
    for size in range(1, min(min_group_size, len(people) + 1)):
        subsets = np.array(list(itertools.combinations(range(len(people)), size)))
        indicators = np.zeros((len(subsets), len(people)))
        indicators[np.arange(len(subsets))[:, None], subsets] = 1.0
        leftover = indicators - (indicators @ basis.T) @ basis
        hits = np.linalg.norm(leftover, axis=1) < 1e-9
        found.extend(tuple(int(p) for p in subset) for subset in subsets[hits])
    return found


def primary_only(parents: Mapping[str, str | None], counts: Mapping[str, int], k: int) -> set[str]:
    """The units a rule without complementary suppression would publish."""
    people = individuals(parents, counts)
    return {u for u in parents if sum(p in subtree(parents, u) for p in people) >= k}


def random_tree(rng: random.Random, *, max_respondents: int) -> tuple[Tree, Counts]:
    """A small forest with shuffled ids, respondents on any unit, at most max_respondents."""
    n_units = rng.randint(1, 9)
    names = [f"u{i}" for i in rng.sample(range(20), n_units)]
    parents: Tree = {names[0]: None}
    for position in range(1, n_units):
        is_root = rng.random() < 0.1
        parents[names[position]] = None if is_root else names[rng.randrange(position)]
    counts: Counts = {}
    budget = max_respondents
    for name in rng.sample(names, n_units):
        counts[name] = rng.randint(0, min(budget, 7)) if rng.random() < 0.7 else 0
        budget -= counts[name]
    return parents, counts


# Hand-worked examples ---------------------------------------------------------------------


def test_two_equal_teams_beside_a_small_one_lose_the_one_with_the_smaller_id() -> None:
    # A(10), B(10), C(3) under the organisation: C's sum is 23·org − 10·A − 10·B unless one
    # of A and B is withheld too. Both have total 10 and a positive residual: the tie goes to
    # the smaller id, A, and only A+C (13 respondents) can be recovered.
    parents: Tree = {"org": None, "A": "org", "B": "org", "C": "org"}
    d = disclose(parents, {"A": 10, "B": 10, "C": 3}, min_group_size=5)
    assert d.shown == {"org", "B"}
    assert dict(d.reasons) == {"A": "complementary", "C": "below_minimum"}
    assert d.residual("org") == 13
    assert d.label("A") == d.label("C") == "org"
    assert (
        isolated_groups(parents, {"A": 10, "B": 10, "C": 3}, published=d.shown, min_group_size=5)
        == []
    )


def test_a_small_team_takes_its_sister_team_with_it_but_not_its_department() -> None:
    parents: Tree = {"org": None, "care": "org", "ward1": "care", "ward2": "care", "admin": "org"}
    counts = {"ward1": 8, "ward2": 2, "admin": 20}
    d = disclose(parents, counts, min_group_size=5)
    assert d.shown == {"org", "care", "admin"}
    assert d.reason("ward2") == "below_minimum"
    # care minus ward1 would be ward2: ward1 goes, care keeps its 10.
    assert d.reason("ward1") == "complementary"
    assert (d.residual("care"), d.residual("admin"), d.residual("org")) == (10, 20, 0)
    assert d.label("ward1") == d.label("ward2") == "care"


def test_own_respondents_of_a_unit_cover_its_small_child() -> None:
    parents: Tree = {"dept": None, "team": "dept"}
    d = disclose(parents, {"dept": 8, "team": 2}, min_group_size=5)
    assert d.shown == {"dept"}
    assert dict(d.reasons) == {"team": "below_minimum"}
    assert d.residual("dept") == 10


def test_hiding_walks_down_past_a_descendant_with_no_residual() -> None:
    # org has 3 respondents of its own; its departments d (12 = 6 + 6) and e (20 = 10 + 10)
    # have none, so both have residual 0. The smaller, d, is withheld; its teams then sit
    # directly under org, and the smaller id of the two teams of 6, t1, is withheld too.
    parents: Tree = {
        "org": None,
        "d": "org",
        "e": "org",
        "t1": "d",
        "t2": "d",
        "t3": "e",
        "t4": "e",
    }
    counts = {"org": 3, "t1": 6, "t2": 6, "t3": 10, "t4": 10}
    d = disclose(parents, counts, min_group_size=5)
    assert d.shown == {"org", "t2", "e", "t3", "t4"}
    assert dict(d.reasons) == {"d": "complementary", "t1": "complementary"}
    assert d.residual("org") == 9
    assert d.residual("d") == 6  # t1's 6; t2 is shown
    assert d.label("t1") == "org"
    assert isolated_groups(parents, counts, published=d.shown, min_group_size=5) == []


def test_a_descendant_with_respondents_of_its_own_goes_before_a_smaller_one_without() -> None:
    # org has 2 of its own. d (10 = 5 + 5) is smaller than x (12) but withholding d frees no
    # respondent: x goes, and d and its teams stay.
    parents: Tree = {"org": None, "d": "org", "t1": "d", "t2": "d", "x": "org"}
    d = disclose(parents, {"org": 2, "t1": 5, "t2": 5, "x": 12}, min_group_size=5)
    assert d.shown == {"org", "d", "t1", "t2"}
    assert dict(d.reasons) == {"x": "complementary"}
    assert d.residual("org") == 14


def test_the_complement_is_the_smallest_group_not_the_smallest_residual() -> None:
    # Beside org's own respondent: p (12, residual 6 beside its shown child), q (8), r (20).
    # q is the smallest group; p would free fewer respondents, r more.
    parents: Tree = {"org": None, "p": "org", "pc": "p", "q": "org", "r": "org"}
    d = disclose(parents, {"org": 1, "p": 6, "pc": 6, "q": 8, "r": 20}, min_group_size=5)
    assert dict(d.reasons) == {"q": "complementary"}
    assert d.residual("org") == 9


def test_ties_go_to_the_smallest_id_whatever_the_order_given() -> None:
    parents: Tree = {"org": None, "zeta": "org", "alpha": "org", "mid": "org", "tiny": "org"}
    counts = {"zeta": 7, "mid": 7, "alpha": 7, "tiny": 1}
    d = disclose(parents, counts, min_group_size=5)
    assert dict(d.reasons) == {"alpha": "complementary", "tiny": "below_minimum"}


def test_units_without_respondents_are_neither_shown_nor_given_a_reason() -> None:
    parents: Tree = {"org": None, "empty": "org", "nested": "empty", "team": "org"}
    d = disclose(parents, {"team": 7, "nested": 0}, min_group_size=5)
    assert d.shown == {"org", "team"}
    assert dict(d.reasons) == {}
    assert (d.totals["empty"], d.reason("empty"), d.residual("empty")) == (0, None, 0)
    assert d.label("nested") == "org"


def test_a_tree_too_small_everywhere_has_nothing_to_export() -> None:
    d = disclose({"org": None, "team": "org"}, {"team": 4}, min_group_size=5)
    assert d.shown == frozenset()
    assert dict(d.reasons) == {"org": "below_minimum", "team": "below_minimum"}
    assert d.label("team") is None


def test_the_frame_lists_every_unit_depth_first_with_its_counts_and_decision() -> None:
    # org's own respondent would be a residual of 1 beside a (8): a is withheld for it.
    parents: Tree = {"org": None, "b": "org", "a": "org", "c": "a"}
    frame = disclose(parents, {"org": 1, "a": 6, "c": 2}, min_group_size=5).to_frame()
    assert tuple(frame.columns) == FRAME_COLUMNS
    assert frame.to_dict("records") == [
        {"unit": "org", "parent": None, "own": 1, "total": 9, "residual": 9, "shown": True,
         "reason": None},
        {"unit": "a", "parent": "org", "own": 6, "total": 8, "residual": 8, "shown": False,
         "reason": "complementary"},
        {"unit": "c", "parent": "a", "own": 2, "total": 2, "residual": 2, "shown": False,
         "reason": "below_minimum"},
        {"unit": "b", "parent": "org", "own": 0, "total": 0, "residual": 0, "shown": False,
         "reason": None},
    ]  # fmt: skip
    assert frame["own"].dtype == np.int64
    assert frame["shown"].dtype == bool


def test_the_docstring_examples_run() -> None:
    outcome = doctest.testmod(analysis.confidentiality, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert outcome.attempted > 0
    assert outcome.failed == 0


# The differencing attack -----------------------------------------------------------------


def test_primary_suppression_alone_lets_a_subtraction_isolate_the_small_team() -> None:
    # Respondents 0-5 are in A, 6-11 in B, 12-14 in C: org − A − B is C's sum.
    parents: Tree = {"org": None, "A": "org", "B": "org", "C": "org"}
    counts = {"A": 6, "B": 6, "C": 3}
    naive = primary_only(parents, counts, 5)
    assert naive == {"org", "A", "B"}
    assert isolated_groups(parents, counts, published=naive, min_group_size=5) == [(12, 13, 14)]
    d = disclose(parents, counts, min_group_size=5)
    assert isolated_groups(parents, counts, published=d.shown, min_group_size=5) == []


def test_primary_suppression_alone_exposes_a_unit_s_own_respondents_two_levels_up() -> None:
    parents: Tree = {"org": None, "d": "org", "t1": "d", "t2": "d"}
    counts = {"org": 2, "t1": 6, "t2": 6}
    naive = primary_only(parents, counts, 5)
    assert isolated_groups(parents, counts, published=naive, min_group_size=5) == [(0, 1)]
    d = disclose(parents, counts, min_group_size=5)
    assert d.shown == {"org", "t2"}
    assert isolated_groups(parents, counts, published=d.shown, min_group_size=5) == []


def test_no_published_figures_isolate_fewer_than_k_respondents_in_random_organisations() -> None:
    rng = random.Random(20270401)
    exposed_without_complements = 0
    for _ in range(500):
        parents, counts = random_tree(rng, max_respondents=16)
        k = rng.randint(2, 5)
        d = disclose(parents, counts, min_group_size=k)
        leaks = isolated_groups(parents, counts, published=d.shown, min_group_size=k)
        assert leaks == [], (parents, counts, k)
        naive = primary_only(parents, counts, k)
        exposed = bool(isolated_groups(parents, counts, published=naive, min_group_size=k))
        # Complementary suppression is at work exactly where primary suppression leaks.
        assert exposed == ("complementary" in d.reasons.values()), (parents, counts, k)
        exposed_without_complements += exposed
    # The trees must put the rule to work: many of them leak without complementary suppression.
    assert exposed_without_complements >= 50


# Properties on random trees --------------------------------------------------------------


@st.composite
def trees(draw: st.DrawFn) -> tuple[Tree, Counts, int]:
    """A forest of 1-25 units with ids in no relation to the tree, counts, and k."""
    n_units = draw(st.integers(1, 25))
    names = draw(st.permutations([f"u{i:02d}" for i in range(n_units)]))
    parents: Tree = {names[0]: None}
    for position in range(1, n_units):
        parent = draw(st.integers(-1, position - 1))
        parents[names[position]] = None if parent < 0 else names[parent]
    counts: Counts = {}
    for name in names:
        count = draw(st.integers(0, 12))
        if count or draw(st.booleans()):
            counts[name] = count
    return parents, counts, draw(st.integers(1, 7))


@given(trees())
def test_totals_count_every_respondent_of_the_subtree(case: tuple[Tree, Counts, int]) -> None:
    parents, counts, k = case
    d = disclose(parents, counts, min_group_size=k)
    for unit in parents:
        assert d.totals[unit] == sum(counts.get(u, 0) for u in subtree(parents, unit))


@given(trees())
def test_every_shown_unit_is_large_enough_and_leaves_zero_or_at_least_k(
    case: tuple[Tree, Counts, int],
) -> None:
    parents, counts, k = case
    d = disclose(parents, counts, min_group_size=k)
    for unit in d.shown:
        assert d.totals[unit] >= k
        assert d.residual(unit) == 0 or d.residual(unit) >= k
        inside_shown_below = set().union(
            *(subtree(parents, u) for u in d.shown if u != unit and u in subtree(parents, unit))
        )
        residual_units = subtree(parents, unit) - inside_shown_below
        assert d.residual(unit) == sum(counts.get(u, 0) for u in residual_units)


@given(trees())
def test_withheld_units_with_respondents_say_why_and_below_minimum_means_too_small(
    case: tuple[Tree, Counts, int],
) -> None:
    parents, counts, k = case
    d = disclose(parents, counts, min_group_size=k)
    assert set(d.reasons) == {u for u in parents if u not in d.shown and d.totals[u] > 0}
    for unit in parents:
        assert (d.reason(unit) == "below_minimum") == (0 < d.totals[unit] < k)
        assert d.is_shown(unit) == (unit in d.shown)


@given(trees())
def test_a_label_is_the_nearest_shown_ancestor_or_self_and_holds_its_residual(
    case: tuple[Tree, Counts, int],
) -> None:
    parents, counts, k = case
    d = disclose(parents, counts, min_group_size=k)
    exported = dict.fromkeys(d.shown, 0)
    for unit in parents:
        shown_above = [u for u in ancestors_or_self(parents, unit) if u in d.shown]
        assert d.label(unit) == (shown_above[0] if shown_above else None)
        label = d.label(unit)
        if label is not None:
            exported[label] += counts.get(unit, 0)
    assert exported == {unit: d.residual(unit) for unit in d.shown}


@given(trees(), st.randoms(use_true_random=False))
def test_the_decision_does_not_depend_on_the_order_of_the_mappings(
    case: tuple[Tree, Counts, int], shuffler: random.Random
) -> None:
    parents, counts, k = case
    shuffled_parents = dict(shuffler.sample(list(parents.items()), len(parents)))
    shuffled_counts = dict(shuffler.sample(list(counts.items()), len(counts)))
    first = disclose(parents, counts, min_group_size=k)
    second = disclose(shuffled_parents, shuffled_counts, min_group_size=k)
    assert first == second
    assert first.to_frame().equals(second.to_frame())


# Item distributions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "min_group_size", "expected"),
    [
        ([0, 2, 3, 0], 5, True),
        ([0, 0, 7, 0], 5, False),  # everyone in one band: each member's answer is known
        ([1, 1, 1, 1], 5, False),  # four answers, below the minimum
        ([4, 1], 5, True),
        ([], 5, False),
        ([5], 5, False),
        (np.array([3, 3], dtype=np.int64), 5, True),
        ([1, 0], 1, False),
        ([1, 1], 1, True),
    ],
)
def test_a_distribution_needs_k_answers_in_two_bands_or_more(
    counts: list[int], min_group_size: int, expected: bool
) -> None:
    assert distribution_disclosable(counts, min_group_size=min_group_size) is expected


@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=7),
    st.integers(1, 7),
)
@settings(max_examples=200)
def test_two_disclosable_distributions_add_up_to_a_disclosable_one(
    bands: list[tuple[int, int]], k: int
) -> None:
    # Why checking the residual sets is enough: a union of them is disclosable too.
    first, second = [b[0] for b in bands], [b[1] for b in bands]
    if distribution_disclosable(first, min_group_size=k) and distribution_disclosable(
        second, min_group_size=k
    ):
        union = [a + b for a, b in bands]
        assert distribution_disclosable(union, min_group_size=k)


# Bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parents", "counts", "min_group_size", "message"),
    [
        ({"org": None}, {"ghost": 3}, 5, "counts: unit 'ghost' is not in parents"),
        (
            {"org": None, "team": "orgg"},
            {},
            5,
            "parents: the parent 'orgg' of unit 'team' is not a unit of the tree",
        ),
        ({1: None}, {}, 5, "parents: unit 1 is not a str"),
        (
            {"x": "y", "y": "z", "z": "y"},
            {},
            5,
            "parents: unit 'y' is on a cycle ('y' → 'z' → 'y')",
        ),
        ({"self": "self"}, {}, 5, "parents: unit 'self' is on a cycle ('self' → 'self')"),
        ({"org": None}, {"org": -1}, 5, "counts['org']: -1 is negative"),
        ({"org": None}, {"org": 2.0}, 5, "counts['org']: 2.0 is not an int"),
        ({"org": None}, {"org": "3"}, 5, "counts['org']: '3' is not an int"),
        ({"org": None}, {"org": True}, 5, "counts['org']: True is not an int"),
        ({"org": None}, {"org": np.True_}, 5, "counts['org']: np.True_ is not an int"),
        ({"org": None}, {}, 0, "min_group_size: 0 is below 1"),
        ({"org": None}, {}, 5.0, "min_group_size: 5.0 is not an int"),
        ({"org": None}, {}, True, "min_group_size: True is not an int"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_the_reason(
    parents: Tree, counts: Counts, min_group_size: int, message: str
) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        disclose(parents, counts, min_group_size=min_group_size)


def test_numpy_integer_counts_are_counts() -> None:
    counts: dict[str, object] = {"org": np.int64(5)}
    d = disclose({"org": None}, counts, min_group_size=np.int64(5))  # type: ignore[arg-type]
    assert d.shown == {"org"}
    assert type(d.totals["org"]) is int


@pytest.mark.parametrize(
    ("counts", "min_group_size", "message"),
    [
        ([3, -1], 5, "counts[1]: -1 is negative"),
        ([3, 1.5], 5, "counts[1]: 1.5 is not an int"),
        ([3, 3], 0, "min_group_size: 0 is below 1"),
    ],
)
def test_bad_distributions_are_refused_naming_the_band(
    counts: list[int], min_group_size: int, message: str
) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        distribution_disclosable(counts, min_group_size=min_group_size)


@pytest.mark.parametrize("method", ["is_shown", "reason", "residual", "label"])
def test_asking_about_a_unit_outside_the_tree_is_a_key_error_naming_it(method: str) -> None:
    d = disclose({"org": None}, {"org": 5}, min_group_size=5)
    with pytest.raises(UnknownUnitError, match="unit 'nowhere' is not a unit of the tree"):
        getattr(d, method)("nowhere")
    assert issubclass(UnknownUnitError, KeyError)


def test_a_disclosure_cannot_be_changed_after_the_fact() -> None:
    d = disclose({"org": None}, {"org": 5}, min_group_size=5)
    assert isinstance(d, Disclosure)
    with pytest.raises(TypeError):
        d.totals["org"] = 1  # type: ignore[index]


# -- teams published side by side, and the figures that pool them ---------------------------------


def test_shown_cells_apply_the_minimum_per_team_and_per_score() -> None:
    teams = pd.Series(["a"] * 6 + ["b"] * 5 + ["c"] * 2)
    scores = pd.DataFrame({"HA": np.arange(13.0), "VA": np.arange(13.0)})
    scores.loc[6, "VA"] = np.nan  # b has 4 VA scores
    cells = shown_cells(scores, teams=teams, min_group_size=5)
    assert cells.to_dict("index") == {
        "a": {"HA": True, "VA": True},
        "b": {"HA": True, "VA": False},
        "c": {"HA": False, "VA": False},
    }
    only_a = shown_cells(scores, teams=teams, min_group_size=5, eligible=pd.Series(["a"]))
    assert only_a.loc["b"].tolist() == [False, False]
    assert disclosed_groups(
        pd.Series([6, 5, 2], index=["a", "b", "c"]), min_group_size=5
    ).tolist() == [
        True,
        True,
        False,
    ]


def test_published_scores_keep_the_shown_cells_only() -> None:
    teams = pd.Series(["a"] * 6 + ["b"] * 5 + ["c"] * 2)
    scores = pd.DataFrame({"HA": np.arange(13.0), "VA": np.arange(13.0)})
    scores.loc[6, "VA"] = np.nan
    published = published_scores(
        scores, teams=teams, shown=shown_cells(scores, teams=teams, min_group_size=5)
    )
    assert published["HA"].notna().tolist() == [True] * 11 + [False] * 2
    assert published["VA"].notna().sum() == 6
    # The pooled figure is exactly the union of the shown cells: nothing left to subtract.
    assert published["HA"].sum() == scores["HA"].iloc[:11].sum()
    assert scores["HA"].iloc[0] == published["HA"].iloc[0]


@settings(max_examples=200, deadline=None)
@given(
    counts=st.lists(st.integers(min_value=0, max_value=12), min_size=0, max_size=30),
    k=st.integers(min_value=1, max_value=8),
)
def test_groups_side_by_side_are_decided_as_disclose_decides(counts: list[int], k: int) -> None:
    keys = [f"team-{i}" for i in range(len(counts))]
    series = pd.Series(counts, index=keys, dtype="int64")
    disclosure = disclose(
        dict.fromkeys(keys), dict(zip(keys, counts, strict=True)), min_group_size=k
    )
    assert disclosed_groups(series, min_group_size=k).tolist() == [
        disclosure.is_shown(key) for key in keys
    ]


def test_groups_side_by_side_refuse_what_is_not_a_count() -> None:
    with pytest.raises(ValueError, match="counts\\['b'\\]: -1 is not a count"):
        disclosed_groups(pd.Series([3, -1], index=["a", "b"]), min_group_size=2)
    with pytest.raises(ValueError, match="min_group_size"):
        disclosed_groups(pd.Series([3], index=["a"]), min_group_size=0)
