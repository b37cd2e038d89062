"""Data access: the only module that touches the session. Functions never commit; the
services that call them own the transaction."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any, TypeVar, cast

from sqlalchemy import (
    CursorResult,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    null,
    or_,
    text,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy import select as sql_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import class_mapper, configure_mappers
from sqlmodel import Session, SQLModel, col, select

from api.store.models import (
    Account,
    ApiKey,
    AuditAction,
    AuditEvent,
    Campaign,
    CampaignSnapshot,
    CampaignStatus,
    CampaignUnit,
    InstanceSecret,
    Invitation,
    Organisation,
    Response,
    ResponseCreate,
    Role,
    Unit,
    WebSession,
    new_response_id,
    utc_now,
)

# Ids are 32-bit INTEGER columns. A larger id cannot exist, and the databases refuse to compare
# one with the column (PostgreSQL: integer out of range; SQLite: overflow) rather than find
# nothing, so lookups answer "no such row" without asking.
_ID_RANGE = range(-(2**31), 2**31)


def _table(model: type[SQLModel]) -> Table:
    table: Table = cast("Any", model).__table__
    return table


def add(session: Session, row: SQLModel) -> None:
    """Stage a row and flush it, so its database id is known."""
    session.add(row)
    session.flush()


def get_organisation(session: Session, *, organisation_id: int) -> Organisation | None:
    if organisation_id not in _ID_RANGE:
        return None
    return session.get(Organisation, organisation_id)


def organisation_named(session: Session, *, name: str) -> Organisation | None:
    """The organisation of this name, in any case."""
    statement = select(Organisation).where(func.lower(Organisation.name) == name.lower())
    return session.exec(statement).first()


def get_campaign(session: Session, *, campaign_id: int) -> Campaign | None:
    if campaign_id not in _ID_RANGE:
        return None
    return session.get(Campaign, campaign_id)


def get_snapshot(session: Session, *, campaign_id: int) -> CampaignSnapshot | None:
    if campaign_id not in _ID_RANGE:
        return None
    return session.get(CampaignSnapshot, campaign_id)


def mark_snapshot_read(session: Session, *, campaign_id: int, at: datetime) -> None:
    """Set the snapshot's first read, unless one is set already (one guarded update, after a
    read: every read of an output comes here, and an update, even of no row, waits for the
    database's write lock on SQLite)."""
    first_read = select(CampaignSnapshot.first_read_at).where(
        CampaignSnapshot.campaign_id == campaign_id
    )
    if session.exec(first_read).first() is not None:
        return
    statement = (
        update(CampaignSnapshot)
        .where(
            col(CampaignSnapshot.campaign_id) == campaign_id,
            col(CampaignSnapshot.first_read_at).is_(None),
        )
        .values(first_read_at=at)
    )
    session.execute(statement)


def reorder_responses(session: Session, *, campaign_id: int) -> None:
    """Rewrite a campaign's responses in the order of their random ids, in this transaction.

    PostgreSQL stores rows in the order they came, and each row keeps the id of the
    transaction that wrote it (``xmin``): both tell which response came last. Rewritten, the
    rows lie in the order of their random ids and all carry the closing transaction's id.
    SQLite's table has no rowid and is stored by id already (migration 0004).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    parameters = {"campaign_id": campaign_id}
    session.execute(
        text(
            "CREATE TEMPORARY TABLE response_reorder ON COMMIT DROP AS"
            " SELECT * FROM response WHERE campaign_id = :campaign_id"
        ),
        parameters,
    )
    session.execute(text("DELETE FROM response WHERE campaign_id = :campaign_id"), parameters)
    session.execute(text("INSERT INTO response SELECT * FROM response_reorder ORDER BY id"))
    session.execute(text("DROP TABLE response_reorder"))


def delete_drafts(session: Session, *, campaign_id: int) -> None:
    """Forget the saved drafts of a campaign's invitations (at close: nobody can send them)."""
    statement = (
        update(Invitation)
        .where(col(Invitation.campaign_id) == campaign_id, col(Invitation.draft).is_not(None))
        .values(draft=null(), draft_language=None)
    )
    session.execute(statement)


def previous_campaign(session: Session, *, campaign: Campaign) -> Campaign | None:
    """The campaign's previous wave: the one HR named, if it is closed; else the
    organisation's latest earlier closed campaign on the same instrument and version that
    covered one of this campaign's units and received answers in one of them; else None."""
    if campaign.previous_campaign_id is not None:
        named = get_campaign(session, campaign_id=campaign.previous_campaign_id)
        return named if named is not None and named.status == CampaignStatus.closed else None
    units = select(CampaignUnit.unit_id).where(CampaignUnit.campaign_id == campaign.id)
    answered = (
        select(Response.id)
        .where(col(Response.campaign_id) == col(Campaign.id), col(Response.unit_id).in_(units))
        .exists()
    )
    statement = (
        select(Campaign)
        .where(
            Campaign.organisation_id == campaign.organisation_id,
            Campaign.instrument_id == campaign.instrument_id,
            Campaign.instrument_version == campaign.instrument_version,
            Campaign.status == CampaignStatus.closed,
            # Campaign ids grow with creation: an earlier campaign has a smaller id.
            col(Campaign.id) < campaign.id,
            answered,
        )
        .order_by(col(Campaign.id).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def add_audit_event(
    session: Session,
    *,
    organisation_id: int,
    actor: str,
    action: AuditAction,
    campaign_id: int | None = None,
    unit_id: int | None = None,
    count: int | None = None,
    key_id: int | None = None,
    account_id: int | None = None,
) -> None:
    session.add(
        AuditEvent(
            organisation_id=organisation_id,
            campaign_id=campaign_id,
            unit_id=unit_id,
            key_id=key_id,
            account_id=account_id,
            actor=actor,
            action=action,
            count=count,
        )
    )


def audit_events(
    session: Session, *, organisation_id: int, campaign_id: int | None = None
) -> list[AuditEvent]:
    """The organisation's audit log (or one campaign's), oldest first."""
    if campaign_id is not None and campaign_id not in _ID_RANGE:
        return []
    statement = select(AuditEvent).where(AuditEvent.organisation_id == organisation_id)
    if campaign_id is not None:
        statement = statement.where(AuditEvent.campaign_id == campaign_id)
    return list(session.exec(statement.order_by(col(AuditEvent.id))))


def imported_by_unit(session: Session, *, campaign_id: int) -> dict[int, int]:
    """Responses imported into a campaign per unit, from the audit log."""
    statement = (
        select(AuditEvent.unit_id, func.sum(AuditEvent.count))
        .where(
            AuditEvent.campaign_id == campaign_id,
            AuditEvent.action == AuditAction.answers_imported,
        )
        .group_by(col(AuditEvent.unit_id))
    )
    return {int(u): int(n or 0) for u, n in session.exec(statement).all() if u is not None}


def list_units(session: Session, *, organisation_id: int) -> list[Unit]:
    statement = select(Unit).where(Unit.organisation_id == organisation_id).order_by(col(Unit.id))
    return list(session.exec(statement))


def units_by_id(session: Session, *, unit_ids: Iterable[int]) -> dict[int, Unit]:
    statement = select(Unit).where(col(Unit.id).in_([u for u in unit_ids if u in _ID_RANGE]))
    return {unit.id: unit for unit in session.exec(statement) if unit.id is not None}


def campaigns_with_unit(
    session: Session, *, unit_id: int, statuses: Iterable[CampaignStatus]
) -> list[Campaign]:
    """The campaigns the unit takes part in whose status is one of ``statuses``, oldest first."""
    statement = (
        select(Campaign)
        .join(CampaignUnit, col(CampaignUnit.campaign_id) == col(Campaign.id))
        .where(CampaignUnit.unit_id == unit_id, col(Campaign.status).in_(list(statuses)))
        .order_by(col(Campaign.id))
    )
    return list(session.exec(statement))


def campaigns_after(session: Session, *, previous_campaign_id: int) -> list[int]:
    """The campaigns that name this one as their previous wave."""
    statement = (
        select(Campaign.id)
        .where(Campaign.previous_campaign_id == previous_campaign_id)
        .order_by(col(Campaign.id))
    )
    return [campaign_id for campaign_id in session.exec(statement) if campaign_id is not None]


def delete_campaign(session: Session, *, campaign_id: int) -> int:
    """Delete a campaign with its units and invitations; returns how many invitations went.
    The caller makes sure it has no responses and no snapshot (a draft has neither)."""
    removed = _rows_changed(
        session, delete(Invitation).where(col(Invitation.campaign_id) == campaign_id)
    )
    session.execute(delete(CampaignUnit).where(col(CampaignUnit.campaign_id) == campaign_id))
    session.execute(delete(Campaign).where(col(Campaign.id) == campaign_id))
    return removed


def set_campaign_units(session: Session, *, campaign_id: int, invited: Mapping[int, int]) -> None:
    existing = {
        row.unit_id: row
        for row in session.exec(select(CampaignUnit).where(CampaignUnit.campaign_id == campaign_id))
    }
    for unit_id, count in invited.items():
        row = existing.get(unit_id) or CampaignUnit(campaign_id=campaign_id, unit_id=unit_id)
        row.invited = count
        session.add(row)
    session.flush()


def replace_campaign_units(session: Session, *, campaign_id: int, unit_ids: Sequence[int]) -> None:
    for row in session.exec(select(CampaignUnit).where(CampaignUnit.campaign_id == campaign_id)):
        if row.unit_id not in unit_ids:
            session.delete(row)
    session.flush()
    set_campaign_units(
        session,
        campaign_id=campaign_id,
        invited={u: 0 for u in unit_ids if u not in _campaign_unit_ids(session, campaign_id)},
    )


def _campaign_unit_ids(session: Session, campaign_id: int) -> set[int]:
    return {row.unit_id for row in campaign_units(session, campaign_id=campaign_id)}


def campaign_units(session: Session, *, campaign_id: int) -> list[CampaignUnit]:
    statement = select(CampaignUnit).where(CampaignUnit.campaign_id == campaign_id)
    return list(session.exec(statement))


def insert_responses(
    session: Session, *, campaign_id: int, responses: Sequence[ResponseCreate], day: date
) -> None:
    """Store responses in one statement (executemany)."""
    rows = [response_row(campaign_id, r, day) for r in responses]
    # Into the table, not the entity: the ORM's bulk insert costs more than the statement.
    # On the session's connection: a Core statement needs none of the ORM's execution.
    if len(rows) == 1:
        session.connection().execute(INSERT_RESPONSE, rows[0])
    elif rows:
        session.connection().execute(INSERT_RESPONSE, rows)


def response_row(campaign_id: int, response: ResponseCreate, day: date) -> dict[str, Any]:
    """The one place that decides what a stored response holds: a random id, its campaign,
    unit, language, day and answers, and nothing else."""
    return {
        "id": new_response_id(),
        "campaign_id": campaign_id,
        "unit_id": response.unit_id,
        "language": response.language,
        "submitted_on": day,
        "answers": dict(response.answers),
    }


def store_submission(
    session: Session, *, invitation_id: int, campaign_id: int, response: ResponseCreate, day: date
) -> bool:
    """Use the invitation up (drop its draft) and store its response; False, with nothing
    changed, if the invitation was used already.

    The condition on ``used`` is the guard: of two submissions with one token, one changes the
    row and the other changes nothing, even where no row lock holds (SQLite ignores FOR
    UPDATE). On PostgreSQL it is one statement, whose update feeds its insert: a response is
    stored only with the invitation it uses up. SQLite cannot write in a WITH: two statements.
    """
    row = response_row(campaign_id, response, day)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # Named apart from the invitation's columns, which an update would take for its values.
        values = {f"response_{name}": value for name, value in row.items()}
        stored = connection.execute(USE_AND_STORE, {"invitation_id": invitation_id, **values})
        return stored.rowcount == 1
    if connection.execute(USE_INVITATION, {"invitation_id": invitation_id}).rowcount != 1:
        return False
    connection.execute(INSERT_RESPONSE, row)
    return True


INSERT_RESPONSE = insert(_table(Response))


def response_answers(session: Session, *, campaign_id: int) -> list[tuple[int, dict[str, Any]]]:
    """(unit id, answers) of every response to a campaign.

    The answers are read as JSON text and decoded in one pass over all of them: decoding row by
    row through the driver and the ORM took most of the time of loading a large campaign.
    """
    statement = select(Response.unit_id, sql_cast(Response.answers, String)).where(
        Response.campaign_id == campaign_id
    )
    rows = session.connection().execute(statement).all()
    answers: list[dict[str, Any]] = json.loads("[" + ",".join(text for _, text in rows) + "]")
    return [(unit_id, row_answers) for (unit_id, _), row_answers in zip(rows, answers, strict=True)]


def count_responses(session: Session, *, campaign_id: int) -> dict[int, int]:
    statement = (
        select(Response.unit_id, func.count())
        .where(Response.campaign_id == campaign_id)
        .group_by(col(Response.unit_id))
    )
    return dict(session.exec(statement).all())


def unit_parents(session: Session, *, organisation_id: int) -> dict[int, int | None]:
    """Every unit of an organisation with its parent."""
    statement = select(Unit.id, Unit.parent_id).where(Unit.organisation_id == organisation_id)
    return {unit_id: parent for unit_id, parent in session.exec(statement) if unit_id is not None}


def list_campaigns(session: Session, *, organisation_id: int) -> list[Campaign]:
    statement = (
        select(Campaign)
        .where(Campaign.organisation_id == organisation_id)
        .order_by(col(Campaign.id))
    )
    return list(session.exec(statement))


def api_key_by_hash(session: Session, *, secret_hash: str) -> ApiKey | None:
    return session.exec(select(ApiKey).where(ApiKey.secret_hash == secret_hash)).first()


def get_api_key(session: Session, *, key_id: int, lock: bool = False) -> ApiKey | None:
    """The key with this id; ``lock`` holds its row until the transaction ends."""
    if key_id not in _ID_RANGE:
        return None
    statement = select(ApiKey).where(ApiKey.id == key_id)
    if lock:
        statement = statement.with_for_update()
    return session.exec(statement).first()


def api_keys(session: Session, *, organisation_id: int) -> list[ApiKey]:
    """Every key of an organisation, revoked ones included, oldest first."""
    statement = (
        select(ApiKey).where(ApiKey.organisation_id == organisation_id).order_by(col(ApiKey.id))
    )
    return list(session.exec(statement))


def working_admin_keys(session: Session, *, organisation_id: int) -> list[int]:
    """The ids of the organisation's admin keys not revoked, their rows held until the
    transaction ends: on PostgreSQL a second transaction revoking an admin key waits here,
    then sees the first one's revocation."""
    statement = (
        select(ApiKey.id)
        .where(
            ApiKey.organisation_id == organisation_id,
            ApiKey.role == Role.admin,
            col(ApiKey.revoked).is_(False),
        )
        .order_by(col(ApiKey.id))
        .with_for_update()
    )
    return [key_id for key_id in session.exec(statement) if key_id is not None]


def revoke_api_key(session: Session, *, key_id: int, organisation_id: int) -> bool:
    """Revoke a working key of the organisation unless it is its last working admin key;
    False if nothing changed (revoked already, or the last admin key).

    The condition is in the update, so that it holds where the rows were not locked (SQLite
    reads outside any transaction and ignores FOR UPDATE): two admins revoking the last two
    admin keys at once cannot both succeed.
    """
    other_admins = (
        select(func.count())
        .select_from(ApiKey)
        .where(
            ApiKey.organisation_id == organisation_id,
            ApiKey.role == Role.admin,
            col(ApiKey.revoked).is_(False),
            col(ApiKey.id) != key_id,
        )
        .scalar_subquery()
    )
    statement = (
        update(ApiKey)
        .where(
            col(ApiKey.id) == key_id,
            col(ApiKey.organisation_id) == organisation_id,
            col(ApiKey.revoked).is_(False),
            or_(col(ApiKey.role) != Role.admin, other_admins > 0),
        )
        .values(revoked=True)
        # The subquery cannot be evaluated in Python: the caller refreshes the rows it holds.
        .execution_options(synchronize_session=False)
    )
    return _rows_changed(session, statement) == 1


def insert_invitations(
    session: Session, *, campaign_id: int, unit_id: int, token_hashes: Sequence[str]
) -> None:
    rows = [
        {"campaign_id": campaign_id, "unit_id": unit_id, "token_hash": h, "used": False}
        for h in token_hashes
    ]
    if rows:
        session.execute(insert(Invitation), rows)


def invitation_by_hash(
    session: Session, *, token_hash: str, lock: bool = False
) -> Invitation | None:
    """The invitation behind a token digest; ``lock`` holds its row until the transaction ends,
    so that two submissions with one token cannot both succeed."""
    statement = select(Invitation).where(Invitation.token_hash == token_hash)
    if lock:
        statement = statement.with_for_update()
    return session.exec(statement).first()


def save_draft(
    session: Session, *, invitation_id: int, answers: Mapping[str, Any], language: str
) -> bool:
    """Keep a draft on an unused invitation; False if the invitation has been used meanwhile."""
    statement = (
        update(Invitation)
        .where(col(Invitation.id) == invitation_id, col(Invitation.used).is_(False))
        .values(draft=dict(answers), draft_language=language)
    )
    return _rows_changed(session, statement) == 1


_INVITATIONS = _table(Invitation)
_CAMPAIGNS = _table(Campaign)
# Built once, on the tables: each submission runs them, and building a statement, finding its
# cache key and going through the ORM cost several times what the database does.
USE_INVITATION = (
    update(_INVITATIONS)
    .where(_INVITATIONS.c.id == bindparam("invitation_id"), _INVITATIONS.c.used.is_(False))
    .values(used=True, draft=null(), draft_language=None)
)
_RESPONSES = _table(Response)
RESPONSE_COLUMNS = ("id", "campaign_id", "unit_id", "language", "submitted_on", "answers")
_USED = USE_INVITATION.returning(_INVITATIONS.c.id).cte("used")
USE_AND_STORE = (
    insert(_RESPONSES)
    .from_select(
        RESPONSE_COLUMNS,
        sql_select(
            *(
                sql_cast(bindparam(f"response_{name}", type_=column.type), column.type)
                for name, column in ((name, _RESPONSES.c[name]) for name in RESPONSE_COLUMNS)
            )
        ).select_from(_USED),
    )
    .execution_options(preserve_rowcount=True)
)  # an insert's count is not kept unless asked for
SUBMISSION = (
    sql_select(_INVITATIONS, _CAMPAIGNS)
    .join_from(_INVITATIONS, _CAMPAIGNS, _INVITATIONS.c.campaign_id == _CAMPAIGNS.c.id)
    .where(_INVITATIONS.c.token_hash == bindparam("token_hash"))
)
SUBMISSION_LOCKED = SUBMISSION.with_for_update(of=_INVITATIONS)


def invitation_and_campaign(
    session: Session, *, token_hash: str, lock: bool = False
) -> tuple[Invitation, Campaign] | None:
    """The invitation behind a token digest and its campaign, read in one statement, as
    objects outside the session (to read, not to change); ``lock`` holds the invitation's row
    until the transaction ends, as ``invitation_by_hash`` does."""
    statement = SUBMISSION_LOCKED if lock else SUBMISSION
    row = session.connection().execute(statement, {"token_hash": token_hash}).first()
    if row is None:
        return None
    return submission_row(row)


def submission_row(row: Sequence[Any]) -> tuple[Invitation, Campaign]:
    """The invitation and the campaign of a row of ``SUBMISSION``, its values converted."""
    split = len(_INVITATION_FIELDS)
    invitation = _as_loaded(Invitation, dict(zip(_INVITATION_FIELDS, row[:split], strict=True)))
    campaign = _as_loaded(Campaign, dict(zip(_CAMPAIGN_FIELDS, row[split:], strict=True)))
    return invitation, campaign


_INVITATION_FIELDS = tuple(c.name for c in _INVITATIONS.c)
_CAMPAIGN_FIELDS = tuple(c.name for c in _CAMPAIGNS.c)
_Model = TypeVar("_Model", bound=SQLModel)


def _as_loaded(model: type[_Model], values: dict[str, Any]) -> _Model:
    """An instance of ``model`` holding a row of its table, made as the ORM makes what it
    loads: no validation (the values come from the table, already converted by the columns'
    types) and in no session. Building it through the model's constructor validated every
    field again, the larger part of a submission's time outside the database."""
    instance: _Model = _class_manager(model).new_instance()
    instance.__dict__.update(values)
    return instance


@cache
def _class_manager(model: type[SQLModel]) -> Any:
    """The mapper's instrumentation of ``model``, once the mappers are configured: looked up
    once per model (configuring them again on every submission took a fifth of its reading)."""
    configure_mappers()
    return class_mapper(model).class_manager


def move_campaign(
    session: Session, *, campaign_id: int, before: CampaignStatus, after: CampaignStatus
) -> bool:
    """Set the campaign's status to ``after`` if it is still ``before``; False if another
    transaction moved it first (the update is the guard, on both databases)."""
    statement = (
        update(Campaign)
        .where(col(Campaign.id) == campaign_id, col(Campaign.status) == before)
        .values(status=after)
    )
    return _rows_changed(session, statement) == 1


def instance_secret(session: Session, *, name: str, make: Callable[[], str]) -> str:
    """The installation's secret called ``name``, made with ``make`` the first time it is asked
    for. Two replicas asking at once store one value: the second insert is skipped, and both
    read the row that won."""
    found = session.get(InstanceSecret, name)
    if found is not None:
        return found.value
    table = cast("Any", InstanceSecret).__table__
    row = {"name": name, "value": make(), "created_at": utc_now()}
    if session.get_bind().dialect.name == "postgresql":
        statement: Any = pg_insert(table).values(row).on_conflict_do_nothing()
    else:
        statement = sqlite_insert(table).values(row).on_conflict_do_nothing()
    session.execute(statement)
    session.flush()
    return session.exec(select(InstanceSecret.value).where(InstanceSecret.name == name)).one()


def _rows_changed(
    session: Session, statement: Any, parameters: Mapping[str, Any] | None = None
) -> int:
    return cast("CursorResult[Any]", session.execute(statement, parameters)).rowcount


def count_invitations(session: Session, *, campaign_id: int) -> dict[int, int]:
    statement = (
        select(Invitation.unit_id, func.count())
        .where(Invitation.campaign_id == campaign_id)
        .group_by(col(Invitation.unit_id))
    )
    return dict(session.exec(statement).all())


def response_contents(
    session: Session, *, campaign_id: int
) -> list[tuple[int, str, dict[str, Any]]]:
    """(unit id, language, answers) of every response to a campaign: neither its id nor its day.
    The answers are decoded in one pass over all of them (``response_answers`` says why)."""
    rows = response_texts(session, campaign_id=campaign_id)
    answers: list[dict[str, Any]] = json.loads("[" + ",".join(text for _, _, text in rows) + "]")
    return [
        (unit_id, language, row_answers)
        for (unit_id, language, _), row_answers in zip(rows, answers, strict=True)
    ]


def response_texts(session: Session, *, campaign_id: int) -> list[tuple[int, str, str]]:
    """(unit id, language, answers as the database stores their JSON) of every response to a
    campaign: what a snapshot's fingerprint hashes, with no decoding."""
    statement = select(
        Response.unit_id, Response.language, sql_cast(Response.answers, String)
    ).where(Response.campaign_id == campaign_id)
    return [
        (unit_id, language, text)
        for unit_id, language, text in session.connection().execute(statement).all()
    ]


# -- accounts and their sessions --------------------------------------------------------------


def account_by_email(session: Session, *, email: str) -> Account | None:
    return session.exec(select(Account).where(Account.email == email)).first()


def get_account(session: Session, *, account_id: int) -> Account | None:
    if account_id not in _ID_RANGE:
        return None
    return session.get(Account, account_id)


def list_accounts(session: Session, *, organisation_id: int) -> list[Account]:
    statement = (
        select(Account).where(Account.organisation_id == organisation_id).order_by(col(Account.id))
    )
    return list(session.exec(statement))


def web_session(session: Session, *, token_hash: str) -> WebSession | None:
    return session.get(WebSession, token_hash)


def end_web_sessions(session: Session, *, account_id: int) -> None:
    """Sign the account out everywhere."""
    session.execute(delete(WebSession).where(col(WebSession.account_id) == account_id))


def end_web_session(session: Session, *, token_hash: str) -> None:
    session.execute(delete(WebSession).where(col(WebSession.token_hash) == token_hash))
