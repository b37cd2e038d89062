"""An organisation chart read from a file, against the chart stored: what it adds and changes,
every rule it breaks by row, and the order to write it in. Pure: ``org_chart.import_chart``
reads the stored units and writes the plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from api.services.chart_rules import ChartUnit, breaches, stored_chart, unit_key
from api.services.errors import FieldError
from api.store.models import Unit, UnitKind, UnitPublic, a_report_language


class UnitImportRow(BaseModel):
    """A row of an organisation chart: units refer to their parent by the org's own ids.

    A row whose ``external_id`` is a stored unit's updates that unit (its name, kind, parent
    and report language); ``kind`` left out keeps a stored unit's kind, and makes a new unit a
    team; ``report_language`` left out keeps a stored unit's, and leaves a new unit's unset
    (its respondents' own)."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    external_id: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    kind: UnitKind | None = None
    parent_external_id: str | None = None
    report_language: str | None = Field(default=None, max_length=10)

    _language = field_validator("report_language")(a_report_language)
    _line: int | None = PrivateAttr(default=None)

    @classmethod
    def from_line(cls, values: dict[str, Any], line: int) -> UnitImportRow:
        """The row of a file's ``line`` (as a spreadsheet numbers it): errors about it name
        that line, whatever the blank lines before it."""
        row = cls.model_validate(values)
        row._line = line
        return row

    @property
    def line(self) -> int | None:
        """The file's line the row was read from; None for a row that came from no file."""
        return self._line


class UnitBefore(BaseModel):
    """A stored unit as it was before the import."""

    name: str
    kind: UnitKind
    parent_id: int | None
    parent_external_id: str | None = Field(
        description="The parent's external id; none at the root, or for a parent without one."
    )
    report_language: str | None = Field(
        default=None, description="The unit's report language; none: its respondents' own."
    )


class UnitImportLine(BaseModel):
    """A row of the file, as it adds or changes a unit."""

    row: int = Field(description="The row's number in the file (a spreadsheet's, header first).")
    external_id: str
    unit_id: int | None = Field(description="The unit's id; none for a unit a preview would add.")
    name: str
    kind: UnitKind
    parent_external_id: str | None
    report_language: str | None = Field(
        default=None,
        description="The unit's report language once imported; none: its respondents' own.",
    )
    before: UnitBefore | None = Field(description="The stored unit; none for a unit added.")


class ImportCounts(BaseModel):
    added: int
    renamed: int
    moved: int
    kind_changed: int
    report_language_changed: int = 0
    unchanged: int
    left_alone: int


class ImportProblem(BaseModel):
    field: str = Field(description="``rows[<row>].<column>``, or ``rows`` for a cycle.")
    reason: str


class UnitImport(BaseModel):
    """What an import of an org chart changes: stored, or only previewed.

    A row whose ``external_id`` is a stored unit's updates that unit; other rows add units;
    units of the organisation that the file does not name are left as they are (``left_alone``):
    a file need not hold the whole chart, and an import removes nothing. A unit renamed and
    moved is listed under both."""

    stored: bool = Field(description="False for a preview: nothing was written.")
    counts: ImportCounts
    added: list[UnitImportLine]
    renamed: list[UnitImportLine]
    moved: list[UnitImportLine]
    kind_changed: list[UnitImportLine]
    report_language_changed: list[UnitImportLine] = Field(default_factory=list)
    unchanged: list[UnitImportLine]
    left_alone: list[UnitPublic] = Field(
        description="The organisation's units the file does not name (archived ones aside):"
        " left as they are."
    )
    errors: list[ImportProblem] = Field(
        description="Every problem by row (a preview's; an import with problems is refused"
        " with them, 422, and stores nothing)."
    )
    units: list[UnitPublic] = Field(
        description="The file's units as stored, in the file's order; none for a preview."
    )


@dataclass
class ImportPlan:
    """The file against the stored chart: its lines, its errors, and the order to write it in
    (the rows' indices, each parent before its children; only once there are no errors)."""

    lines: list[UnitImportLine]
    errors: list[FieldError]
    stored: dict[str, Unit]
    """The organisation's units by external id, archived ones included."""
    left_alone: list[Unit]
    order: list[int] = field(default_factory=list)

    def outcome(self, *, stored: bool, units: Sequence[Unit] = ()) -> UnitImport:
        """The plan as the API answers it; ``units``: the file's units once stored."""
        ids = {u.external_id: u.id for u in units}
        lines = [
            x if x.unit_id is not None else x.model_copy(update={"unit_id": ids.get(x.external_id)})
            for x in self.lines
        ]
        renamed = [x for x in lines if x.before and x.before.name != x.name]
        moved = [x for x in lines if _moved(x, self.stored)]
        kinds = [x for x in lines if x.before and x.before.kind != x.kind]
        languages = [x for x in lines if x.before and x.before.report_language != x.report_language]
        changed = {x.row for x in renamed + moved + kinds + languages}
        added = [x for x in lines if x.before is None]
        unchanged = [x for x in lines if x.before and x.row not in changed]
        return UnitImport(
            stored=stored,
            counts=ImportCounts(
                added=len(added),
                renamed=len(renamed),
                moved=len(moved),
                kind_changed=len(kinds),
                report_language_changed=len(languages),
                unchanged=len(unchanged),
                left_alone=len(self.left_alone),
            ),
            added=added,
            renamed=renamed,
            moved=moved,
            kind_changed=kinds,
            report_language_changed=languages,
            unchanged=unchanged,
            left_alone=[_public(u) for u in self.left_alone],
            errors=[ImportProblem(field=e.field, reason=e.reason) for e in self.errors],
            units=[_public(u) for u in units],
        )


@dataclass
class _Rows:
    """The file's rows by external id, each the first row with its id."""

    rows: Sequence[UnitImportRow]
    first_row: int
    index_of: dict[str, int] = field(default_factory=dict)
    unresolved: set[int] = field(default_factory=set)

    def number(self, index: int) -> int:
        """The row's number in errors: its file's line, else its place from ``first_row``."""
        line = self.rows[index].line
        return index + self.first_row if line is None else line


def plan_import(
    units: Sequence[Unit], rows: Sequence[UnitImportRow], *, first_row: int
) -> ImportPlan:
    """Read ``rows`` against the organisation's stored ``units``.

    Errors number the rows from ``first_row``: an id used twice in the file or by an archived
    unit, an unknown or archived parent, a cycle (through the file or the stored chart), and
    every rule of ``chart_rules`` that a row breaks. Rows are listed in row order, cycles
    last."""
    stored = {u.external_id: u for u in units if u.external_id is not None}
    file = _Rows(rows, first_row)
    errors = _id_errors(file, stored) + _parent_errors(file, stored)
    keys = {
        index: unit_key(stored[ext].id) if ext in stored else f"row:{index}"
        for ext, index in file.index_of.items()
    }
    chart, reshaped = _chart_after(units, file, stored, keys)
    paths = {key: _path_name(u) for key, u in _by_key(units).items()}
    paths.update({keys[index]: ext for ext, index in file.index_of.items()})
    cycles, looped = _cycles(chart, keys, paths, file)
    rows_of = {key: index for index, key in keys.items()}
    for breach in breaches(chart, written=[k for k in reshaped if k not in looped]):
        column = "parent_external_id" if breach.field == "parent" else "kind"
        number = file.number(rows_of[breach.key])
        errors.append(FieldError(f"rows[{number}].{column}", breach.reason))
    errors.sort(key=lambda e: _row_of(e.field))
    named = set(file.index_of)
    plan = ImportPlan(
        lines=_lines(file, stored, units),
        errors=errors + cycles,
        stored=stored,
        left_alone=[
            u
            for u in units
            if u.archived_at is None and (u.external_id is None or u.external_id not in named)
        ],
    )
    if not plan.errors:
        plan.order = _parents_first(file)
    return plan


def _chart_after(
    units: Sequence[Unit], file: _Rows, stored: dict[str, Unit], keys: dict[int, str]
) -> tuple[dict[str, ChartUnit], list[str]]:
    """The chart as the file would leave it, and the keys of the rows that add a unit or give
    one another kind or parent, in row order: the rules are checked on those. A row renaming a
    unit, or restating it, leaves a chart stored before the rules as it is."""
    chart = stored_chart(units, label="external_id")
    reshaped: list[str] = []
    for ext, index in file.index_of.items():
        row, unit, key = file.rows[index], stored.get(ext), keys[index]
        if index in file.unresolved:
            continue  # its parent is reported; a stored unit keeps its place meanwhile
        parent = row.parent_external_id
        if not parent:
            parent_key = None
        elif parent in file.index_of:
            parent_key = keys[file.index_of[parent]]
        else:
            parent_key = unit_key(stored[parent].id)
        kind = row.kind or (UnitKind(unit.kind) if unit else UnitKind.team)
        chart[key] = ChartUnit(kind=kind, parent=parent_key, label=repr(ext))
        if unit is None or kind != unit.kind or parent_key != _parent_key(unit):
            reshaped.append(key)
    return chart, reshaped


def _parent_key(unit: Unit) -> str | None:
    return None if unit.parent_id is None else unit_key(unit.parent_id)


def _id_errors(file: _Rows, stored: dict[str, Unit]) -> list[FieldError]:
    errors: list[FieldError] = []
    for index, row in enumerate(file.rows):
        unit = stored.get(row.external_id)
        if row.external_id in file.index_of:
            reason = f"is already used by row {file.number(file.index_of[row.external_id])}"
        elif unit is not None and unit.archived_at is not None:
            reason = (
                f"is the id of unit {unit.id}, archived: an archived unit does not change;"
                " give a new unit an id of its own"
            )
        else:
            file.index_of[row.external_id] = index
            continue
        errors.append(
            FieldError(f"rows[{file.number(index)}].external_id", f"{row.external_id!r} {reason}")
        )
    return errors


def _parent_errors(file: _Rows, stored: dict[str, Unit]) -> list[FieldError]:
    errors: list[FieldError] = []
    for index, row in enumerate(file.rows):
        parent = row.parent_external_id
        if not parent or parent in file.index_of:
            continue
        unit = stored.get(parent)
        if unit is None:
            reason = f"unknown parent {parent!r}"
        elif unit.archived_at is not None:
            reason = f"{parent!r} is archived: no unit goes under an archived unit"
        else:
            continue
        errors.append(FieldError(f"rows[{file.number(index)}].parent_external_id", reason))
        file.unresolved.add(index)
    return errors


def _cycles(
    chart: dict[str, ChartUnit], keys: dict[int, str], paths: dict[str, str], file: _Rows
) -> tuple[list[FieldError], set[str]]:
    """Every cycle the file makes, through its rows and the stored units, as an error naming
    its rows; and the units in a cycle."""
    errors: list[FieldError] = []
    looped: set[str] = set()
    rows_of = {key: index for index, key in keys.items()}
    state: dict[str, str] = {}  # key -> "visiting" | "done"
    for index in file.index_of.values():
        path: list[str] = []
        node: str | None = keys[index]
        while node is not None and node in chart and state.get(node) != "done":
            if state.get(node) == "visiting":
                cycle = path[path.index(node) :]
                looped.update(cycle)
                numbers = ", ".join(str(file.number(rows_of[k])) for k in cycle if k in rows_of)
                names = " -> ".join(paths[k] for k in [*cycle, node])
                errors.append(FieldError("rows", f"rows {numbers} form a cycle: {names}"))
                break
            state[node] = "visiting"
            path.append(node)
            node = chart[node].parent
        for key in path:
            state[key] = "done"
    return errors, looped


def _lines(file: _Rows, stored: dict[str, Unit], units: Sequence[Unit]) -> list[UnitImportLine]:
    by_id = {u.id: u for u in units}
    lines: list[UnitImportLine] = []
    for ext, index in file.index_of.items():
        row, unit = file.rows[index], stored.get(ext)
        before = None
        if unit is not None:
            parent = by_id.get(unit.parent_id) if unit.parent_id is not None else None
            before = UnitBefore(
                name=unit.name,
                kind=UnitKind(unit.kind),
                parent_id=unit.parent_id,
                parent_external_id=None if parent is None else parent.external_id,
                report_language=unit.report_language,
            )
        lines.append(
            UnitImportLine(
                row=file.number(index),
                external_id=ext,
                unit_id=None if unit is None else unit.id,
                name=row.name,
                kind=row.kind or (before.kind if before else UnitKind.team),
                parent_external_id=row.parent_external_id,
                report_language=row.report_language or (before.report_language if before else None),
                before=before,
            )
        )
    return lines


def _moved(line: UnitImportLine, stored: dict[str, Unit]) -> bool:
    """Whether the line gives its stored unit another parent."""
    if line.before is None:
        return False
    parent = line.parent_external_id
    if not parent:
        return line.before.parent_id is not None
    unit = stored.get(parent)
    return unit is None or unit.id != line.before.parent_id


def _parents_first(file: _Rows) -> list[int]:
    """The rows' indices with every parent row before its children (a chart without cycles)."""
    order: list[int] = []
    done: set[str] = set()
    for start in file.index_of:
        path: list[str] = []
        node: str | None = start
        while node is not None and node in file.index_of and node not in done:
            path.append(node)
            node = file.rows[file.index_of[node]].parent_external_id
        for ext in reversed(path):
            done.add(ext)
            order.append(file.index_of[ext])
    return order


def _public(unit: Unit) -> UnitPublic:
    return UnitPublic.model_validate(unit, from_attributes=True)


def _by_key(units: Sequence[Unit]) -> dict[str, Unit]:
    return {unit_key(u.id): u for u in units if u.id is not None}


def _path_name(unit: Unit) -> str:
    return unit.external_id if unit.external_id is not None else f"unit {unit.id}"


def _row_of(field_name: str) -> int:
    """The row number in ``rows[<n>].<column>``."""
    return int(field_name.split("[", 1)[1].split("]", 1)[0])
