"""Use cases. Each one is a single transaction: it writes everything or nothing.

The CLI, the demo and (later) the HTTP routes call these, never the repositories directly.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlmodel import Session

from analysis import CampaignAnalysis, analyse_campaign, compare_waves, invariance_across_groups
from analysis.campaign import analysed_respondents
from api.services.chart_rules import with_teams_under
from api.services.errors import Conflict, FieldError, NotFound, ValidationFailed
from api.store import mail as mail_store
from api.store import repositories as repo
from api.store.models import (
    MAX_CAMPAIGN_UNITS,
    AuditAction,
    AuditEvent,
    Campaign,
    CampaignCreate,
    CampaignSnapshot,
    CampaignStatus,
    CampaignUpdate,
    Organisation,
    OrganisationCreate,
    ResponseCreate,
    Unit,
    utc_now,
)
from instrument import Instrument, InstrumentError, load_builtin
from reports import PaddingEvent, UnitInfo

SYSTEM = "transversal"
"""The actor the audit log names for a change made without a key (the CLI, the demo)."""


@dataclass(frozen=True)
class CampaignData:
    """What the analysis and the reports need of a campaign, as plain values."""

    campaign_id: int
    campaign_name: str
    organisation_name: str
    languages: tuple[str, ...]
    min_group_size: int
    instrument: Instrument
    responses: pd.DataFrame
    """One row per response, a float column per item (NaN: unanswered or 'does not apply'),
    and ``team``: the unit id as a string."""
    units: tuple[Unit, ...]
    invited: Mapping[int, int]
    fingerprint: str | None = None
    """The snapshot's fingerprint for a closed campaign read through ``load_snapshot``."""
    imported: Mapping[int, int] = dataclasses.field(default_factory=dict)
    """Responses imported per unit (paper forms): counted apart from the invited."""
    padding: tuple[PaddingEvent, ...] = ()
    """The audit log's invitations added after opening and answers imported."""

    def analyse(self) -> CampaignAnalysis:
        """The campaign's analysis, with its minimum group size and its disclosure decision
        over the organisation chart."""
        return analyse_campaign(
            self.responses,
            instrument=self.instrument,
            min_group_size=self.min_group_size,
            parents=self.chart(),
        )

    def chart(self) -> dict[str, str | None]:
        """The organisation chart as the disclosure decision takes it: unit id to parent id,
        as text, None for a root."""
        return {
            str(u.id): None if u.parent_id is None else str(u.parent_id)
            for u in self.units
            if u.id is not None
        }

    def above_teams(self) -> set[str]:
        """The units of the snapshot's chart with a unit of the campaign below them: those a
        department report covers (the root among them)."""
        chart = self.chart()
        found: set[str] = set()
        for unit in self.invited:
            parent, seen = chart.get(str(unit)), set()
            while parent is not None and parent not in seen:
                found.add(parent)
                seen.add(parent)
                parent = chart.get(parent)
        return found

    def invariance_across_departments(self, analysis: CampaignAnalysis) -> pd.DataFrame:
        """Whether each scale's means may be compared between teams, tested across the
        departments (each team's parent unit) of at least ``INVARIANCE_MIN_GROUP_N``
        respondents kept by ``analysis``; no rows when fewer than two are that large.

        The rows kept are found in these responses by their units and answers
        (``analysed_respondents``: in an atom of ``analysis.decision``, not flagged as
        careless), not by ``analysis.excluded``: the analysis cache serves one analysis to
        every campaign with the same content, whose labels name the rows of whichever
        campaign was analysed first, in its order."""
        kept = self.responses.loc[
            analysed_respondents(
                self.responses, instrument=self.instrument, decision=analysis.decision
            )
        ]
        return invariance_across_groups(
            kept.assign(department=self.departments_of(kept["team"])),
            instrument=self.instrument,
            group="department",
        )

    def departments_of(self, teams: pd.Series, *, named: bool = False) -> pd.Series:
        """Each team's department, its parent unit: the unit's id, or with ``named`` its name
        (missing for a team the organisation chart does not place under a unit)."""
        by_id = {u.id: u for u in self.units}
        parents = {str(u.id): by_id.get(u.parent_id) for u in self.units}

        def department(team: str) -> object:
            parent = parents.get(team)
            if parent is None:
                return None
            return parent.name if named else parent.id

        return teams.map(department)

    def report_units(self) -> dict[str, UnitInfo]:
        """The organisation's units as the reports know them, by the analysis' team ids."""
        return {
            str(u.id): UnitInfo(
                unit_id=str(u.id),
                name=u.name,
                parent_id=str(u.parent_id) if u.parent_id is not None else None,
                kind=str(u.kind),
            )
            for u in self.units
        }

    def invited_by_team(self) -> dict[str, int]:
        return {str(unit_id): count for unit_id, count in self.invited.items()}

    def imported_by_team(self) -> dict[str, int]:
        return {str(unit_id): count for unit_id, count in self.imported.items()}

    def trend_from(
        self,
        previous: CampaignData | None,
        *,
        analysis: CampaignAnalysis,
        previous_analysis: CampaignAnalysis | None,
    ) -> pd.DataFrame | None:
        """Each team's change since the ``previous`` wave (``compare_waves(...).teams``): a
        wave's figure only where that wave's own decision showed it (its own chart and
        minimum), a change only where both show theirs and invariance across them holds; None
        without a previous wave. ``analysis`` is this campaign's, ``previous_analysis`` the
        previous wave's."""
        if previous is None or previous_analysis is None:
            return None
        return compare_waves(
            previous.responses,
            self.responses,
            instrument=self.instrument,
            min_group_size=self.min_group_size,
            previous_decision=previous_analysis.decision,
            current_decision=analysis.decision,
        ).teams


def create_organisation(session: Session, data: OrganisationCreate) -> Organisation:
    with session.begin():
        organisation = Organisation(name=data.name)
        repo.add(session, organisation)
        return organisation


def get_campaign(session: Session, *, campaign_id: int) -> Campaign | None:
    with session.begin():
        campaign = repo.get_campaign(session, campaign_id=campaign_id)
        return None if campaign is None else settle(session, campaign)


def create_campaign(session: Session, *, organisation_id: int, data: CampaignCreate) -> Campaign:
    """A campaign with its instrument frozen at creation. Its units are those given and every
    team under them that is not archived (``chart_rules.with_teams_under``)."""
    with session.begin():
        require_organisation(session, organisation_id)
        instrument = _resolve_instrument(data.instrument)
        errors = _campaign_errors(
            session, organisation_id=organisation_id, data=data, instrument=instrument
        )
        if errors:
            raise ValidationFailed(errors)
        campaign = Campaign(
            organisation_id=organisation_id,
            name=data.name,
            min_group_size=data.min_group_size,
            opens_at=data.opens_at,
            closes_at=data.closes_at,
            previous_campaign_id=data.previous_campaign_id,
            instrument_id=instrument.id,
            instrument_version=instrument.version,
            languages=list(data.languages),
        )
        repo.add(session, campaign)
        assert campaign.id is not None
        unit_ids = _with_teams(session, organisation_id=organisation_id, unit_ids=data.unit_ids)
        repo.set_campaign_units(
            session, campaign_id=campaign.id, invited=dict.fromkeys(unit_ids, 0)
        )
        return campaign


def _with_teams(session: Session, *, organisation_id: int, unit_ids: Sequence[int]) -> list[int]:
    units = repo.list_units(session, organisation_id=organisation_id)
    taking_part = with_teams_under(units, unit_ids)
    if len(taking_part) > MAX_CAMPAIGN_UNITS:
        raise ValidationFailed(
            [
                FieldError(
                    "unit_ids",
                    f"these units bring {len(taking_part)} units with their teams: a campaign"
                    f" takes at most {MAX_CAMPAIGN_UNITS}",
                )
            ]
        )
    return taking_part


def _resolve_instrument(ref: str) -> Instrument:
    try:
        return load_builtin(ref)
    except InstrumentError as exc:
        raise ValidationFailed([FieldError("instrument", exc.rule)]) from None


def _campaign_errors(
    session: Session,
    *,
    organisation_id: int,
    data: CampaignCreate,
    instrument: Instrument,
    campaign_id: int | None = None,
) -> list[FieldError]:
    errors = [
        FieldError(f"languages[{i}]", f"{lang!r} is not a language of {instrument.ref}")
        for i, lang in enumerate(data.languages)
        if lang not in instrument.languages
    ]
    units = repo.units_by_id(session, unit_ids=data.unit_ids)
    for i, unit_id in enumerate(data.unit_ids):
        unit = units.get(unit_id)
        if unit is None or unit.organisation_id != organisation_id:
            errors.append(FieldError(f"unit_ids[{i}]", f"unit {unit_id} does not exist"))
        elif unit.archived_at is not None:
            errors.append(
                FieldError(
                    f"unit_ids[{i}]",
                    f"unit {unit_id} is archived: it takes part in no new campaign",
                )
            )
    if data.opens_at and data.closes_at and data.closes_at <= data.opens_at:
        errors.append(FieldError("closes_at", "must be after opens_at"))
    if data.previous_campaign_id is not None:
        errors += _previous_wave_errors(
            session,
            organisation_id=organisation_id,
            previous_id=data.previous_campaign_id,
            instrument=instrument,
            campaign_id=campaign_id,
        )
    return errors


def _previous_wave_errors(
    session: Session,
    *,
    organisation_id: int,
    previous_id: int,
    instrument: Instrument,
    campaign_id: int | None,
) -> list[FieldError]:
    """A named previous wave must be an earlier campaign of the organisation on the same
    instrument and version."""
    previous = repo.get_campaign(session, campaign_id=previous_id)
    if previous is None or previous.organisation_id != organisation_id:
        return [FieldError("previous_campaign_id", f"campaign {previous_id} does not exist")]
    if campaign_id is not None and previous_id >= campaign_id:
        return [FieldError("previous_campaign_id", "must be a campaign created before this one")]
    if (previous.instrument_id, previous.instrument_version) != (instrument.id, instrument.version):
        return [
            FieldError(
                "previous_campaign_id",
                f"campaign {previous_id} used {previous.instrument_ref}, not {instrument.ref}:"
                " waves compare the same items",
            )
        ]
    return []


def update_campaign(session: Session, *, campaign_id: int, data: CampaignUpdate) -> Campaign:
    """Apply the fields given; instrument, units and minimum group size are frozen once open."""
    with session.begin():
        campaign = require_campaign(session, campaign_id)
        changes = data.model_dump(exclude_unset=True)
        if changes and campaign.status == CampaignStatus.closed:
            # Its name and schedule are in its snapshot and every output: a change after the
            # close would make two reports of the same snapshot differ.
            raise Conflict(
                f"campaign {campaign_id} is closed: it can no longer change"
                f" ({', '.join(sorted(changes))}); reopen it first, while its results are unread"
            )
        frozen = sorted(changes.keys() & {"instrument", "unit_ids", "min_group_size"})
        if frozen and campaign.status != CampaignStatus.draft:
            raise Conflict(
                f"campaign {campaign_id} is {campaign.status}: its {', '.join(frozen)} can no"
                " longer change"
            )
        if "previous_campaign_id" in changes and campaign.status == CampaignStatus.closed:
            raise Conflict(
                f"campaign {campaign_id} is closed: its previous wave can no longer change"
            )
        merged = CampaignCreate(
            name=changes.get("name", campaign.name),
            min_group_size=changes.get("min_group_size", campaign.min_group_size),
            opens_at=changes.get("opens_at", campaign.opens_at),
            closes_at=changes.get("closes_at", campaign.closes_at),
            instrument=changes.get("instrument", campaign.instrument_ref),
            unit_ids=changes.get("unit_ids")
            or [r.unit_id for r in repo.campaign_units(session, campaign_id=campaign_id)],
            languages=list(campaign.languages),
            previous_campaign_id=changes.get("previous_campaign_id", campaign.previous_campaign_id),
        )
        instrument = _resolve_instrument(merged.instrument)
        errors = _campaign_errors(
            session,
            organisation_id=campaign.organisation_id,
            data=merged,
            instrument=instrument,
            campaign_id=campaign_id,
        )
        if errors:
            raise ValidationFailed(errors)
        for field in ("name", "min_group_size", "opens_at", "closes_at", "previous_campaign_id"):
            setattr(campaign, field, getattr(merged, field))
        campaign.instrument_id, campaign.instrument_version = instrument.id, instrument.version
        if "unit_ids" in changes:
            unit_ids = _with_teams(
                session, organisation_id=campaign.organisation_id, unit_ids=merged.unit_ids
            )
            repo.replace_campaign_units(session, campaign_id=campaign_id, unit_ids=unit_ids)
        session.add(campaign)
        return campaign


def set_invited(session: Session, *, campaign_id: int, invited: Mapping[int, int]) -> None:
    """Record how many people were invited in each unit of the campaign."""
    with session.begin():
        campaign = require_campaign(session, campaign_id)
        known = {row.unit_id for row in repo.campaign_units(session, campaign_id=campaign_id)}
        errors = [
            FieldError(f"invited.{unit_id}", "unit is not part of the campaign")
            for unit_id in invited
            if unit_id not in known
        ]
        errors += [
            FieldError(f"invited.{unit_id}", "must be zero or more")
            for unit_id, count in invited.items()
            if count < 0
        ]
        # Fewer invited than links handed out would let a response rate pass 100 %.
        issued = repo.count_invitations(session, campaign_id=campaign_id)
        errors += [
            FieldError(
                f"invited.{unit_id}",
                f"must be at least the {issued[unit_id]} invitations already issued in the unit",
            )
            for unit_id, count in invited.items()
            if 0 <= count < issued.get(unit_id, 0)
        ]
        if errors:
            raise ValidationFailed(errors)
        repo.set_campaign_units(session, campaign_id=campaign.id or 0, invited=invited)


def open_campaign(session: Session, *, campaign_id: int, actor: str = SYSTEM) -> Campaign:
    """Open a draft campaign; one that its schedule opened already is left as it is."""
    with session.begin():
        campaign = require_campaign(session, campaign_id)
        if campaign.status == CampaignStatus.open:
            return campaign
        campaign = _moved(session, campaign_id, CampaignStatus.draft, CampaignStatus.open)
        # Invitations e-mailed ahead of the planned opening leave now that it opened earlier.
        mail_store.bring_forward(session, campaign_id=campaign_id, now=utc_now())
        repo.add_audit_event(
            session,
            organisation_id=campaign.organisation_id,
            actor=actor,
            action=AuditAction.campaign_opened,
            campaign_id=campaign_id,
        )
        return campaign


def close_campaign(session: Session, *, campaign_id: int, actor: str = SYSTEM) -> Campaign:
    """Close the campaign and freeze the snapshot its outputs are made of, in one transaction:
    unused invitations' drafts are deleted, and the names, the organisation chart and the
    invited counts are stored as they are now, with the fingerprint of it all and of the
    responses."""
    with session.begin():
        campaign = _moved(session, campaign_id, CampaignStatus.open, CampaignStatus.closed)
        _freeze(session, campaign, actor=actor)
        return campaign


def _freeze(session: Session, campaign: Campaign, *, actor: str) -> None:
    """The closing of a campaign just marked closed, in the caller's transaction."""
    campaign_id = campaign.id
    assert campaign_id is not None
    repo.delete_drafts(session, campaign_id=campaign_id)
    # Addresses are kept only while the campaign is open: they go with the close.
    mail_store.forget_addresses(session, campaign_id=campaign_id)
    repo.reorder_responses(session, campaign_id=campaign_id)
    organisation = require_organisation(session, campaign.organisation_id)
    units = repo.list_units(session, organisation_id=campaign.organisation_id)
    invited = {
        str(row.unit_id): row.invited
        for row in repo.campaign_units(session, campaign_id=campaign_id)
    }
    imported = repo.imported_by_unit(session, campaign_id=campaign_id)
    snapshot = CampaignSnapshot(
        campaign_id=campaign_id,
        fingerprint="",
        campaign_name=campaign.name,
        organisation_name=organisation.name,
        units=[_unit_record(u) for u in units],
        invited=invited,
        imported={str(unit): count for unit, count in sorted(imported.items())},
    )
    snapshot.fingerprint = snapshot_fingerprint(
        campaign, snapshot, repo.response_texts(session, campaign_id=campaign_id)
    )
    repo.add(session, snapshot)
    repo.add_audit_event(
        session,
        organisation_id=campaign.organisation_id,
        actor=actor,
        action=AuditAction.campaign_closed,
        campaign_id=campaign_id,
    )


def reopen_campaign(session: Session, *, campaign_id: int, actor: str = SYSTEM) -> Campaign:
    """Open a closed campaign again, only while none of its outputs has been read: a second
    read after more answers would single out the respondents in between."""
    with session.begin():
        snapshot = repo.get_snapshot(session, campaign_id=campaign_id)
        if snapshot is not None and snapshot.first_read_at is not None:
            raise Conflict(
                f"campaign {campaign_id} cannot be reopened: its results were first read on"
                f" {snapshot.first_read_at:%Y-%m-%d %H:%M} UTC, and results read before and"
                " after more answers would single out the people who answered in between"
            )
        campaign = _moved(session, campaign_id, CampaignStatus.closed, CampaignStatus.open)
        if snapshot is not None:
            session.delete(snapshot)
        repo.add_audit_event(
            session,
            organisation_id=campaign.organisation_id,
            actor=actor,
            action=AuditAction.campaign_reopened,
            campaign_id=campaign_id,
        )
        return campaign


def snapshot_fingerprint(
    campaign: Campaign, snapshot: CampaignSnapshot, responses: Sequence[tuple[int, str, str]]
) -> str:
    """SHA-256 of everything a closed campaign's outputs are made of: its settings, the
    names and the chart of the snapshot, and every response (unit, language, and its answers
    as the database stores them: ``repositories.response_texts``), in any order (the store
    keeps none). The answers are hashed as stored, undecoded: a closed campaign's rows never
    change, and decoding 100,000 of them took most of the time of closing."""
    settings = {
        "campaign": campaign.id,
        "instrument": campaign.instrument_ref,
        "min_group_size": campaign.min_group_size,
        "languages": list(campaign.languages),
        "names": [snapshot.campaign_name, snapshot.organisation_name],
        "units": sorted(snapshot.units, key=lambda u: int(u["id"])),
        "invited": sorted(snapshot.invited.items()),
        "imported": sorted(snapshot.imported.items()),
    }
    rows = sorted(
        hashlib.sha256(f"{unit_id}\x1f{language}\x1f{answers}".encode()).digest()
        for unit_id, language, answers in responses
    )
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode("utf-8"))
    for row in rows:
        digest.update(row)
    return digest.hexdigest()


def _unit_record(unit: Unit) -> dict[str, Any]:
    return {"id": unit.id, "name": unit.name, "parent_id": unit.parent_id, "kind": str(unit.kind)}


def _moved(
    session: Session, campaign_id: int, before: CampaignStatus, after: CampaignStatus
) -> Campaign:
    campaign = require_campaign(session, campaign_id)
    if campaign.status != before:
        raise Conflict(
            f"campaign {campaign_id} is {campaign.status}; it must be {before} to become {after}"
        )
    campaign.status = after
    session.add(campaign)
    session.flush()
    return campaign


def submit_responses(
    session: Session,
    *,
    campaign_id: int,
    responses: Sequence[ResponseCreate],
    submitted_on: date | None = None,
) -> int:
    """Store answers to an open campaign, all or none; returns how many were stored."""
    with session.begin():
        campaign = require_campaign(session, campaign_id)
        if campaign.status != CampaignStatus.open:
            raise Conflict(f"campaign {campaign_id} is {campaign.status}, not open")
        instrument = load_builtin(campaign.instrument_ref)
        units = {row.unit_id for row in repo.campaign_units(session, campaign_id=campaign_id)}
        errors: list[FieldError] = []
        for index, response in enumerate(responses):
            errors += answer_errors(
                response,
                instrument=instrument,
                units=units,
                languages=campaign.languages,
                prefix=f"responses[{index}]",
            )
        if errors:
            raise ValidationFailed(errors)
        repo.insert_responses(
            session,
            campaign_id=campaign_id,
            responses=responses,
            day=submitted_on or utc_now().date(),
        )
        return len(responses)


def answer_errors(
    response: ResponseCreate,
    *,
    instrument: Instrument,
    units: set[int],
    languages: Sequence[str],
    prefix: str,
) -> list[FieldError]:
    """Every rule a response breaks: unit, language, known items, values in range."""
    errors: list[FieldError] = []
    if response.unit_id not in units:
        errors.append(
            FieldError(f"{prefix}.unit_id", f"unit {response.unit_id} is not part of the campaign")
        )
    if response.language not in languages:
        errors.append(
            FieldError(
                f"{prefix}.language", f"{response.language!r} is not a language of the campaign"
            )
        )
    scale = instrument.response_scale
    lowest, highest = scale.min, scale.max
    for item_id, value in response.answers.items():
        if not instrument.has_item(item_id):
            errors.append(FieldError(f"{prefix}.answers.{item_id}", "unknown item"))
        elif value is not None and not lowest <= value <= highest:
            errors.append(
                FieldError(
                    f"{prefix}.answers.{item_id}",
                    f"{value} is outside the scale {scale.min}..{scale.max}",
                )
            )
    return errors


NOT_CLOSED = (
    "its results, reports and exports are made once it has closed, from a snapshot frozen at"
    " close: two reads of an open campaign would differ by the people who answered in between"
)


def load_snapshot(session: Session, *, campaign_id: int) -> CampaignData:
    """A closed campaign's data as every output reads it: its responses with the names, the
    chart and the invited counts of its snapshot, and the snapshot's fingerprint. Refuses an
    open or draft campaign (``Conflict``). An output made of it calls ``record_read`` once it
    is about to be served."""
    with session.begin():
        campaign = require_campaign(session, campaign_id)
        snapshot = read_snapshot(session, campaign=campaign)
        instrument = load_builtin(campaign.instrument_ref)
        rows = repo.response_answers(session, campaign_id=campaign_id)
        return CampaignData(
            campaign_id=campaign_id,
            campaign_name=snapshot.campaign_name,
            organisation_name=snapshot.organisation_name,
            languages=tuple(campaign.languages),
            min_group_size=campaign.min_group_size,
            instrument=instrument,
            responses=answers_frame(rows, item_ids=instrument.item_ids),
            units=snapshot_units(snapshot, organisation_id=campaign.organisation_id),
            invited={int(unit_id): count for unit_id, count in snapshot.invited.items()},
            fingerprint=snapshot.fingerprint,
            imported={int(unit_id): count for unit_id, count in snapshot.imported.items()},
            padding=_padding(session, campaign=campaign, snapshot=snapshot),
        )


def _padding(
    session: Session, *, campaign: Campaign, snapshot: CampaignSnapshot
) -> tuple[PaddingEvent, ...]:
    """The audit log's entries that added respondents while the campaign ran, named as in
    the snapshot."""
    names = {int(u["id"]): str(u["name"]) for u in snapshot.units}
    added = {AuditAction.invitations_added, AuditAction.answers_imported}
    return tuple(
        PaddingEvent(
            day=event.at.date(),
            unit_name=names.get(event.unit_id or 0, str(event.unit_id)),
            count=event.count or 0,
            imported=event.action == AuditAction.answers_imported,
        )
        for event in repo.audit_events(
            session, organisation_id=campaign.organisation_id, campaign_id=campaign.id
        )
        if event.action in added
    )


def audit_log(
    session: Session, *, organisation_id: int, campaign_id: int | None = None
) -> list[AuditEvent]:
    """The organisation's audit log, oldest first, or one campaign's."""
    with session.begin():
        return repo.audit_events(session, organisation_id=organisation_id, campaign_id=campaign_id)


def snapshot_fingerprint_of(session: Session, *, campaign_id: int) -> str | None:
    """The fingerprint of a closed campaign's snapshot; None for one that is not closed."""
    with session.begin():
        snapshot = repo.get_snapshot(session, campaign_id=campaign_id)
        return None if snapshot is None else snapshot.fingerprint


def read_snapshot(session: Session, *, campaign: Campaign) -> CampaignSnapshot:
    """The snapshot of a closed campaign, inside the caller's transaction; ``Conflict`` for a
    campaign that is not closed, or that closed before snapshots existed (migration 0003)."""
    if campaign.status != CampaignStatus.closed:
        raise Conflict(f"campaign {campaign.id} is {campaign.status}: {NOT_CLOSED}")
    snapshot = repo.get_snapshot(session, campaign_id=campaign.id or 0)
    if snapshot is None:
        raise Conflict(
            f"campaign {campaign.id} closed before this version froze a snapshot at close:"
            " reopen it and close it again to freeze one (no answer is lost), then read its"
            " results"
        )
    return snapshot


def record_read(session: Session, *, campaign_id: int) -> None:
    """Note that an output of the closed campaign was served: from then on it cannot be
    reopened. The first read is kept."""
    with session.begin():
        repo.mark_snapshot_read(session, campaign_id=campaign_id, at=utc_now())


def campaign_unit_ids(session: Session, *, campaign_id: int) -> set[int]:
    """The units taking part in the campaign."""
    with session.begin():
        return {row.unit_id for row in repo.campaign_units(session, campaign_id=campaign_id)}


def campaign_units(session: Session, *, campaign_id: int) -> list[Unit]:
    """The units taking part in the campaign as the chart has them now, by id."""
    with session.begin():
        ids = [row.unit_id for row in repo.campaign_units(session, campaign_id=campaign_id)]
        return sorted(repo.units_by_id(session, unit_ids=ids).values(), key=lambda u: u.id or 0)


def delete_campaign(session: Session, *, campaign_id: int, actor: str = SYSTEM) -> None:
    """Delete a draft campaign with its units and invitations (their links stop working), in
    one transaction. Refused (``Conflict``) once it has opened, by hand or by its schedule, and
    while a later campaign names it as its previous wave. The audit log keeps its id, with the
    invitations removed as the count."""
    with session.begin():
        campaign = require_campaign(session, campaign_id)
        if campaign.status != CampaignStatus.draft:
            raise Conflict(
                f"campaign {campaign_id} is {campaign.status}: only a draft can be deleted"
            )
        later = repo.campaigns_after(session, previous_campaign_id=campaign_id)
        if later:
            raise Conflict(
                f"campaign {campaign_id} is the previous wave of campaign(s)"
                f" {', '.join(map(str, later))}: name another previous wave there first"
            )
        organisation_id = campaign.organisation_id
        mail_store.delete_campaign_mail(session, campaign_id=campaign_id)
        removed = repo.delete_campaign(session, campaign_id=campaign_id)
        repo.add_audit_event(
            session,
            organisation_id=organisation_id,
            actor=actor,
            action=AuditAction.campaign_deleted,
            campaign_id=campaign_id,
            count=removed,
        )


def snapshot_units(snapshot: CampaignSnapshot, *, organisation_id: int) -> tuple[Unit, ...]:
    """The organisation's units as they were when the campaign closed."""
    return tuple(
        Unit(
            id=u["id"],
            organisation_id=organisation_id,
            name=u["name"],
            parent_id=u["parent_id"],
            kind=u["kind"],
        )
        for u in snapshot.units
    )


def answers_frame(
    rows: Sequence[tuple[int, Mapping[str, object]]], *, item_ids: Sequence[str]
) -> pd.DataFrame:
    """Wide frame of raw answers: None ('does not apply') and unanswered items become NaN."""
    # Laying each response over a template of every item puts its answers in the items' order
    # (keys the instrument lacks come after, and are cut off): twice as fast as from_records.
    template: dict[str, object] = dict.fromkeys(item_ids)
    width = len(template)
    values = np.array(
        [list({**template, **answers}.values())[:width] for _, answers in rows], dtype=np.float64
    ).reshape(len(rows), width)
    frame = pd.DataFrame(values, columns=list(template))
    frame["team"] = [str(unit_id) for unit_id, _ in rows]
    return frame


def load_previous_wave(session: Session, *, campaign_id: int) -> CampaignData | None:
    """The campaign's previous wave (``repositories.previous_campaign``: the one HR named, or
    the latest earlier closed campaign on the same instrument that covered its units), read
    from its own snapshot; None when there is none."""
    with session.begin():
        campaign = require_campaign(session, campaign_id)
        previous = repo.previous_campaign(session, campaign=campaign)
        previous_id = None if previous is None else previous.id
    if previous_id is None:
        return None
    return load_snapshot(session, campaign_id=previous_id)


def get_organisation(session: Session, *, organisation_id: int) -> Organisation | None:
    with session.begin():
        return repo.get_organisation(session, organisation_id=organisation_id)


def require_organisation(session: Session, organisation_id: int) -> Organisation:
    organisation = repo.get_organisation(session, organisation_id=organisation_id)
    if organisation is None:
        raise NotFound("organisation", organisation_id)
    return organisation


def require_campaign(session: Session, campaign_id: int) -> Campaign:
    """The campaign, its status brought up to date with its schedule (``settle``)."""
    campaign = repo.get_campaign(session, campaign_id=campaign_id)
    if campaign is None:
        raise NotFound("campaign", campaign_id)
    return settle(session, campaign)


SCHEDULE = "schedule"
"""The actor the audit log names when a campaign opened or closed at its scheduled time."""


def settle(session: Session, campaign: Campaign) -> Campaign:
    """Bring the campaign's status up to date with its schedule, in the caller's transaction:
    a draft whose ``opens_at`` has passed is open, and a campaign whose ``closes_at`` has passed
    is closed, with its snapshot frozen as HR's closing would. Whoever reads the campaign first
    after the time does it, so no person or job has to act; of two readers at once, one moves
    it (the update is guarded by the status it expects) and the other reads the result."""
    now = utc_now()
    opens_at, closes_at = aware(campaign.opens_at), aware(campaign.closes_at)
    due_to_close = closes_at is not None and closes_at <= now
    due_to_open = opens_at is not None and opens_at <= now
    opening = campaign.status == CampaignStatus.draft and (due_to_open or due_to_close)
    if opening and _scheduled_move(session, campaign, CampaignStatus.draft, CampaignStatus.open):
        repo.add_audit_event(
            session,
            organisation_id=campaign.organisation_id,
            actor=SCHEDULE,
            action=AuditAction.campaign_opened,
            campaign_id=campaign.id,
        )
    closing = campaign.status == CampaignStatus.open and due_to_close
    if closing and _scheduled_move(session, campaign, CampaignStatus.open, CampaignStatus.closed):
        _freeze(session, campaign, actor=SCHEDULE)
    return campaign


def _scheduled_move(
    session: Session, campaign: Campaign, before: CampaignStatus, after: CampaignStatus
) -> bool:
    assert campaign.id is not None
    moved = repo.move_campaign(session, campaign_id=campaign.id, before=before, after=after)
    session.refresh(campaign)
    return moved


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
