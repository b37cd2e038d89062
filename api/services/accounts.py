"""People who sign in: HR admins, leaders and auditors, their passwords and their sessions.

Passwords are kept only as argon2id hashes (argon2-cffi's defaults, RFC 9106's second
recommended profile). A sign-in with an unknown address costs the same hash as one with a known
address and says the same thing, so the form tells nobody which addresses have accounts.
``MAX_FAILURES`` failed sign-ins in a row lock an account for ``LOCK_MINUTES``: a guesser gets
a handful of tries a quarter of an hour, whatever the address. The lock does not hold a browser
that has signed in to the account before (a trusted device, ``api.services.rate_limits``), so
a guesser cannot lock the owner out; that browser's own failures are held by the guessing
limits, and still count towards the lock for everyone else.

A session is a random token in an HttpOnly cookie; the database keeps its SHA-256, the
anti-forgery token of its forms, and its end: ``IDLE_HOURS`` after the last request, and
``ABSOLUTE_HOURS`` after the sign-in at most.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import BaseModel, Field, field_validator
from sqlmodel import Session

from api.services.access import Principal, digest, subtree
from api.services.campaigns import aware, require_organisation
from api.services.errors import Conflict, FieldError, NotFound, ValidationFailed
from api.store import repositories as repo
from api.store.models import Account, AuditAction, Role, WebSession, utc_now

MAX_FAILURES = 5
LOCK_MINUTES = 15
IDLE_HOURS = 2
ABSOLUTE_HOURS = 12
MIN_PASSWORD = 12
SESSION_PREFIX = "tvs_"

PASSWORD_HASHER = PasswordHasher()
"""argon2-cffi's defaults: argon2id, 3 passes over 64 MiB, 4 lanes (RFC 9106's second
recommendation), about 0.1 s a hash here."""
_hasher = PASSWORD_HASHER
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
# A hash of nothing anyone knows, checked when the address has no account: the same work.
_NOBODY = _hasher.hash(secrets.token_urlsafe(32))


class AccountCreate(BaseModel):
    email: str = Field(max_length=254)
    name: str = Field(max_length=200)
    role: Role
    unit_id: int | None = Field(default=None, description="The unit a leader answers for.")
    language: Literal["en", "fr"] = "en"
    password: str = Field(max_length=1000)

    @field_validator("email")
    @classmethod
    def _normal_email(cls, value: str) -> str:
        return value.strip().lower()

    @field_validator("name")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()


class AccountPublic(BaseModel):
    id: int
    organisation_id: int
    email: str
    name: str
    role: Role
    unit_id: int | None
    language: str
    locked: bool
    disabled: bool
    created_at: datetime


def public(account: Account) -> AccountPublic:
    assert account.id is not None
    locked = account.locked_until is not None and _after_now(account.locked_until)
    return AccountPublic(
        id=account.id,
        organisation_id=account.organisation_id,
        email=account.email,
        name=account.name,
        role=Role(account.role),
        unit_id=account.unit_id,
        language=account.language,
        locked=locked,
        disabled=account.disabled_at is not None,
        created_at=account.created_at,
    )


def password_errors(password: str, *, field: str = "password") -> list[FieldError]:
    """What is wrong with a new password: NCSC and NIST advice, length over complexity."""
    if len(password) < MIN_PASSWORD:
        return [FieldError(field, f"must be at least {MIN_PASSWORD} characters long")]
    if len(set(password)) < 4:
        return [FieldError(field, "must not repeat so few characters")]
    if password.strip() != password:
        return [FieldError(field, "must not begin or end with a space")]
    return []


def create_account(
    session: Session, *, organisation_id: int, data: AccountCreate, actor: str
) -> Account:
    """A new account; a leader is bound to a unit of the organisation, an admin or an auditor
    to none. Audited."""
    with session.begin():
        require_organisation(session, organisation_id)
        errors: list[FieldError] = []
        if not _EMAIL.match(data.email):
            errors.append(FieldError("email", "is not an e-mail address"))
        elif repo.account_by_email(session, email=data.email) is not None:
            errors.append(FieldError("email", "already has an account"))
        if not data.name:
            errors.append(FieldError("name", "must not be empty"))
        if data.role == Role.leader:
            unit = (
                repo.units_by_id(session, unit_ids=[data.unit_id]).get(data.unit_id)
                if data.unit_id is not None
                else None
            )
            if unit is None or unit.organisation_id != organisation_id:
                errors.append(FieldError("unit_id", "a leader needs a unit of the organisation"))
        elif data.unit_id is not None:
            errors.append(FieldError("unit_id", f"an {data.role} has no unit: leave it out"))
        errors += password_errors(data.password)
        if errors:
            raise ValidationFailed(errors)
        account = Account(
            organisation_id=organisation_id,
            email=data.email,
            name=data.name,
            role=data.role,
            unit_id=data.unit_id if data.role == Role.leader else None,
            language=data.language,
            password_hash=_hasher.hash(data.password),
        )
        repo.add(session, account)
        repo.add_audit_event(
            session,
            organisation_id=organisation_id,
            actor=actor,
            action=AuditAction.account_created,
            account_id=account.id,
            unit_id=account.unit_id,
        )
        return account


def reset_password(session: Session, *, email: str, password: str, actor: str) -> Account:
    """A new password for the account of ``email``: it is unlocked and signed out everywhere."""
    email = email.strip().lower()
    with session.begin():
        account = repo.account_by_email(session, email=email)
        if account is None or account.id is None:
            raise NotFound("account", f"for {email!r}")
        return _set_password(session, account, password=password, actor=actor)


def reset_password_of(
    session: Session, *, organisation_id: int, account_id: int, password: str, actor: str
) -> Account:
    """``reset_password`` for one of the organisation's accounts, by its id (HR's console);
    an account of another organisation is ``NotFound``, as one that does not exist."""
    with session.begin():
        account = repo.get_account(session, account_id=account_id)
        if account is None or account.id is None or account.organisation_id != organisation_id:
            raise NotFound("account", account_id)
        return _set_password(session, account, password=password, actor=actor)


def _set_password(session: Session, account: Account, *, password: str, actor: str) -> Account:
    assert account.id is not None
    errors = password_errors(password)
    if errors:
        raise ValidationFailed(errors)
    account.password_hash = _hasher.hash(password)
    account.failed_sign_ins = 0
    account.locked_until = None
    session.add(account)
    repo.end_web_sessions(session, account_id=account.id)
    repo.add_audit_event(
        session,
        organisation_id=account.organisation_id,
        actor=actor,
        action=AuditAction.password_reset,
        account_id=account.id,
    )
    return account


def new_password() -> str:
    """A password made by the server for HR to hand over once: four groups of five characters
    from 32 that are hard to mistake for one another (no 0/o, 1/l), 100 random bits, well
    over ``MIN_PASSWORD``."""
    while True:
        password = "-".join(
            "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(5)) for _ in range(4)
        )
        if not password_errors(password):
            return password


def is_email_address(text: str) -> bool:
    """Whether ``text`` has the shape of an address ``create_account`` takes."""
    return bool(_EMAIL.match(text.strip().lower()))


def last_sign_ins(session: Session, *, organisation_id: int) -> dict[int, datetime]:
    """When each of the organisation's accounts last signed in, from the audit log (accounts
    that never did are absent)."""
    with session.begin():
        events = repo.audit_events(session, organisation_id=organisation_id)
    return {
        e.account_id: e.at
        for e in events
        if e.action == AuditAction.signed_in and e.account_id is not None
    }


def list_accounts(session: Session, *, organisation_id: int) -> list[AccountPublic]:
    with session.begin():
        return [public(a) for a in repo.list_accounts(session, organisation_id=organisation_id)]


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie's token (shown this once) and the account."""

    token: str
    account: Account
    csrf: str
    expires_at: datetime


class SignInRefused(Exception):
    """Wrong address or password, or a locked or disabled account: one message for all."""


def sign_in(
    session: Session, *, email: str, password: str, trusted_device: bool = False
) -> SignedIn:
    """A session for the account, or ``SignInRefused``. Failures are counted (and the lock
    set) in their own transaction, which commits although the sign-in fails.
    ``trusted_device``: the browser has signed in to this account before, and the lock does
    not hold it."""
    email = email.strip().lower()
    now = utc_now()
    with session.begin():
        account = repo.account_by_email(session, email=email) if email else None
        if account is None or account.id is None:
            _verify(_NOBODY, password)
            raise SignInRefused
        locked = _after_now(account.locked_until) and not trusted_device
        if account.disabled_at is not None or locked:
            _verify(_NOBODY, password)
            raise SignInRefused
        if not _verify(account.password_hash, password):
            account.failed_sign_ins += 1
            if account.failed_sign_ins >= MAX_FAILURES:
                account.failed_sign_ins = 0
                account.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                repo.add_audit_event(
                    session,
                    organisation_id=account.organisation_id,
                    actor="sign-in form",
                    action=AuditAction.account_locked,
                    account_id=account.id,
                )
            session.add(account)
            failed = True
        else:
            failed = False
            account.failed_sign_ins = 0
            account.locked_until = None
            if _hasher.check_needs_rehash(account.password_hash):
                account.password_hash = _hasher.hash(password)
            session.add(account)
            token = SESSION_PREFIX + secrets.token_urlsafe(32)
            row = WebSession(
                token_hash=digest(token),
                account_id=account.id,
                csrf=secrets.token_hex(32),
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(hours=ABSOLUTE_HOURS),
            )
            repo.add(session, row)
            repo.add_audit_event(
                session,
                organisation_id=account.organisation_id,
                actor=actor_of(account),
                action=AuditAction.signed_in,
                account_id=account.id,
            )
    if failed:
        raise SignInRefused
    return SignedIn(token=token, account=account, csrf=row.csrf, expires_at=row.expires_at)


@dataclass(frozen=True)
class Visit:
    """A request from a signed-in browser: who, as which principal, and the forms' token."""

    account: Account
    principal: Principal
    csrf: str


def visit(session: Session, *, token: str | None) -> Visit | None:
    """The signed-in account behind a session cookie, or None (no cookie, unknown, expired,
    idle too long, or an account disabled or locked since)."""
    if not token:
        return None
    now = utc_now()
    with session.begin():
        row = repo.web_session(session, token_hash=digest(token))
        if row is None:
            return None
        idle_end = _aware_now(row.last_seen_at) + timedelta(hours=IDLE_HOURS)
        if _aware_now(row.expires_at) <= now or idle_end <= now:
            repo.end_web_session(session, token_hash=row.token_hash)
            return None
        account = repo.get_account(session, account_id=row.account_id)
        if account is None or account.disabled_at is not None:
            return None
        if now - _aware_now(row.last_seen_at) > timedelta(minutes=5):
            row.last_seen_at = now
            session.add(row)
        parents = repo.unit_parents(session, organisation_id=account.organisation_id)
        return Visit(account=account, principal=principal_of(account, parents), csrf=row.csrf)


def sign_out(session: Session, *, token: str | None) -> None:
    if not token:
        return
    with session.begin():
        repo.end_web_session(session, token_hash=digest(token))


def principal_of(account: Account, parents: dict[int, int | None]) -> Principal:
    """The same principal an API key of the account's role and unit would be."""
    assert account.id is not None
    role = Role(account.role)
    if role == Role.admin:
        units = frozenset(parents)
    elif role == Role.leader:
        units = frozenset(subtree(parents, root=account.unit_id or -1))
    else:
        units = frozenset()
    return Principal(
        key_id=0,
        organisation_id=account.organisation_id,
        role=role,
        unit_id=account.unit_id,
        units=units,
        account_id=account.id,
    )


def actor_of(account: Account) -> str:
    return f"{account.role} account {account.id}"


def require_unlocked(account: Account) -> None:
    if _after_now(account.locked_until):
        raise Conflict("the account is locked after too many failed sign-ins")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _after_now(moment: datetime | None) -> bool:
    return moment is not None and _aware_now(moment) > utc_now()


def _aware_now(moment: datetime) -> datetime:
    aware_moment = aware(moment)
    assert aware_moment is not None
    return aware_moment
