"""The rules an organisation chart keeps, checked wherever a unit is written: created, imported
or edited. Pure functions over the chart; the use cases in ``org_chart`` and ``campaigns`` read
and write the units.

The rules:

- **One root, the organisation.** A unit without a parent is the root, of kind
  ``organisation``, and an organisation has one. A chart of a single unit is the exception: that
  unit may be of any kind (a small organisation, or a test, may start with one team and nothing
  around it), and the chart grows once an organisation is put at its root.
- **Kinds in order**, organisation > department > team: the organisation has no parent; a
  department's parent is the organisation or a department; a team's parent is a department or
  the organisation; a team has no units under it.
- **Archived units are out of the chart**: they break no rule and count for none; no unit is
  written under one.

A write is checked on the units it writes (and on the units right under them), not on the whole
chart: a chart stored before these rules may break them elsewhere (two roots, a team with units
under it), and it stays readable and mendable one unit at a time. So an organisation whose only
root is a team (the lone team above, grown before the rules) may be given an organisation at
the root, and its team moved under it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from api.store.models import Unit, UnitKind

MOST_NAMED = 5
"""How many units a reason names before it says how many more there are."""


@dataclass(frozen=True)
class ChartUnit:
    """A unit as the rules see it: its kind, the key of its parent (None at the root) and how a
    reason names it."""

    kind: UnitKind
    parent: str | None
    label: str


@dataclass(frozen=True)
class Breach:
    """A rule a written unit breaks: ``field`` says whether its parent or its kind is at fault."""

    key: str
    field: Literal["parent", "kind"]
    reason: str


def breaches(chart: Mapping[str, ChartUnit], *, written: Sequence[str]) -> list[Breach]:
    """Every rule the ``written`` units of ``chart`` break, in the order they were written.

    ``chart`` is the organisation's chart as it would be after the write, archived units left
    out. A written unit whose parent is not in ``chart`` (an unknown or refused parent, reported
    on its own) is not checked."""
    checked = set(written)
    children: dict[str, list[str]] = {}
    for key, unit in chart.items():
        if unit.parent is not None:
            children.setdefault(unit.parent, []).append(key)
    # An organisation at the root that this write leaves as it is keeps its place.
    root = next(
        (
            key
            for key, unit in chart.items()
            if unit.parent is None and unit.kind == UnitKind.organisation and key not in checked
        ),
        None,
    )
    found: list[Breach] = []
    for key in written:
        unit = chart[key]
        if unit.parent is None:
            breach, root = _root_breach(chart, key, root=root)
        elif unit.parent in chart:
            breach = _parent_breach(unit, chart[unit.parent], key)
        else:
            continue
        if breach is not None:
            found.append(breach)
        below = [chart[c].label for c in children.get(key, ()) if c not in checked]
        if unit.kind == UnitKind.team and below:
            verb = "is" if len(below) == 1 else "are"
            found.append(
                Breach(
                    key,
                    "kind",
                    f"a team has no units under it, and {named(below)} {verb} under this unit",
                )
            )
    return found


def _root_breach(
    chart: Mapping[str, ChartUnit], key: str, *, root: str | None
) -> tuple[Breach | None, str | None]:
    unit = chart[key]
    if len(chart) == 1:
        return None, root
    if unit.kind != UnitKind.organisation:
        reason = f"a {unit.kind} needs a parent: only the organisation, at the root, has none"
        return Breach(key, "parent", reason), root
    if root is not None and root != key:
        reason = f"the chart has its root already, {chart[root].label}: an organisation has one"
        return Breach(key, "parent", reason), root
    return None, key


def _parent_breach(unit: ChartUnit, parent: ChartUnit, key: str) -> Breach | None:
    if unit.kind == UnitKind.organisation:
        return Breach(key, "parent", "an organisation is the root of the chart: it has no parent")
    if parent.kind == UnitKind.team:
        return Breach(key, "parent", f"{parent.label} is a team: a team has no units under it")
    return None


def named(labels: Sequence[str]) -> str:
    """Labels joined for a reason, the first few only."""
    shown = ", ".join(labels[:MOST_NAMED])
    more = len(labels) - MOST_NAMED
    return shown if more <= 0 else f"{shown} and {more} more"


def stored_chart(units: Iterable[Unit], *, label: str = "name") -> dict[str, ChartUnit]:
    """The stored units that are not archived, keyed by ``unit_key``; each named by its name and
    id, or with ``label="external_id"`` by its external id where it has one."""
    return {
        unit_key(u.id): ChartUnit(
            kind=UnitKind(u.kind),
            parent=None if u.parent_id is None else unit_key(u.parent_id),
            label=unit_label(u, label=label),
        )
        for u in units
        if u.archived_at is None and u.id is not None
    }


def unit_key(unit_id: int | None) -> str:
    return f"unit:{unit_id}"


def unit_label(unit: Unit, *, label: str = "name") -> str:
    if label == "external_id" and unit.external_id is not None:
        return repr(unit.external_id)
    return f"{unit.name!r} (unit {unit.id})"


def under(parents: Mapping[int, int | None], unit_id: int) -> set[int]:
    """Every unit below ``unit_id`` (its children, theirs, and so on), not the unit itself."""
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found: set[int] = set()
    stack = list(children.get(unit_id, ()))
    while stack:
        child = stack.pop()
        if child not in found:
            found.add(child)
            stack.extend(children.get(child, ()))
    return found


def with_teams_under(units: Sequence[Unit], unit_ids: Sequence[int]) -> list[int]:
    """The units a campaign over ``unit_ids`` takes part with: each unit given (its own staff
    may be invited: a department's head, the organisation's own people), and every team under
    it that is not archived, as the chart is now (a team added later joins no campaign by
    itself). In the order given, each team after the unit that brought it, no unit twice."""
    parents = {u.id: u.parent_id for u in units if u.id is not None}
    teams = {
        u.id
        for u in units
        if u.id is not None and u.kind == UnitKind.team and u.archived_at is None
    }
    chosen: dict[int, None] = {}
    for unit_id in unit_ids:
        chosen[unit_id] = None
        chosen.update(dict.fromkeys(sorted(under(parents, unit_id) & teams)))
    return list(chosen)
