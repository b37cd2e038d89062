"""Who may do what: API keys, roles and the units a key can see.

Secrets (API keys and invitation tokens) are random, at least 192 bits, and stored only as their
SHA-256 digest. A fast hash is right here: the secrets are high-entropy, so there is nothing to
guess, and a lookup by digest takes the same path whether or not the secret exists.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlmodel import Session

from api.services.errors import Conflict, FieldError, NotFound, ServiceError, ValidationFailed
from api.store import repositories as repo
from api.store.models import (
    ApiKey,
    ApiKeyCreate,
    ApiKeyIssued,
    ApiKeyPublic,
    ApiKeyRotated,
    AuditAction,
    Organisation,
    OrganisationCreate,
    Role,
)

KEY_PREFIX = "tvk_"
TOKEN_PREFIX = "tvi_"

SYSTEM = "transversal"
"""The actor the audit log names for a key made without a key or a command (the demo, a script
calling the services): the same as ``campaigns.SYSTEM``, which this module does not import (it
would load the reports and the analysis for every key command)."""


class Unauthenticated(ServiceError):
    """No key, or a key that does not exist or was revoked."""


class Forbidden(ServiceError):
    """The key is valid but its role may not do this."""


def new_secret(prefix: str) -> str:
    """A URL-safe secret with 192 random bits."""
    return prefix + secrets.token_urlsafe(24)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """The holder of an API key, or a signed-in account (``account_id``): an organisation, a
    role, and the units it may see."""

    key_id: int
    organisation_id: int
    role: Role
    unit_id: int | None
    units: frozenset[int]
    """Every unit this key may see: all of the organisation for an admin, a subtree for a
    leader, none for an auditor (who sees campaigns and the audit log, never a result)."""
    account_id: int | None = None

    @property
    def actor(self) -> str:
        """Who the audit log names: the key's or the account's role and id (never a secret)."""
        if self.account_id is not None:
            return f"{self.role} account {self.account_id}"
        return f"{self.role} key {self.key_id}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def is_auditor(self) -> bool:
        return self.role == Role.auditor

    def require_admin_or_auditor(self) -> None:
        if self.role not in (Role.admin, Role.auditor):
            raise Forbidden("this needs an admin or an auditor")

    def sees(self, unit_id: int) -> bool:
        return unit_id in self.units

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("this needs an admin key")


def authenticate(session: Session, *, key: str | None) -> Principal:
    """The principal behind a bearer key, or ``Unauthenticated``."""
    if not key:
        raise Unauthenticated("send an API key as 'Authorization: Bearer <key>'")
    with session.begin():
        row = repo.api_key_by_hash(session, secret_hash=digest(key))
        if row is None or row.revoked or row.id is None:
            raise Unauthenticated("the API key is not valid")
        parents = repo.unit_parents(session, organisation_id=row.organisation_id)
    if row.role == Role.admin:
        units = frozenset(parents)
    elif row.role == Role.leader:
        units = frozenset(subtree(parents, root=row.unit_id or -1))
    else:
        units = frozenset()
    return Principal(
        key_id=row.id,
        organisation_id=row.organisation_id,
        role=Role(row.role),
        unit_id=row.unit_id,
        units=units,
    )


def subtree(parents: dict[int, int | None], *, root: int) -> set[int]:
    """``root`` and every unit below it, given each unit's parent."""
    children: dict[int | None, list[int]] = {}
    for unit, parent in parents.items():
        children.setdefault(parent, []).append(unit)
    found: set[int] = set()
    stack = [root] if root in parents else []
    while stack:
        unit = stack.pop()
        if unit not in found:
            found.add(unit)
            stack.extend(children.get(unit, ()))
    return found


def issue_key(
    session: Session, *, organisation_id: int, data: ApiKeyCreate, actor: str = SYSTEM
) -> ApiKeyIssued:
    """A new key, returned with its secret this once; the audit log names ``actor``."""
    with session.begin():
        return _issue_key(session, organisation_id=organisation_id, data=data, actor=actor)


def init_organisation(
    session: Session, data: OrganisationCreate, *, actor: str = SYSTEM
) -> tuple[Organisation, ApiKeyIssued]:
    """An organisation and its first admin key, in one transaction. The name is trimmed; an
    empty name, or the name of an organisation that exists already (in any case), is refused:
    running ``init`` twice must not make two organisations of one name."""
    name = " ".join(data.name.split())
    if not name:
        raise ValidationFailed([FieldError("name", "the organisation's name must not be empty")])
    with session.begin():
        existing = repo.organisation_named(session, name=name)
        if existing is not None:
            raise Conflict(
                f"an organisation named {existing.name!r} exists already (id {existing.id}):"
                " create its keys and accounts with --org " + str(existing.id)
            )
        organisation = Organisation(name=name)
        repo.add(session, organisation)
        assert organisation.id is not None
        key = _issue_key(
            session,
            organisation_id=organisation.id,
            data=ApiKeyCreate(role=Role.admin),
            actor=actor,
        )
        return organisation, key


def list_keys(session: Session, *, organisation_id: int) -> list[ApiKeyPublic]:
    """The organisation's keys, revoked ones included, oldest first: never a secret or its
    hash."""
    with session.begin():
        if repo.get_organisation(session, organisation_id=organisation_id) is None:
            raise NotFound("organisation", organisation_id)
        rows = repo.api_keys(session, organisation_id=organisation_id)
    return [ApiKeyPublic.model_validate(row, from_attributes=True) for row in rows]


def revoke_key(session: Session, *, organisation_id: int, key_id: int, actor: str) -> ApiKeyPublic:
    """Revoke one of the organisation's keys: from now on it is refused (401).

    Revoking a revoked key changes nothing and answers the key as it is (so a script may
    repeat it), with no second audit event. The organisation's last working admin key is
    refused (``Conflict``): without it nobody could manage the organisation over HTTP any
    more. A key of another organisation is ``NotFound``, as one that does not exist.
    """
    with session.begin():
        key = _own_key(session, organisation_id=organisation_id, key_id=key_id)
        if key.revoked:
            return ApiKeyPublic.model_validate(key, from_attributes=True)
        if key.role == Role.admin and repo.working_admin_keys(
            session, organisation_id=organisation_id
        ) == [key_id]:
            raise Conflict(_last_admin_key(key_id))
        revoked = repo.revoke_api_key(session, key_id=key_id, organisation_id=organisation_id)
        session.refresh(key)
        if not revoked and not key.revoked:
            # Another transaction revoked the other admin keys between the check and here.
            raise Conflict(_last_admin_key(key_id))
        if revoked:
            repo.add_audit_event(
                session,
                organisation_id=organisation_id,
                actor=actor,
                action=AuditAction.key_revoked,
                unit_id=key.unit_id,
                key_id=key_id,
            )
        return ApiKeyPublic.model_validate(key, from_attributes=True)


def rotate_key(session: Session, *, organisation_id: int, key_id: int, actor: str) -> ApiKeyRotated:
    """A new secret for a key's role and unit, and the old key revoked, in one transaction;
    the new secret is returned this once.

    Rotating the last working admin key is allowed: its replacement is a working admin key
    made in the same transaction. A revoked key cannot be rotated (``Conflict``): that would
    bring its access back, which is creating a key.
    """
    with session.begin():
        key = _own_key(session, organisation_id=organisation_id, key_id=key_id)
        if key.revoked:
            raise Conflict(
                f"API key {key_id} is revoked: a revoked key cannot be rotated; create a new key"
            )
        repo.add_audit_event(
            session,
            organisation_id=organisation_id,
            actor=actor,
            action=AuditAction.key_rotated,
            unit_id=key.unit_id,
            key_id=key_id,
        )
        data = ApiKeyCreate(role=Role(key.role), unit_id=key.unit_id)
        issued = _issue_key(session, organisation_id=organisation_id, data=data, actor=actor)
        if not repo.revoke_api_key(session, key_id=key_id, organisation_id=organisation_id):
            raise Conflict(f"API key {key_id} was revoked meanwhile; nothing was changed")
        return ApiKeyRotated(**issued.model_dump(), replaced_key_id=key_id)


def _own_key(session: Session, *, organisation_id: int, key_id: int) -> ApiKey:
    """The organisation's key, its row held to the end of the transaction; a key of another
    organisation is answered as one that does not exist."""
    key = repo.get_api_key(session, key_id=key_id, lock=True)
    if key is None or key.organisation_id != organisation_id:
        raise NotFound("API key", key_id)
    return key


def _last_admin_key(key_id: int) -> str:
    return (
        f"API key {key_id} is the organisation's last working admin key: revoking it would"
        " lock the organisation out; create another admin key first, or rotate this one"
    )


def _issue_key(
    session: Session, *, organisation_id: int, data: ApiKeyCreate, actor: str
) -> ApiKeyIssued:
    if repo.get_organisation(session, organisation_id=organisation_id) is None:
        raise ValidationFailed(
            [FieldError("organisation_id", f"organisation {organisation_id} does not exist")]
        )
    if data.role == Role.admin and data.unit_id is not None:
        raise ValidationFailed(
            [FieldError("unit_id", "an admin key covers the whole organisation; give no unit")]
        )
    if data.role == Role.auditor and data.unit_id is not None:
        raise ValidationFailed(
            [FieldError("unit_id", "an auditor key reads the organisation's audit; give no unit")]
        )
    if data.role == Role.leader:
        units = repo.units_by_id(
            session, unit_ids=[data.unit_id] if data.unit_id is not None else []
        )
        unit = units.get(data.unit_id) if data.unit_id is not None else None
        if unit is None or unit.organisation_id != organisation_id:
            reason = (
                "a leader key needs the leader's unit"
                if data.unit_id is None
                else f"unit {data.unit_id} does not exist"
            )
            raise ValidationFailed([FieldError("unit_id", reason)])
    secret = new_secret(KEY_PREFIX)
    row = ApiKey(
        organisation_id=organisation_id,
        role=data.role,
        unit_id=data.unit_id,
        prefix=secret[: len(KEY_PREFIX) + 4],
        secret_hash=digest(secret),
    )
    repo.add(session, row)
    assert row.id is not None
    repo.add_audit_event(
        session,
        organisation_id=organisation_id,
        actor=actor,
        action=AuditAction.key_created,
        unit_id=data.unit_id,
        key_id=row.id,
    )
    return ApiKeyIssued(
        id=row.id,
        organisation_id=organisation_id,
        role=data.role,
        unit_id=data.unit_id,
        prefix=row.prefix,
        created_at=row.created_at,
        key=secret,
    )


FORM_KEY = "respondent-form"
"""The name of the installation's key that signs the respondent form's anti-forgery tokens."""


def installation_key(session: Session, *, name: str) -> bytes:
    """A 256-bit key of this installation, made on first use and stored in the database, so
    that every replica on the database signs and checks with the same key."""
    with session.begin():
        value = repo.instance_secret(session, name=name, make=lambda: secrets.token_hex(32))
    return bytes.fromhex(value)
