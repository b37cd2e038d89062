"""Texts a person reads, from catalogues in TOML: the pages' (``api.web.i18n``) and the
e-mails' (``api.jobs.mail_render``) share how a catalogue is read and how a text is formatted.

Keys are dotted (``welcome.start``); plural texts have ``.one`` and ``.other`` forms; dates are
written from ``common.date`` and ``common.months``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A TOML table's texts by dotted key."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


class Texts:
    """The texts of one language, called as ``t("key", name=value)``."""

    def __init__(self, language: str, messages: dict[str, Any]) -> None:
        self.language = language
        self._messages = messages

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
