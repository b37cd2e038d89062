"""A campaign's list of addresses to e-mail invitations to: read from a table (a CSV) and
checked row by row, all or none; counted for HR; corrected before the invitations leave.
An address is kept only while its campaign is open (``api.services.mail`` says what stays
private)."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, Field
from sqlmodel import Session

from api.services.access import Principal
from api.services.collection import visible_campaign
from api.services.errors import FieldError, ValidationFailed
from api.services.mail import MAIL_LANGUAGES, require_listing
from api.store import mail as store
from api.store import repositories as repo
from api.store.models import Campaign, Unit, utc_now

COLUMNS = ("email", "unit", "language")
MAX_ROSTER_ROWS = 100_000


class RosterImport(BaseModel):
    added: int = Field(description="Addresses added to the campaign's list.")
    already_listed: int = Field(description="Rows whose address was on the list already.")
    addresses: int = Field(description="Addresses on the list now.")
    dry_run: bool = False


class RosterUnit(BaseModel):
    unit_id: int
    name: str
    addresses: int
    invited: int = Field(description="Of the addresses, those whose invitation is queued or sent.")


class Roster(BaseModel):
    """The campaign's list of addresses, counted: never an address, never a token."""

    campaign_id: int
    addresses: int
    invited: int
    languages: dict[str, int]
    units: list[RosterUnit]


def import_roster(
    session: Session,
    *,
    principal: Principal,
    campaign_id: int,
    table: Sequence[Sequence[str]],
    dry_run: bool = False,
) -> RosterImport:
    """Add a table's addresses (columns ``email``, ``unit``: the unit's id or external id, and
    ``language``, optional: the campaign's first by default) to the campaign's list, all or
    none. Every bad row is reported as ``rows[<line>].<column>``, the header being line 1; an
    address listed already, in the same unit, is skipped. ``dry_run``: check, store nothing."""
    principal.require_admin()
    with session.begin():
        campaign = visible_campaign(session, principal=principal, campaign_id=campaign_id)
        require_listing(session, campaign)
        listed = store.roster(session, campaign_id=campaign_id)
        reader = _RosterReader(
            campaign=campaign,
            units=repo.list_units(session, organisation_id=campaign.organisation_id),
            taking_part={r.unit_id for r in repo.campaign_units(session, campaign_id=campaign_id)},
            listed={email: unit for email, (_, unit) in listed.items()},
        )
        rows = reader.read(table)
        if reader.errors:
            raise ValidationFailed(reader.errors)
        if not dry_run:
            now = utc_now()
            store.insert_recipients(
                session,
                campaign_id=campaign_id,
                rows=[{**row, "seed": secrets.token_hex(16), "created_at": now} for row in rows],
            )
        return RosterImport(
            added=len(rows),
            already_listed=reader.already,
            addresses=len(listed) + (0 if dry_run else len(rows)),
            dry_run=dry_run,
        )


@dataclass
class _RosterReader:
    campaign: Campaign
    units: list[Unit]
    taking_part: set[int]
    listed: dict[str, int]

    def __post_init__(self) -> None:
        self.errors: list[FieldError] = []
        self.already = 0
        self.by_id = {u.id: u for u in self.units if u.id is not None}
        self.by_external = {u.external_id: u for u in self.units if u.external_id}
        self.seen: dict[str, int] = {}

    def read(self, table: Sequence[Sequence[str]]) -> list[dict[str, object]]:
        columns = self._columns(table[0] if table else [])
        if columns is None:
            return []
        if len(table) - 1 > MAX_ROSTER_ROWS:
            self.errors.append(
                FieldError("rows", f"{len(table) - 1} rows: at most {MAX_ROSTER_ROWS} a file")
            )
            return []
        rows: list[dict[str, object]] = []
        for line, cells in enumerate(table[1:], start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(columns):
                self.errors.append(
                    FieldError(
                        f"rows[{line}]",
                        f"has {len(cells)} cells; the header names {len(columns)} columns",
                    )
                )
                continue
            values = {name: cells[i].strip() if i < len(cells) else "" for i, name in columns}
            row = self._row(line, values)
            if row is not None:
                rows.append(row)
        return rows

    def _columns(self, header: Sequence[str]) -> list[tuple[int, str]] | None:
        names = [cell.strip().lower() for cell in header]
        problems = [
            f"unknown column {name!r}" for name in names if name and name not in COLUMNS
        ] + [f"column {name!r} is named twice" for name, n in Counter(names).items() if n > 1]
        problems += [f"column {name!r} is missing" for name in COLUMNS[:2] if name not in names]
        if problems:
            self.errors.append(
                FieldError(
                    "columns",
                    "; ".join(problems) + f" (the first line names the columns {', '.join(COLUMNS)}"
                    "; language is optional)",
                )
            )
            return None
        return [(i, name) for i, name in enumerate(names) if name]

    def _row(self, line: int, values: dict[str, str]) -> dict[str, object] | None:
        before = len(self.errors)
        email = self._email(line, values["email"])
        unit = self._unit(line, values["unit"])
        language = self._language(line, values.get("language", ""))
        if len(self.errors) > before or email is None or unit is None or language is None:
            return None
        if email in self.seen:
            self.errors.append(
                FieldError(
                    f"rows[{line}].email", f"{email} is listed twice (row {self.seen[email]} too)"
                )
            )
            return None
        self.seen[email] = line
        if email in self.listed:
            if self.listed[email] != unit.id:
                listed = self.by_id.get(self.listed[email])
                name = listed.name if listed else str(self.listed[email])
                self.errors.append(
                    FieldError(
                        f"rows[{line}].email",
                        f"{email} is on the list already, in unit {name!r}: one address, one unit",
                    )
                )
                return None
            self.already += 1
            return None
        return {"email": email, "unit_id": unit.id, "language": language}

    def _email(self, line: int, text: str) -> str | None:
        if not text:
            self.errors.append(FieldError(f"rows[{line}].email", "is empty"))
            return None
        try:
            found = validate_email(text, check_deliverability=False)
        except EmailNotValidError as exc:
            self.errors.append(FieldError(f"rows[{line}].email", f"not an e-mail address: {exc}"))
            return None
        if len(found.normalized) > 254:
            self.errors.append(FieldError(f"rows[{line}].email", "is longer than 254 characters"))
            return None
        # Addresses are compared and kept in lower case: a person listed as Ann@ and ann@
        # gets one invitation.
        return found.normalized.lower()

    def _unit(self, line: int, text: str) -> Unit | None:
        where = f"rows[{line}].unit"
        if not text:
            self.errors.append(FieldError(where, "is empty: give the unit's id or external id"))
            return None
        found = {u.id: u for u in (self.by_external.get(text), self._by_id(text)) if u is not None}
        taking_part = [u for u in found.values() if u.id in self.taking_part]
        if not found:
            self.errors.append(FieldError(where, f"no unit has the id or the external id {text!r}"))
            return None
        if len(taking_part) != 1:
            reason = (
                f"{text!r} is the id of one unit and the external id of another: ambiguous"
                if taking_part
                else f"unit {text!r} ({next(iter(found.values())).name}) does not take part"
                " in the campaign"
            )
            self.errors.append(FieldError(where, reason))
            return None
        unit = taking_part[0]
        if unit.archived_at is not None:
            self.errors.append(FieldError(where, f"unit {text!r} ({unit.name}) is archived"))
            return None
        return unit

    def _by_id(self, text: str) -> Unit | None:
        return (
            self.by_id.get(int(text))
            if (text.isascii() and text.isdigit()) and len(text) < 10
            else None
        )

    def _language(self, line: int, text: str) -> str | None:
        language = text.lower() or self.campaign.languages[0]
        allowed = [lang for lang in self.campaign.languages if lang in MAIL_LANGUAGES]
        if language not in allowed:
            self.errors.append(
                FieldError(
                    f"rows[{line}].language",
                    f"{text!r} is not a language of the campaign's messages ({', '.join(allowed)})",
                )
            )
            return None
        return language


def roster(session: Session, *, principal: Principal, campaign_id: int) -> Roster:
    """The campaign's list, counted by unit and language. Admins only."""
    principal.require_admin()
    with session.begin():
        visible_campaign(session, principal=principal, campaign_id=campaign_id)
        counts = store.roster_counts(session, campaign_id=campaign_id)
        ids = {unit_id for unit_id, *_ in counts}
        names = {u.id: u.name for u in repo.units_by_id(session, unit_ids=ids).values()}
    by_unit: dict[int, RosterUnit] = {}
    languages: Counter[str] = Counter()
    for unit_id, language, invited, n in counts:
        row = by_unit.setdefault(
            unit_id,
            RosterUnit(unit_id=unit_id, name=names.get(unit_id, ""), addresses=0, invited=0),
        )
        row.addresses += n
        row.invited += n if invited else 0
        languages[language] += n
    units = sorted(by_unit.values(), key=lambda u: (u.name, u.unit_id))
    return Roster(
        campaign_id=campaign_id,
        addresses=sum(u.addresses for u in units),
        invited=sum(u.invited for u in units),
        languages=dict(sorted(languages.items())),
        units=units,
    )


def remove_uninvited(session: Session, *, principal: Principal, campaign_id: int) -> int:
    """Take the addresses not invited yet off the list (to list them again, corrected); how
    many went. Those invited stay: their invitations are out."""
    principal.require_admin()
    with session.begin():
        visible_campaign(session, principal=principal, campaign_id=campaign_id)
        return store.delete_uninvited(session, campaign_id=campaign_id)
