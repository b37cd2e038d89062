"""The body of every error the API answers, and its declaration in the OpenAPI description.

The app's handlers (``api.app``) answer each refusal as ``{"detail": ..., "errors": [...]}``:
``detail`` says what went wrong, ``errors`` (422 only) names each field and its reason. The
routers declare the statuses each operation can answer with ``error_responses``, so that the
description says what the server sends, in place of FastAPI's own 422 schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema


class FieldProblem(BaseModel):
    """One reason a request was refused."""

    field: str = Field(
        description="The path of the input refused (``name``, ``unit_ids[0]``,"
        " ``rows[3].name``); ``body`` for the body as a whole."
    )
    reason: str = Field(description="Why it was refused, in plain words.")


def _no_default(*fields: str) -> Callable[[dict[str, Any]], None]:
    """Drops the ``default`` of ``fields`` from a model's JSON schema: a field that is left out
    when it has no value is never sent as null."""

    def drop(schema: dict[str, Any]) -> None:
        for name in fields:
            schema["properties"][name].pop("default", None)

    return drop


class ErrorBody(BaseModel):
    """Why a request was refused (every status from 400 up)."""

    # ``errors`` is left out of the body when there is no list: it is never null.
    model_config = ConfigDict(json_schema_extra=_no_default("errors"))

    detail: str = Field(description="What went wrong, in plain words.")
    errors: list[FieldProblem] | SkipJsonSchema[None] = Field(
        default=None,
        description="Every field refused and why, never empty (a 422 always has it); left out"
        " when the refusal is about no field in particular.",
    )


RATE_LIMITED = "Retry-After"
"""The header of a 429: the seconds to wait before trying again."""

DESCRIPTIONS: dict[int, str] = {
    400: "The body cannot be read as its media type says (JSON that is not UTF-8).",
    401: "No API key, or a key that does not exist or was revoked.",
    403: "The key's role may not do this.",
    404: "Nothing with that id in the caller's organisation (or it is outside the caller's"
    " units): the same answer as for an id that does not exist.",
    409: "The state of the data does not allow it now; ``detail`` says why.",
    413: "The request's body is larger than the server takes.",
    422: "The request breaks one or more rules: ``errors`` names each field and the reason.",
    429: "Too many failed attempts: wait the seconds ``Retry-After`` gives.",
}

_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "``Bearer``: send an API key as ``Authorization: Bearer <key>``.",
            "schema": {"type": "string"},
        }
    },
    429: {
        RATE_LIMITED: {
            "description": "The seconds to wait before trying again.",
            "schema": {"type": "integer", "minimum": 0},
        }
    },
}


def error_responses(
    *statuses: int, described: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a router or a route answering ``statuses`` with an ``ErrorBody``;
    ``described`` gives an operation's own description of a status in place of the common one."""
    own = described or {}
    if not set(statuses) <= set(DESCRIPTIONS) or not set(own) <= set(statuses):
        raise ValueError(f"no error response to declare for {sorted({*statuses, *own})}")
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        response: dict[str, Any] = {
            "model": ErrorBody,
            "description": own.get(status, DESCRIPTIONS[status]),
        }
        if status in _HEADERS:
            response["headers"] = _HEADERS[status]
        responses[status] = response
    return responses
