"""The organisation chart: units, imported as a tree or added one at a time.

Each function is one use case and one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from api.services.campaigns import require_organisation
from api.services.errors import FieldError, ValidationFailed
from api.store import repositories as repo
from api.store.models import Unit, UnitCreate, UnitKind


class UnitImportRow(BaseModel):
    """A row of an organisation chart: units refer to their parent by the org's own ids."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    external_id: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    kind: UnitKind = UnitKind.team
    parent_external_id: str | None = None


def import_units(
    session: Session, *, organisation_id: int, rows: Sequence[UnitImportRow], first_row: int = 1
) -> list[Unit]:
    """Add an organisation chart; parents may come later in ``rows`` or exist already.

    Errors number the rows from ``first_row`` (2 for a CSV file with a header line, so that the
    numbers are the spreadsheet's). A duplicate id, an unknown parent or a cycle refuses the
    whole import.
    """
    with session.begin():
        require_organisation(session, organisation_id)
        existing = {
            u.external_id: u
            for u in repo.list_units(session, organisation_id=organisation_id)
            if u.external_id is not None
        }
        order = _unit_import_order(rows, existing=set(existing), first_row=first_row)
        created: list[Unit] = []
        by_external = dict(existing)
        for index in order:
            row = rows[index]
            parent = by_external[row.parent_external_id] if row.parent_external_id else None
            unit = Unit(
                organisation_id=organisation_id,
                parent_id=parent.id if parent else None,
                external_id=row.external_id,
                name=row.name,
                kind=row.kind,
            )
            repo.add(session, unit)
            by_external[row.external_id] = unit
            created.append(unit)
        return created


def _unit_import_order(
    rows: Sequence[UnitImportRow], *, existing: set[str], first_row: int
) -> list[int]:
    """Row indices with every parent before its children; refuses bad charts."""
    index_of = _check_unit_rows(rows, existing=existing, first_row=first_row)
    order: list[int] = []
    state: dict[str, str] = {}  # external id -> "visiting" | "done"
    for start in index_of:
        path: list[str] = []
        node: str | None = start
        while node is not None and node in index_of and state.get(node) != "done":
            if state.get(node) == "visiting":
                cycle = [*path[path.index(node) :], node]
                numbers = ", ".join(str(index_of[n] + first_row) for n in cycle[:-1])
                raise ValidationFailed(
                    [FieldError("rows", f"rows {numbers} form a cycle: {' -> '.join(cycle)}")]
                )
            state[node] = "visiting"
            path.append(node)
            node = rows[index_of[node]].parent_external_id
        for external_id in reversed(path):
            state[external_id] = "done"
            order.append(index_of[external_id])
    return order


def _check_unit_rows(
    rows: Sequence[UnitImportRow], *, existing: set[str], first_row: int
) -> dict[str, int]:
    """The row index of every external id; refuses duplicates and unknown parents."""
    errors: list[FieldError] = []
    index_of: dict[str, int] = {}
    for index, row in enumerate(rows):
        if row.external_id in index_of:
            where = f"row {index_of[row.external_id] + first_row}"
        elif row.external_id in existing:
            where = "a unit already in the organisation"
        else:
            index_of[row.external_id] = index
            continue
        errors.append(
            FieldError(
                f"rows[{index + first_row}].external_id",
                f"{row.external_id!r} is already used by {where}",
            )
        )
    for index, row in enumerate(rows):
        parent = row.parent_external_id
        if parent and parent not in index_of and parent not in existing:
            errors.append(
                FieldError(
                    f"rows[{index + first_row}].parent_external_id", f"unknown parent {parent!r}"
                )
            )
    if errors:
        raise ValidationFailed(errors)
    return index_of


def create_unit(session: Session, *, organisation_id: int, data: UnitCreate) -> Unit:
    with session.begin():
        require_organisation(session, organisation_id)
        if data.parent_id is not None:
            parent = repo.units_by_id(session, unit_ids=[data.parent_id]).get(data.parent_id)
            if parent is None or parent.organisation_id != organisation_id:
                raise ValidationFailed(
                    [FieldError("parent_id", f"unit {data.parent_id} does not exist")]
                )
        if data.external_id is not None and any(
            u.external_id == data.external_id
            for u in repo.list_units(session, organisation_id=organisation_id)
        ):
            raise ValidationFailed(
                [FieldError("external_id", f"{data.external_id!r} is already used")]
            )
        unit = Unit(organisation_id=organisation_id, **data.model_dump())
        repo.add(session, unit)
        return unit


def list_units(session: Session, *, organisation_id: int) -> list[Unit]:
    with session.begin():
        return repo.list_units(session, organisation_id=organisation_id)
