"""Tables and the API models derived from them.

One family per resource (``XBase`` → ``XCreate`` / ``XPublic`` and the table ``X``). Table models
do not validate, so untrusted input is parsed by a plain ``XCreate`` model first. A response
holds its unit, its campaign, its language, the day it came in and its answers: nothing that
identifies or could be linked back to a person.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import cache
from typing import Any

from pydantic import AwareDatetime, field_validator
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    LargeBinary,
    MetaData,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from instrument import builtin_refs, load_builtin

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)

JsonColumn = JSON().with_variant(JSONB(), "postgresql")
# For nullable JSON: Python None is stored as SQL NULL, not as the JSON text 'null'.
NullableJsonColumn = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def utc_now() -> datetime:
    return datetime.now(UTC)


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


def not_blank(value: str | None) -> str | None:
    """A name that is more than white space (a name of spaces names nothing)."""
    if value is not None and isinstance(value, str) and not value.strip():
        raise ValueError("is only white space: give a name")
    return value


def _named_schema(schema: dict[str, Any]) -> None:
    """A model's JSON schema saying what ``not_blank`` checks: its ``name`` holds a character
    other than white space."""
    name = schema["properties"]["name"]
    for branch in name.get("anyOf", [name]):
        if branch.get("type") == "string":
            branch["pattern"] = r"\S"


def _never_null_schema(schema: dict[str, Any]) -> None:
    """A field's JSON schema without the null its type allows: the field may be left out, and
    a validator refuses null."""
    kept = [branch for branch in schema.pop("anyOf") if branch.get("type") != "null"]
    schema.update(kept[0])
    schema.pop("default", None)


def not_a_boolean(value: object) -> object:
    """A number, or a list of numbers, that is not ``true`` or ``false`` (which the models would
    otherwise take for 1 and 0, and which the JSON schema refuses)."""
    if isinstance(value, bool) or (
        isinstance(value, list) and any(isinstance(item, bool) for item in value)
    ):
        raise ValueError("is true or false: give a number")
    return value


NAMED: Any = {"json_schema_extra": _named_schema}
"""The ``model_config`` of a model whose ``name`` is checked by ``not_blank``."""
NEVER_NULL: Any = {"json_schema_extra": _never_null_schema}
"""The ``schema_extra`` of an optional field whose validator refuses null."""


def within_range(value: datetime | None) -> datetime | None:
    """A time a campaign can be scheduled at: after 2000 and before the year 9999, in UTC (a
    time further out cannot be compared with the clock or stored on every database)."""
    if value is None:
        return value
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        in_utc = None
    if in_utc is None or not EARLIEST <= in_utc < LATEST:
        raise ValueError("is out of range: a campaign's times lie between 2000 and 9998 (UTC)")
    return value


class UnitKind(StrEnum):
    organisation = "organisation"
    department = "department"
    team = "team"


class CampaignStatus(StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"


# -- organisations ------------------------------------------------------------------------------


class OrganisationBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)


class OrganisationCreate(OrganisationBase):
    _named = field_validator("name")(not_blank)


class Organisation(OrganisationBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utc_now)


class OrganisationPublic(OrganisationBase):
    id: int
    created_at: datetime


# -- units --------------------------------------------------------------------------------------


@cache
def report_language_choices() -> tuple[str, ...]:
    """The languages a unit's reports can be set to: those of the instruments transversal
    ships, the list a campaign's languages are checked against (its instrument's), in their
    order. Read when first asked, not at import."""
    found: dict[str, None] = {}
    for ref in builtin_refs():
        found.update(dict.fromkeys(load_builtin(ref).languages))
    return tuple(found)


def a_report_language(value: str | None) -> str | None:
    """A unit's report language: null, or one of ``report_language_choices``."""
    choices = report_language_choices()
    if value is not None and value not in choices:
        raise ValueError(
            f"{value!r} is not a language of the instruments: give one of"
            f" {', '.join(choices)}, or null for the language most of its respondents answered in"
        )
    return value


def _report_language_schema(schema: dict[str, Any]) -> None:
    """The JSON schema of a unit's ``report_language``: null, or one of the languages."""
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "string":
            branch["enum"] = list(report_language_choices())


REPORT_LANGUAGE_DESCRIPTION = (
    "The language of the unit's team report, and of its department report if it has one, when"
    " it is one of the campaign's languages; null: a team report in the language most of its"
    " respondents answered in, a department report in the campaign's first."
)


class UnitBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    kind: UnitKind = Field(default=UnitKind.team, sa_type=String(20))
    external_id: str | None = Field(default=None, max_length=100)
    report_language: str | None = Field(
        default=None,
        max_length=10,
        description=REPORT_LANGUAGE_DESCRIPTION,
        schema_extra={"json_schema_extra": _report_language_schema},
    )


class UnitCreate(UnitBase):
    model_config = NAMED

    parent_id: int | None = None

    _named = field_validator("name")(not_blank)
    _numbers = field_validator("parent_id", mode="before")(not_a_boolean)
    _language = field_validator("report_language")(a_report_language)


class UnitUpdate(SQLModel):
    """Changes to a unit: its name, its kind, its parent (null: the root), its report language
    (null: the language most of its respondents answered in). Fields left out keep their
    value."""

    model_config = NAMED

    name: str | None = Field(default=None, min_length=1, max_length=200, schema_extra=NEVER_NULL)
    kind: UnitKind | None = Field(default=None, schema_extra=NEVER_NULL)
    parent_id: int | None = None
    report_language: str | None = Field(
        default=None,
        max_length=10,
        description=REPORT_LANGUAGE_DESCRIPTION + " Left out: kept.",
        schema_extra={"json_schema_extra": _report_language_schema},
    )

    @field_validator("name", "kind", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null: leave the field out to keep its value")
        return value

    _named = field_validator("name")(not_blank)
    _numbers = field_validator("parent_id", mode="before")(not_a_boolean)
    _language = field_validator("report_language")(a_report_language)


class Unit(UnitBase, table=True):
    __table_args__ = (UniqueConstraint("organisation_id", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    archived_at: datetime | None = None
    """When the unit was archived: out of the chart, kept for the campaigns it took part in."""


class UnitPublic(UnitBase):
    id: int
    organisation_id: int
    parent_id: int | None
    archived_at: datetime | None = Field(
        default=None,
        description="When the unit was archived (none: in the chart). An archived unit is kept"
        " for the campaigns it took part in, and takes part in no other.",
    )


# -- campaigns ----------------------------------------------------------------------------------


MAX_CAMPAIGN_UNITS = 10_000
"""The most units a campaign can take part with, those given and the teams they bring: far above
any organisation's chart, and well inside what one statement of the database can name."""


class CampaignBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    min_group_size: int = Field(default=5, ge=3, le=100)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    previous_campaign_id: int | None = Field(
        default=None,
        foreign_key="campaign.id",
        description="The campaign whose results are this one's previous wave; by default the"
        " latest earlier closed campaign on the same instrument that covered its units.",
    )


class CampaignCreate(CampaignBase):
    model_config = NAMED

    # A time without an offset is ambiguous (and the database refuses it): ask for the offset.
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    instrument: str = Field(description="The instrument as id@version, frozen at creation.")
    unit_ids: list[int] = Field(
        min_length=1,
        max_length=MAX_CAMPAIGN_UNITS,
        description="The units taking part. A department or the organisation brings every team"
        " under it that is not archived (as the chart is when the units are set); the unit given"
        " takes part too, for its own staff.",
    )
    languages: list[str] = Field(
        default_factory=lambda: ["en"],
        min_length=1,
        max_length=10,
        schema_extra={"json_schema_extra": {"uniqueItems": True}},
    )

    _named = field_validator("name")(not_blank)
    _in_range = field_validator("opens_at", "closes_at")(within_range)
    _numbers = field_validator("min_group_size", "previous_campaign_id", "unit_ids", mode="before")(
        not_a_boolean
    )

    @field_validator("languages")
    @classmethod
    def _each_once(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("names a language twice: give each once")
        return value


class CampaignUpdate(SQLModel):
    """Changes to a campaign; instrument, units and minimum group size only while in draft."""

    model_config = NAMED

    name: str | None = Field(default=None, min_length=1, max_length=200, schema_extra=NEVER_NULL)
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    min_group_size: int | None = Field(default=None, ge=3, le=100, schema_extra=NEVER_NULL)
    previous_campaign_id: int | None = None
    instrument: str | None = Field(default=None, schema_extra=NEVER_NULL)
    unit_ids: list[int] | None = Field(
        default=None,
        schema_extra=NEVER_NULL,
        min_length=1,
        max_length=MAX_CAMPAIGN_UNITS,
        description="The units taking part, as at creation: each team under a department or"
        " the organisation given comes with it.",
    )

    _named = field_validator("name")(not_blank)
    _in_range = field_validator("opens_at", "closes_at")(within_range)
    _numbers = field_validator("min_group_size", "previous_campaign_id", "unit_ids", mode="before")(
        not_a_boolean
    )

    @field_validator("name", "min_group_size", "instrument", "unit_ids", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Left out means "keep"; these fields have no empty value that null could set.
        if value is None:
            raise ValueError("cannot be null: leave the field out to keep its value")
        return value


class Campaign(CampaignBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    instrument_id: str = Field(max_length=100)
    instrument_version: str = Field(max_length=20)
    languages: list[str] = Field(sa_column=Column(JsonColumn, nullable=False))
    status: CampaignStatus = Field(default=CampaignStatus.draft, sa_type=String(20))
    created_at: datetime = Field(default_factory=utc_now)

    @property
    def instrument_ref(self) -> str:
        return f"{self.instrument_id}@{self.instrument_version}"


class CampaignUnitPublic(SQLModel):
    """A unit taking part in a campaign, as the chart has it now."""

    id: int
    name: str
    kind: UnitKind
    parent_id: int | None
    external_id: str | None = None


class CampaignPublic(CampaignBase):
    id: int
    organisation_id: int
    instrument_id: str
    instrument_version: str
    languages: list[str]
    status: CampaignStatus
    created_at: datetime
    snapshot: str | None = Field(
        default=None,
        description="The fingerprint of the frozen snapshot every output of a closed campaign"
        " is made of; none until the campaign closes.",
    )
    units: list[CampaignUnitPublic] = Field(
        default_factory=list,
        description="The units taking part: each unit given in ``unit_ids`` and every team"
        " under it (a leader sees those of their subtree).",
    )


class CampaignSnapshot(SQLModel, table=True):
    """A closed campaign as every one of its outputs reads it, frozen when it closed.

    Results, reports and exports are made of the campaign's responses (which cannot change
    once it is closed) and of what is stored here: the names and the organisation chart as
    they were at close, so that a unit renamed or moved later changes no output. The
    fingerprint is printed in every output: two outputs with the same fingerprint were made
    of the same respondents. ``first_read_at`` is when an output was first read; from then on
    the campaign cannot be reopened, or two reads could differ by a few respondents.
    """

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    fingerprint: str = Field(max_length=64)
    closed_at: datetime = Field(default_factory=utc_now)
    campaign_name: str = Field(max_length=200)
    organisation_name: str = Field(max_length=200)
    units: list[dict[str, Any]] = Field(sa_column=Column(JsonColumn, nullable=False))
    """Every unit of the organisation at close: id, name, parent_id, kind."""
    invited: dict[str, int] = Field(sa_column=Column(JsonColumn, nullable=False))
    """People invited per unit of the campaign, by unit id (as text: JSON keys)."""
    imported: dict[str, int] = Field(sa_column=Column(JsonColumn, nullable=False))
    """Responses imported (paper forms) per unit, by unit id: counted apart from the invited."""
    first_read_at: datetime | None = None


class CampaignUnit(SQLModel, table=True):
    """A unit taking part in a campaign, with the number of people invited in it."""

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    invited: int = Field(default=0, ge=0)


# -- responses ----------------------------------------------------------------------------------


class ResponseCreate(SQLModel):
    """One respondent's answers: item id → value in the response scale, or None for
    'does not apply'. Items left out were not answered."""

    unit_id: int
    language: str = Field(default="en", min_length=2, max_length=2)
    answers: dict[str, int | None]


def new_response_id() -> str:
    """A response's id: random, so that ids say nothing of the order of submission."""
    return uuid.uuid4().hex


class Response(SQLModel, table=True):
    # A random id, so that the order of submission cannot be read off the keys, and on SQLite
    # no rowid beside it (a rowid grows with each insert): the table is stored in the order of
    # the random ids. PostgreSQL keeps rows in insertion order until the campaign closes, when
    # they are rewritten in the order of their ids (``repositories.reorder_responses``).
    __table_args__ = {"sqlite_with_rowid": False}

    id: str = Field(default_factory=lambda: new_response_id(), primary_key=True, max_length=32)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    language: str = Field(max_length=2)
    submitted_on: date = Field(default_factory=lambda: utc_now().date())
    answers: dict[str, Any] = Field(sa_column=Column(JsonColumn, nullable=False))


# -- audit --------------------------------------------------------------------------------------


class AuditAction(StrEnum):
    invitations_issued = "invitations_issued"
    """Invitations created before the campaign opened."""
    invitations_added = "invitations_added"
    """Invitations created while the campaign was open: a works council sees them, since
    whoever answers them could bring a small team up to the minimum."""
    answers_imported = "answers_imported"
    campaign_opened = "campaign_opened"
    """Opened at its ``opens_at`` (actor ``schedule``)."""
    campaign_closed = "campaign_closed"
    campaign_reopened = "campaign_reopened"
    key_created = "key_created"
    """An API key made (by ``POST /keys``, the CLI, an organisation's first key, or a
    rotation: then just after the ``key_rotated`` of the key it replaces)."""
    key_revoked = "key_revoked"
    key_rotated = "key_rotated"
    """The key was revoked and replaced by a new one of the same role and unit."""
    account_created = "account_created"
    password_reset = "password_reset"
    """A new password set by an admin or the CLI; the account's sessions end and it unlocks."""
    signed_in = "signed_in"
    account_locked = "account_locked"
    """Too many failed sign-ins in a row: the account is locked for a while."""
    unit_renamed = "unit_renamed"
    """A unit's name changed (``PATCH /units/{id}``, or a row of an imported chart)."""
    unit_moved = "unit_moved"
    """A unit was given another parent."""
    unit_kind_changed = "unit_kind_changed"
    unit_report_language_changed = "unit_report_language_changed"
    """The language a unit's team report is written in was set, changed or cleared."""
    unit_archived = "unit_archived"
    campaign_deleted = "campaign_deleted"
    """A draft deleted with its units and invitations (``count``: the invitations removed); its
    id stays in the log, with the events before it."""


class AuditEvent(SQLModel, table=True):
    """Who did what to a campaign or an API key, when, and to how many: never an answer, never
    a secret."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    # No foreign key: the log outlives a draft campaign deleted, and keeps naming it.
    campaign_id: int | None = Field(default=None, index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    at: datetime = Field(default_factory=utc_now)
    actor: str = Field(max_length=100)
    action: AuditAction = Field(sa_type=String(40))
    count: int | None = None
    key_id: int | None = Field(default=None, foreign_key="apikey.id")
    account_id: int | None = Field(default=None, foreign_key="account.id")


class AuditEventPublic(SQLModel):
    id: int
    campaign_id: int | None
    unit_id: int | None
    at: datetime
    actor: str
    action: AuditAction
    count: int | None
    key_id: int | None = Field(
        default=None, description="The API key a key_* event is about (its id, never its secret)."
    )
    account_id: int | None = Field(
        default=None, description="The account an account event is about (sign-ins included)."
    )


# -- access -------------------------------------------------------------------------------------


class Role(StrEnum):
    admin = "admin"
    """The HR team of one organisation: everything in it, raw answers included."""
    leader = "leader"
    """A leader of one unit: results of that unit and everything under it, never raw answers."""
    auditor = "auditor"
    """A works council's auditor: the audit log, the campaigns and their confidentiality
    settings and disclosure decisions; never a result."""


class ApiKeyCreate(SQLModel):
    # What ``access.issue_key`` checks, as the JSON schema says it.
    model_config = {
        "json_schema_extra": {
            "description": "A leader's key names the leader's unit; an admin's or an auditor's"
            " key names none.",
            "oneOf": [
                {
                    "properties": {"role": {"const": "leader"}, "unit_id": {"type": "integer"}},
                    "required": ["unit_id"],
                },
                {
                    "properties": {
                        "role": {"enum": ["admin", "auditor"]},
                        "unit_id": {"type": "null"},
                    }
                },
            ],
        }
    }

    role: Role
    unit_id: int | None = Field(default=None, description="The leader's unit; none for admins.")

    _numbers = field_validator("unit_id", mode="before")(not_a_boolean)


class ApiKey(SQLModel, table=True):
    """An API key, stored as the SHA-256 of its secret: the key itself is shown once."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    role: Role = Field(sa_type=String(20))
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    prefix: str = Field(max_length=12)
    secret_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utc_now)
    revoked: bool = False


class ApiKeyPublic(SQLModel):
    """An API key as its organisation's admins see it: never its secret, nor the secret's hash."""

    id: int = Field(description="The key's id, as the audit log names it.")
    organisation_id: int = Field(description="The organisation the key belongs to.")
    role: Role = Field(description="admin: the whole organisation; leader: one unit and below.")
    unit_id: int | None = Field(description="The leader's unit; none for admin keys.")
    prefix: str = Field(
        description="The secret's first characters (``tvk_`` and four more), to tell keys"
        " apart; too few to guess the rest."
    )
    created_at: datetime = Field(description="When the key was made.")
    revoked: bool = Field(
        default=False, description="A revoked key is refused (401); it cannot be restored."
    )


class ApiKeyIssued(ApiKeyPublic):
    key: str = Field(description="The secret. It is shown this once and cannot be recovered.")


class ApiKeyRotated(ApiKeyIssued):
    """A key's replacement: a new secret with the same role and unit; the old key is revoked."""

    replaced_key_id: int = Field(description="The key this one replaces, now revoked.")


# -- invitations --------------------------------------------------------------------------------


class InvitationCreate(SQLModel):
    unit_id: int
    count: int = Field(ge=1, le=10_000)

    _numbers = field_validator("unit_id", "count", mode="before")(not_a_boolean)


class Invitation(SQLModel, table=True):
    """A one-time token to answer a campaign in one unit, stored as the SHA-256 of the token.

    The draft answers wait here until submission; submitting stores the response without any
    reference to the invitation, clears the draft and uses the invitation up, in one transaction.
    """

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    used: bool = False
    draft: dict[str, Any] | None = Field(
        default=None, sa_column=Column(NullableJsonColumn, nullable=True)
    )
    draft_language: str | None = Field(default=None, max_length=2)


# -- the installation's own secrets ---------------------------------------------------------------


class InstanceSecret(SQLModel, table=True):
    """A random key of this installation, made once and shared by every replica that uses the
    database (the key that signs the respondent form's anti-forgery tokens)."""

    name: str = Field(primary_key=True, max_length=50)
    value: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utc_now)


# -- people who sign in ---------------------------------------------------------------------------


class Account(SQLModel, table=True):
    """A person who signs in to the console (HR admins), the portal (leaders, bound to a unit
    and its subtree) or the audit views (auditors). The password is kept only as an argon2id
    hash; repeated failures lock the account for a while."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    email: str = Field(max_length=254, unique=True)
    name: str = Field(max_length=200)
    role: Role = Field(sa_type=String(20))
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    language: str = Field(default="en", max_length=2)
    password_hash: str = Field(max_length=200)
    failed_sign_ins: int = 0
    locked_until: datetime | None = None
    disabled_at: datetime | None = None
    created_at: datetime = Field(default_factory=utc_now)


class WebSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random token, this row its SHA-256, the
    anti-forgery token of the session's forms, and when it ends (idle or absolute)."""

    token_hash: str = Field(primary_key=True, max_length=64)
    account_id: int = Field(foreign_key="account.id", index=True)
    csrf: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utc_now)
    last_seen_at: datetime = Field(default_factory=utc_now)
    expires_at: datetime


# -- batches of reports ---------------------------------------------------------------------------


class ReportBatchStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


ACTIVE_BATCH = "status IN ('queued', 'running')"
"""A batch still to finish: a campaign has at most one (``uq_reportbatch_active_campaign``)."""


class ReportBatch(SQLModel, table=True):
    """Every report of a closed campaign rendered by a job, in one format and language, into
    the folder of the campaign's snapshot (``api.jobs.report_sets``), and how far it has got.

    ``heartbeat_at`` is when the worker running it last said it was alive (when it was queued,
    until then): a running batch silent for longer than the lease has lost its worker and is
    queued again. ``error`` says why a failed batch stopped; the units without a report, and
    why, are in the folder's ``index.json``."""

    __table_args__ = (
        Index(
            "uq_reportbatch_active_campaign",
            "campaign_id",
            unique=True,
            sqlite_where=text(ACTIVE_BATCH),
            postgresql_where=text(ACTIVE_BATCH),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    snapshot: str = Field(max_length=64)
    """The fingerprint of the campaign's snapshot the reports are made of."""
    format: str = Field(max_length=10)
    language: str = Field(max_length=2)
    status: ReportBatchStatus = Field(default=ReportBatchStatus.queued, sa_type=String(20))
    done: int = 0
    total: int = 0
    error: str | None = Field(default=None, max_length=2000)
    requested_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utc_now)
    heartbeat_at: datetime = Field(default_factory=utc_now)
    finished_at: datetime | None = None


# -- reports rendered at close --------------------------------------------------------------------


class ReportRunStatus(StrEnum):
    analysing = "analysing"
    rendering = "rendering"
    done = "done"
    failed = "failed"


class ReportRun(SQLModel, table=True):
    """The reports of a closed campaign's snapshot, rendered by the queue's workers once the
    campaign has closed (``api.jobs.reports_at_close``): one row per snapshot, made once.

    ``planned`` is how many reports (unit and language) the snapshot has, known once its
    analysis is stored; ``heartbeat_at`` is when a worker last moved the run on: a run silent
    for longer than the lease has lost its worker, and its missing reports are queued again."""

    __table_args__ = (UniqueConstraint("campaign_id", "snapshot"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    snapshot: str = Field(max_length=64)
    status: ReportRunStatus = Field(default=ReportRunStatus.analysing, sa_type=String(20))
    planned: int = 0
    error: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(default_factory=utc_now)
    heartbeat_at: datetime = Field(default_factory=utc_now)
    finished_at: datetime | None = None


class StoredAnalysis(SQLModel, table=True):
    """A closed campaign's analysis and everything its reports are built from, made once per
    snapshot by the first job of its run and read by every job that renders one of its
    reports, on any machine (compressed pickle; the database is the service's own)."""

    snapshot: str = Field(primary_key=True, max_length=64)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utc_now)


class RenderClaim(SQLModel, table=True):
    """A job rendering one unit's reports of a run: made (or renewed) when the job starts,
    deleted with the reports it stores. A claim older than the lease is a job whose worker
    died: its unit is queued again, up to ``attempts`` of 3."""

    run_id: int = Field(foreign_key="reportrun.id", primary_key=True)
    kind: str = Field(max_length=20, primary_key=True)
    unit_id: int = Field(primary_key=True)
    claimed_at: datetime = Field(default_factory=utc_now)
    attempts: int = 1


ORGANISATION_UNIT = 0
"""The ``unit_id`` of a stored organisation report: no unit has it."""


class StoredReport(SQLModel, table=True):
    """One report of a closed campaign's snapshot, rendered once and served as it was stored:
    a team's, a department's or the organisation's, in one language and format.

    ``status`` is ``written`` (``content`` holds the PDF, or the HTML page before its fonts are
    linked) or ``suppressed`` (``reason`` says why the unit has no report); a row is inserted
    whole or not at all, so a worker killed mid-render leaves nothing."""

    __table_args__ = (
        UniqueConstraint("campaign_id", "snapshot", "kind", "unit_id", "language", "format"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    snapshot: str = Field(max_length=64)
    kind: str = Field(max_length=20)
    unit_id: int
    language: str = Field(max_length=2)
    format: str = Field(max_length=10)
    status: str = Field(max_length=20)
    reason: str | None = Field(default=None, max_length=2000)
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    sha256: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utc_now)


# -- e-mail ---------------------------------------------------------------------------------------


class MailKind(StrEnum):
    invitation = "invitation"
    reminder = "reminder"
    report_ready = "report_ready"
    """A leader's notice that their unit's report is in the portal."""


class MailStatus(StrEnum):
    queued = "queued"
    """Waiting to be sent (``next_attempt_at``), first or again after a temporary failure."""
    sending = "sending"
    """Taken by a worker until ``lease_until``."""
    sent = "sent"
    failed = "failed"
    """Refused for good by the server, or out of attempts: ``error`` says why."""
    cancelled = "cancelled"
    """Not sent, and never will be: the campaign closed, or the person answered first."""


class MailRecipient(SQLModel, table=True):
    """An address on a campaign's list, kept only while the campaign is open (deleted at close)
    and never stored with or linked to a response.

    The invitation's token is derived from ``seed`` with a key of the installation
    (``api.services.mail``): it is never stored, and rebuilt for each message."""

    __table_args__ = (UniqueConstraint("campaign_id", "email"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    email: str = Field(max_length=254)
    language: str = Field(max_length=2)
    seed: str = Field(max_length=32, unique=True)
    invitation_id: int | None = Field(default=None, foreign_key="invitation.id", unique=True)
    created_at: datetime = Field(default_factory=utc_now)


class MailReminder(SQLModel, table=True):
    """A time HR set to remind those who have not answered; ``planned_at`` is when its
    messages were queued (once), ``planned`` how many."""

    __table_args__ = (UniqueConstraint("campaign_id", "send_at"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    send_at: datetime
    planned_at: datetime | None = None
    planned: int = 0
    created_at: datetime = Field(default_factory=utc_now)


class MailMessage(SQLModel, table=True):
    """One e-mail and its send log: queued, sent, retried after a temporary failure (``attempts``,
    ``error``: the server's reason, addresses masked), failed or cancelled. ``key`` makes each
    message once (an invitation per address, a reminder per reminder and address, a notice per
    campaign and leader). Never holds a token nor, once the campaign has closed, a recipient."""

    __table_args__ = (Index("ix_mailmessage_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    kind: MailKind = Field(sa_type=String(20))
    key: str = Field(max_length=100, unique=True)
    recipient_id: int | None = Field(default=None, foreign_key="mailrecipient.id", index=True)
    reminder_id: int | None = Field(default=None, foreign_key="mailreminder.id")
    account_id: int | None = Field(default=None, foreign_key="account.id")
    language: str = Field(max_length=2)
    link_base: str | None = Field(default=None, max_length=200)
    """The address the links start with when ``PUBLIC_URL`` is not set: that of the request
    that queued the message."""
    status: MailStatus = Field(default=MailStatus.queued, sa_type=String(20))
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utc_now)
    lease_until: datetime | None = None
    last_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utc_now)


class MailThrottle(SQLModel, table=True):
    """The sending rate shared by every worker: ``next_slot_at`` is the earliest time the next
    message may leave, taken with a guarded update on ``version``; ``sender`` is the run that
    sends until ``sender_until`` (one at a time, on any machine)."""

    name: str = Field(primary_key=True, max_length=20)
    next_slot_at: datetime = Field(default_factory=utc_now)
    version: int = 0
    sender: str | None = Field(default=None, max_length=32)
    sender_until: datetime | None = None


# -- guessing limits ------------------------------------------------------------------------------


class RateLimitCount(SQLModel, table=True):
    """The failures counted against one client or one account name (``api.services.rate_limits``)
    in the window ending at ``reset_at``. ``bucket`` is a SHA-256 digest of what is counted,
    never an address or a name in clear; ``reset_at`` is in seconds since the epoch, which
    compares alike in SQL on both databases. Rows past their window are deleted as failures
    come in."""

    __tablename__ = "ratelimit"

    bucket: str = Field(primary_key=True, max_length=64)
    failures: int
    reset_at: int = Field(sa_type=BigInteger, index=True)
