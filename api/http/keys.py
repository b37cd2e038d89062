"""The organisation's API keys, for its admins: create, list, revoke and rotate. Every change
goes to the audit log under the calling key; no route gives a secret out twice."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.http.deps import PrincipalDep, SessionDep
from api.http.errors import error_responses
from api.services import access
from api.store.models import ApiKeyCreate, ApiKeyIssued, ApiKeyPublic, ApiKeyRotated

# Every route is an admin's.
router = APIRouter(tags=["access"], responses=error_responses(401, 403, 429))

_NO_SUCH_KEY = (
    "No such key in the caller's organisation (a key of another organisation is answered the same)."
)


@router.post("/keys", status_code=status.HTTP_201_CREATED, responses=error_responses(400, 413, 422))
def create_key(data: ApiKeyCreate, principal: PrincipalDep, session: SessionDep) -> ApiKeyIssued:
    """A new admin or leader key for the caller's organisation; the secret is shown once."""
    principal.require_admin()
    return access.issue_key(
        session, organisation_id=principal.organisation_id, data=data, actor=principal.actor
    )


@router.get("/keys")
def list_keys(principal: PrincipalDep, session: SessionDep) -> list[ApiKeyPublic]:
    """The organisation's keys, revoked ones included, oldest first: role, unit, the first
    characters of the secret and whether it is revoked; never the secret or its hash."""
    principal.require_admin()
    return access.list_keys(session, organisation_id=principal.organisation_id)


@router.post(
    "/keys/{key_id}/revoke",
    responses=error_responses(
        404,
        409,
        422,
        described={
            404: _NO_SUCH_KEY,
            409: "The organisation's last working admin key: revoking it would lock the"
            " organisation out.",
        },
    ),
)
def revoke_key(key_id: int, principal: PrincipalDep, session: SessionDep) -> ApiKeyPublic:
    """Revoke a key: from now on it is refused (401). Revoking a revoked key changes nothing
    and answers the key as it is. The caller may revoke its own key while another admin key
    works."""
    principal.require_admin()
    return access.revoke_key(
        session, organisation_id=principal.organisation_id, key_id=key_id, actor=principal.actor
    )


@router.post(
    "/keys/{key_id}/rotate",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(
        404, 409, 422, described={404: _NO_SUCH_KEY, 409: "The key is revoked already."}
    ),
)
def rotate_key(key_id: int, principal: PrincipalDep, session: SessionDep) -> ApiKeyRotated:
    """A new key with the same role and unit, shown once, and the old one revoked, in one
    transaction. Rotating the caller's own key is allowed: the next request uses the new one."""
    principal.require_admin()
    return access.rotate_key(
        session, organisation_id=principal.organisation_id, key_id=key_id, actor=principal.actor
    )
