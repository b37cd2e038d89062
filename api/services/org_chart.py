"""The organisation chart: units imported as a tree or added one at a time, edited, archived.

Each function is one use case and one transaction. Every write keeps the rules of
``chart_rules`` (one root, the organisation; kinds in order, organisation > department > team;
nothing under an archived unit), checked on the units it adds, moves or gives another kind. A
chart of one unit may be a lone team: test fixtures and small organisations start that way.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from api.services.campaigns import SYSTEM, require_organisation, settle
from api.services.chart_import import UnitImport, plan_import
from api.services.chart_import import UnitImportRow as UnitImportRow
from api.services.chart_rules import (
    ChartUnit,
    breaches,
    named,
    stored_chart,
    under,
    unit_key,
    unit_label,
)
from api.services.errors import Conflict, FieldError, NotFound, ValidationFailed
from api.store import repositories as repo
from api.store.models import (
    AuditAction,
    CampaignStatus,
    Unit,
    UnitCreate,
    UnitKind,
    UnitUpdate,
    utc_now,
)


def import_units(
    session: Session, *, organisation_id: int, rows: Sequence[UnitImportRow], first_row: int = 1
) -> list[Unit]:
    """Import an organisation chart (``import_chart``); returns the file's units as stored, in
    the file's order."""
    _, units = _import(
        session,
        organisation_id=organisation_id,
        rows=rows,
        first_row=first_row,
        dry_run=False,
        actor=SYSTEM,
    )
    return units


def import_chart(
    session: Session,
    *,
    organisation_id: int,
    rows: Sequence[UnitImportRow],
    first_row: int = 1,
    dry_run: bool = False,
    actor: str = SYSTEM,
) -> UnitImport:
    """Import an organisation chart as an update of the stored one, or with ``dry_run`` only
    say what it would change, storing nothing.

    A row whose ``external_id`` is a stored unit's updates its name, kind, parent and report
    language (a blank language keeps the unit's); other rows add units, whose parents may come
    later in ``rows`` or be stored already; units the file does not name are left as they
    are. Errors number the rows from ``first_row`` (2 for
    a CSV file with a header line, so that the numbers are the spreadsheet's): an id used twice,
    an unknown or archived parent, a cycle or a broken rule of the chart refuses the whole
    import (``ValidationFailed``); a dry run lists them in its answer. Each unit renamed, moved
    or given another kind is in the audit log."""
    outcome, _ = _import(
        session,
        organisation_id=organisation_id,
        rows=rows,
        first_row=first_row,
        dry_run=dry_run,
        actor=actor,
    )
    return outcome


def _import(
    session: Session,
    *,
    organisation_id: int,
    rows: Sequence[UnitImportRow],
    first_row: int,
    dry_run: bool,
    actor: str,
) -> tuple[UnitImport, list[Unit]]:
    with session.begin():
        require_organisation(session, organisation_id)
        units = repo.list_units(session, organisation_id=organisation_id)
        plan = plan_import(units, rows, first_row=first_row)
        if dry_run:
            return plan.outcome(stored=False), []
        if plan.errors:
            raise ValidationFailed(plan.errors)
        by_external = dict(plan.stored)
        for index in plan.order:
            row = rows[index]
            parent = by_external[row.parent_external_id] if row.parent_external_id else None
            unit = plan.stored.get(row.external_id)
            if unit is None:
                unit = Unit(
                    organisation_id=organisation_id,
                    parent_id=None if parent is None else parent.id,
                    external_id=row.external_id,
                    name=row.name,
                    kind=row.kind or UnitKind.team,
                    report_language=row.report_language,
                )
                repo.add(session, unit)
            else:
                _change(
                    session,
                    unit,
                    name=row.name,
                    kind=row.kind or UnitKind(unit.kind),
                    parent_id=None if parent is None else parent.id,
                    # A blank cell keeps the unit's.
                    report_language=row.report_language or unit.report_language,
                    actor=actor,
                )
            by_external[row.external_id] = unit
        written = [by_external[line.external_id] for line in plan.lines]
        return plan.outcome(stored=True, units=written), written


def _change(
    session: Session,
    unit: Unit,
    *,
    name: str,
    kind: UnitKind,
    parent_id: int | None,
    report_language: str | None,
    actor: str,
) -> None:
    """Give a stored unit its new name, kind, parent and report language, each change in the
    audit log."""
    changes = {
        AuditAction.unit_renamed: ("name", name),
        AuditAction.unit_kind_changed: ("kind", kind),
        AuditAction.unit_moved: ("parent_id", parent_id),
        AuditAction.unit_report_language_changed: ("report_language", report_language),
    }
    for action, (field, value) in changes.items():
        if getattr(unit, field) == value:
            continue
        setattr(unit, field, value)
        repo.add_audit_event(
            session,
            organisation_id=unit.organisation_id,
            actor=actor,
            action=action,
            unit_id=unit.id,
        )
    session.add(unit)
    session.flush()


def create_unit(session: Session, *, organisation_id: int, data: UnitCreate) -> Unit:
    """A unit, under a parent of the organisation's chart that is not archived (or the
    organisation at the root), keeping the rules of the chart."""
    with session.begin():
        require_organisation(session, organisation_id)
        units = repo.list_units(session, organisation_id=organisation_id)
        errors = [] if data.parent_id is None else _parent_errors(units, data.parent_id)
        if data.external_id is not None and any(u.external_id == data.external_id for u in units):
            errors.append(FieldError("external_id", f"{data.external_id!r} is already used"))
        if not errors:
            errors = _rule_errors(
                units,
                key="new",
                unit=ChartUnit(
                    kind=UnitKind(data.kind),
                    parent=None if data.parent_id is None else unit_key(data.parent_id),
                    label=repr(data.name),
                ),
            )
        if errors:
            raise ValidationFailed(errors)
        unit = Unit(organisation_id=organisation_id, **data.model_dump())
        repo.add(session, unit)
        return unit


def update_unit(
    session: Session,
    *,
    organisation_id: int,
    unit_id: int,
    data: UnitUpdate,
    actor: str = SYSTEM,
) -> Unit:
    """Rename a unit, move it under another parent (null: to the root), give it another kind
    or set its report language (null: its respondents' own), keeping the rules of the chart:
    never under itself or a unit under it, never under an archived unit. An archived unit no
    longer changes (``Conflict``). Each change of name, kind, parent or report language is in the
    audit log; a
    change to nothing changes nothing."""
    with session.begin():
        units = repo.list_units(session, organisation_id=organisation_id)
        unit = _own_unit(units, unit_id)
        if unit.archived_at is not None:
            raise Conflict(f"unit {unit_id} is archived: it no longer changes")
        changes = data.model_dump(exclude_unset=True)
        name = changes.get("name", unit.name)
        kind = UnitKind(changes.get("kind", unit.kind))
        parent_id = changes.get("parent_id", unit.parent_id)
        errors: list[FieldError] = []
        if parent_id is not None and parent_id != unit.parent_id:
            errors = _parent_errors(units, parent_id) or _cycle_errors(units, unit_id, parent_id)
        if not errors and (kind != unit.kind or parent_id != unit.parent_id):
            errors = _rule_errors(
                units,
                key=unit_key(unit_id),
                unit=ChartUnit(
                    kind=kind,
                    parent=None if parent_id is None else unit_key(parent_id),
                    label=unit_label(unit),
                ),
            )
        if errors:
            raise ValidationFailed(errors)
        _change(
            session,
            unit,
            name=name,
            kind=kind,
            parent_id=parent_id,
            report_language=changes.get("report_language", unit.report_language),
            actor=actor,
        )
        return unit


def archive_unit(
    session: Session, *, organisation_id: int, unit_id: int, actor: str = SYSTEM
) -> Unit:
    """Take a unit out of the chart, keeping it for the campaigns it took part in (their
    snapshots name it as it was). Refused (``Conflict``) while units under it are not archived,
    or while a campaign not closed (a draft, or open) has it among its units. Archiving an
    archived unit changes nothing."""
    with session.begin():
        units = repo.list_units(session, organisation_id=organisation_id)
        unit = _own_unit(units, unit_id)
        if unit.archived_at is not None:
            return unit
        below = [unit_label(u) for u in units if u.parent_id == unit_id and u.archived_at is None]
        if below:
            raise Conflict(
                f"unit {unit_id} has units under it that are not archived: {named(below)};"
                " archive them or move them elsewhere first"
            )
        running = [
            campaign
            for campaign in repo.campaigns_with_unit(
                session, unit_id=unit_id, statuses=(CampaignStatus.draft, CampaignStatus.open)
            )
            if settle(session, campaign).status != CampaignStatus.closed
        ]
        if running:
            listed = named([f"{c.id} ({c.name!r}, {c.status})" for c in running])
            raise Conflict(
                f"unit {unit_id} takes part in campaigns not closed yet: {listed}; archive it"
                " once they have closed, or take it out of the drafts"
            )
        unit.archived_at = utc_now()
        session.add(unit)
        repo.add_audit_event(
            session,
            organisation_id=organisation_id,
            actor=actor,
            action=AuditAction.unit_archived,
            unit_id=unit_id,
        )
        session.flush()
        return unit


def list_units(session: Session, *, organisation_id: int, archived: bool = False) -> list[Unit]:
    """The organisation's units in the chart; with ``archived``, the archived ones too."""
    with session.begin():
        units = repo.list_units(session, organisation_id=organisation_id)
        return [u for u in units if archived or u.archived_at is None]


def _own_unit(units: Sequence[Unit], unit_id: int) -> Unit:
    """The organisation's unit; another organisation's does not exist, as for a missing one."""
    unit = next((u for u in units if u.id == unit_id), None)
    if unit is None:
        raise NotFound("unit", unit_id)
    return unit


def _parent_errors(units: Sequence[Unit], parent_id: int) -> list[FieldError]:
    parent = next((u for u in units if u.id == parent_id), None)
    if parent is None:
        return [FieldError("parent_id", f"unit {parent_id} does not exist")]
    if parent.archived_at is not None:
        return [FieldError("parent_id", f"unit {parent_id} is archived: no unit goes under it")]
    return []


def _cycle_errors(units: Sequence[Unit], unit_id: int, parent_id: int) -> list[FieldError]:
    if parent_id == unit_id:
        return [FieldError("parent_id", "a unit cannot be its own parent")]
    parents = {u.id: u.parent_id for u in units if u.id is not None}
    if parent_id in under(parents, unit_id):
        return [
            FieldError(
                "parent_id",
                f"unit {parent_id} is under unit {unit_id}: a unit cannot move under one of"
                " its own units",
            )
        ]
    return []


def _rule_errors(units: Sequence[Unit], *, key: str, unit: ChartUnit) -> list[FieldError]:
    """The rules of the chart that writing ``unit`` as ``key`` would break."""
    chart = stored_chart(units)
    chart[key] = unit
    return [
        FieldError("parent_id" if b.field == "parent" else "kind", b.reason)
        for b in breaches(chart, written=[key])
    ]
