"""Loading instruments from TOML files, packaged or the user's own.

A file that breaks a rule raises ``InstrumentError`` naming the file, the place (an item, a
scale, the response scale) and the rule, so its author can fix it without reading our code.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from instrument.model import Instrument

BUILTIN_PACKAGE = "instrument.data"
_WHERE_RULE = re.compile(
    r"^(?P<where>(?:item|scale|composite|instrument|response_scale)[^:]*): (?P<rule>.+)$"
)
_ENTRY_LISTS = ("items", "scales", "composites")


class InstrumentError(ValueError):
    """An instrument file breaks a rule."""

    def __init__(self, file: str, where: str, rule: str) -> None:
        self.file = file
        self.where = where
        self.rule = rule
        super().__init__(f"{file}: {where}: {rule}")


def parse_instrument(text: str, *, source: str) -> Instrument:
    """Parse and validate an instrument written in TOML; ``source`` names it in errors."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InstrumentError(source, "file", f"is not valid TOML ({exc})") from None
    return build_instrument(raw, source=source)


def build_instrument(raw: dict[str, Any], *, source: str) -> Instrument:
    """Validate an instrument given as plain data (the shape of the TOML file)."""
    try:
        return Instrument.model_validate(raw)
    except ValidationError as exc:
        raise _to_instrument_error(exc, raw, source) from None


def load_instrument(path: str | Path) -> Instrument:
    """Load and validate the user's instrument file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InstrumentError(str(path), "file", f"cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InstrumentError(str(path), "file", "is not UTF-8 text") from None
    return parse_instrument(text, source=str(path))


def builtin_refs() -> tuple[str, ...]:
    """The ``id@version`` of every instrument shipped with transversal."""
    refs = []
    for entry in resources.files(BUILTIN_PACKAGE).iterdir():
        if entry.name.endswith(".toml"):
            refs.append(entry.name.removesuffix(".toml"))
    return tuple(sorted(refs))


@cache
def load_builtin(ref: str = "transversal-core@1.0.0") -> Instrument:
    """Load a packaged instrument by its ``id@version``."""
    if ref not in builtin_refs():
        known = ", ".join(builtin_refs())
        raise InstrumentError(ref, "instrument", f"is not a packaged instrument (known: {known})")
    entry = resources.files(BUILTIN_PACKAGE).joinpath(f"{ref}.toml")
    instrument = parse_instrument(entry.read_text(encoding="utf-8"), source=ref)
    if instrument.ref != ref:
        raise InstrumentError(ref, "instrument", f"file declares {instrument.ref}, not {ref}")
    return instrument


def _to_instrument_error(exc: ValidationError, raw: dict[str, Any], source: str) -> InstrumentError:
    error = exc.errors()[0]
    message = str(error["msg"]).removeprefix("Value error, ")
    location = tuple(error["loc"])
    matched = _WHERE_RULE.match(message)
    if matched and error["type"] == "value_error":
        return InstrumentError(source, matched["where"], matched["rule"])
    where, field = _describe(location, raw)
    rule = f"field {field}: {message}"
    if isinstance(error["input"], str | int | float | bool) and error["type"] != "missing":
        rule += f" (got {error['input']!r})"
    return InstrumentError(source, where, rule)


def _describe(location: tuple[Any, ...], raw: dict[str, Any]) -> tuple[str, str]:
    """Name the place in the file a pydantic location points at, and the field within it.

    An entry of ``items``, ``scales`` or ``composites`` is named by its id, which its author
    can search for, rather than by its position in the list.
    """
    if len(location) >= 2 and location[0] in _ENTRY_LISTS and isinstance(location[1], int):
        kind = location[0].removesuffix("s")
        entries = raw.get(location[0])
        index = location[1]
        identifier = None
        if isinstance(entries, list) and index < len(entries) and isinstance(entries[index], dict):
            identifier = entries[index].get("id")
        where = (
            f"{kind} {identifier}" if isinstance(identifier, str) else f"{kind} number {index + 1}"
        )
        return where, _dotted(location[2:])
    if location and location[0] == "response_scale":
        return "response_scale", _dotted(location[1:])
    return "instrument", _dotted(location)


def _dotted(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location) or "(the whole entry)"
