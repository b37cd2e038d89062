"""Errors the services raise; the CLI and the HTTP layer turn them into messages and codes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class ServiceError(Exception):
    """A use case refused its input; nothing was written."""


class NotFound(ServiceError):
    def __init__(self, kind: str, identifier: object) -> None:
        self.kind = kind
        self.identifier = identifier
        super().__init__(f"{kind} {identifier} does not exist")


class Conflict(ServiceError):
    """The request is well formed but the state of the data does not allow it."""


@dataclass(frozen=True)
class FieldError:
    """One reason an input was refused: ``field`` is a dotted path into the input."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


def model_reason(error: Mapping[str, Any]) -> str:
    """The reason of one of pydantic's errors as a person reads it: a model's own rule says
    its reason in full, which pydantic prefixes with "Value error, "."""
    return str(error["msg"]).removeprefix("Value error, ")


class ValidationFailed(ServiceError):
    """The input breaks one or more rules; every broken rule is listed."""

    def __init__(self, errors: list[FieldError]) -> None:
        if not errors:
            raise ValueError("ValidationFailed needs at least one error")
        self.errors = tuple(errors)
        shown = "; ".join(str(e) for e in errors[:10])
        more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
        super().__init__(f"{len(errors)} problem(s): {shown}{more}")
