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

from api.services.errors import FieldError, ServiceError, ValidationFailed
from api.store import repositories as repo
from api.store.models import (
    ApiKey,
    ApiKeyCreate,
    ApiKeyIssued,
    Organisation,
    OrganisationCreate,
    Role,
)

KEY_PREFIX = "tvk_"
TOKEN_PREFIX = "tvi_"


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
    """The holder of an API key: an organisation, a role, and the units it may see."""

    key_id: int
    organisation_id: int
    role: Role
    unit_id: int | None
    units: frozenset[int]
    """Every unit this key may see: all of the organisation for an admin, a subtree for a leader."""

    @property
    def actor(self) -> str:
        """Who the audit log names: the key's role and id (never its secret)."""
        return f"{self.role} key {self.key_id}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

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
    else:
        units = frozenset(subtree(parents, root=row.unit_id or -1))
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


def issue_key(session: Session, *, organisation_id: int, data: ApiKeyCreate) -> ApiKeyIssued:
    """A new key, returned with its secret this once."""
    with session.begin():
        return _issue_key(session, organisation_id=organisation_id, data=data)


def init_organisation(
    session: Session, data: OrganisationCreate
) -> tuple[Organisation, ApiKeyIssued]:
    """An organisation and its first admin key, in one transaction."""
    with session.begin():
        organisation = Organisation(name=data.name)
        repo.add(session, organisation)
        assert organisation.id is not None
        key = _issue_key(
            session, organisation_id=organisation.id, data=ApiKeyCreate(role=Role.admin)
        )
        return organisation, key


def _issue_key(session: Session, *, organisation_id: int, data: ApiKeyCreate) -> ApiKeyIssued:
    if repo.get_organisation(session, organisation_id=organisation_id) is None:
        raise ValidationFailed(
            [FieldError("organisation_id", f"organisation {organisation_id} does not exist")]
        )
    if data.role == Role.admin and data.unit_id is not None:
        raise ValidationFailed(
            [FieldError("unit_id", "an admin key covers the whole organisation; give no unit")]
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
