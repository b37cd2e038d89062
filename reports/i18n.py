"""Every word the reports print that does not come from the instrument, in each language.

Scale names and descriptions come from the instrument; everything else (headings, explanations,
profile descriptions, month names) lives here, so a translator works in one file. Each language
has exactly the same keys; a test holds them to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from reports.texts_en import EN as _EN
from reports.texts_fr import FR as _FR

PROFILES = ("integrated", "community-led", "hierarchy-led", "disengaged")
"""The four HA × VA profiles, in the order the reports list them."""


def _french_spacing(text: str) -> str:
    """French puts a space before ; : ? ! and %; a no-break one keeps the sign on its line."""
    for mark in (";", ":", "?", "!", "%"):
        text = text.replace(f" {mark}", f"\u202f{mark}")
    return text


TEXTS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "en": MappingProxyType(_EN),
        "fr": MappingProxyType({key: _french_spacing(text) for key, text in _FR.items()}),
    }
)
"""UI strings by language, then by key."""

LANGUAGES = tuple(TEXTS)


def texts_for(language: str) -> Mapping[str, str]:
    """The UI strings of ``language``; ``ValueError`` names the supported ones otherwise."""
    try:
        return TEXTS[language]
    except KeyError:
        raise ValueError(
            f"language {language!r}: reports are available in {', '.join(LANGUAGES)}"
        ) from None
