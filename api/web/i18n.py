"""Message catalogues: every text a page shows, per language, from ``messages/<lang>.toml`` and
the catalogues of one area each beside it, ``messages/<area>.<lang>.toml``.

Keys are dotted (``welcome.start``); plural texts have ``.one`` and ``.other`` forms. The
catalogues of all languages hold the same keys, and templates hold no text of their own.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from api.services.texts import Texts, flatten

LANGUAGES: tuple[str, ...] = ("en", "fr")
"""The languages the pages are written in; a campaign's languages are among these."""


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
        found = flatten(tomllib.loads((folder / name).read_text("utf-8")))
        twice = sorted(set(found) & set(messages))
        if twice:
            raise ValueError(f"messages/{name} repeats keys of another catalogue: {twice}")
        messages.update(found)
    return messages


class Translator(Texts):
    """The texts of one language, called from templates as ``t("key", name=value)``."""

    def __init__(self, language: str) -> None:
        super().__init__(language, catalogue(language))


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
