"""Message catalogues: every text a page shows, per language, from ``messages/<lang>.toml`` and
the catalogues of one area each beside it, ``messages/<area>.<lang>.toml``.

Keys are dotted (``welcome.start``); plural texts have ``.one`` and ``.other`` forms. The
catalogues of all languages hold the same keys, and templates hold no text of their own.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES: tuple[str, ...] = ("en", "fr")
"""The languages the pages are written in; a campaign's languages are among these."""


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


@cache
def catalogue(language: str) -> dict[str, Any]:
    """The messages of ``language`` by dotted key."""
    if language not in LANGUAGES:
        raise KeyError(f"no message catalogue for {language!r}")
    folder = resources.files("api.web") / "messages"
    names = sorted(
        entry.name
        for entry in folder.iterdir()
        if entry.name == f"{language}.toml" or entry.name.endswith(f".{language}.toml")
    )
    messages: dict[str, Any] = {}
    for name in names:
        found = _flatten(tomllib.loads((folder / name).read_text("utf-8")))
        twice = sorted(set(found) & set(messages))
        if twice:
            raise ValueError(f"messages/{name} repeats keys of another catalogue: {twice}")
        messages.update(found)
    return messages


class Translator:
    """The texts of one language, called from templates as ``t("key", name=value)``."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._messages = catalogue(language)

    def __call__(self, key: str, **values: object) -> str:
        text = self._messages[key]
        if not isinstance(text, str):
            raise TypeError(f"message {key!r} is not a text")
        return text.format(**values) if values else text

    def known(self, key: str) -> bool:
        return isinstance(self._messages.get(key), str)

    def plural(self, key: str, count: int, **values: object) -> str:
        """The plural form of ``key`` for ``count`` (``{n}`` in the text is the count)."""
        # French puts 0 and 1 in the singular; English only 1.
        one = count in (0, 1) if self.language == "fr" else count == 1
        return self(f"{key}.{'one' if one else 'other'}", n=count, **values)

    def moment(self, when: datetime) -> str:
        """A date and time in UTC, written the language's way."""
        when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
        months = self._messages["common.months"]
        return self(
            "common.date",
            day=when.day,
            month=months[when.month - 1],
            year=when.year,
            time=when.strftime("%H:%M"),
        )


def negotiate(accept_language: str | None, available: tuple[str, ...] | list[str]) -> str | None:
    """The first of ``available`` the browser asks for in ``Accept-Language``, by its weights;
    None when it asks for none of them."""
    if not accept_language:
        return None
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary and weight > 0:
            wanted.append((-weight, position, primary))
    for _, _, primary in sorted(wanted):
        if primary in available:
            return primary
    return None
