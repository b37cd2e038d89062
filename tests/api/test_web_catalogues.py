"""The pages' texts: every one from a catalogue, the same keys in every language, none in a
template."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from api.web.i18n import LANGUAGES, Translator, catalogue, negotiate

TEMPLATES = resources.files("api.web") / "templates"


def _templates() -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in TEMPLATES.iterdir():
        if folder.is_dir():
            for entry in folder.iterdir():
                if entry.name.endswith(".html"):
                    found[f"{folder.name}/{entry.name}"] = entry.read_text("utf-8")
    return found


def test_every_language_has_the_same_messages() -> None:
    keys = {language: set(catalogue(language)) for language in LANGUAGES}
    assert keys["fr"] == keys["en"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_placeholder_of_a_message_is_the_same_in_every_language(language: str) -> None:
    def fields(text: object) -> set[str]:
        return set(re.findall(r"\{(\w+)\}", text)) if isinstance(text, str) else set()

    english = catalogue("en")
    for key, text in catalogue(language).items():
        assert fields(text) == fields(english[key]), key


def test_templates_hold_no_text_of_their_own() -> None:
    templates = _templates()
    assert templates, "the templates are packaged"
    for name, source in templates.items():
        # What is left once the template's expressions, statements, comments and tags go.
        bare = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", source, flags=re.S)
        bare = re.sub(r"<!doctype html>|<[^>]*>", " ", bare, flags=re.S | re.I)
        assert not re.search(r"[^\W\d_]", bare), f"{name} holds text: {bare.split()}"
        # Nor in the attributes a person hears or reads.
        for attribute in re.findall(r'(?:aria-label|title|alt|placeholder)="([^"]*)"', source):
            assert attribute.startswith("{{"), (name, attribute)
            assert attribute.endswith("}}"), (name, attribute)


def test_every_message_a_template_asks_for_exists() -> None:
    asked: set[str] = set()
    for source in _templates().values():
        asked |= set(re.findall(r"""\bt\(\s*["']([a-z_.]+)["']""", source))
        asked |= {f"{k}.one" for k in re.findall(r"""t\.plural\(\s*["']([a-z_.]+)["']""", source)}
    messages = catalogue("en")
    # A key built in the template ("status." ~ state, "console.status_" ~ status) names a
    # group of messages.
    groups = {key for key in asked if key.endswith((".", "_"))}
    assert asked - groups - set(messages) == set()
    for group in groups:
        assert any(key.startswith(group) for key in messages), group
    for language in LANGUAGES:
        assert {f"language.{code}" for code in LANGUAGES} <= set(catalogue(language))


def test_plurals_and_dates_follow_each_language() -> None:
    from datetime import UTC, datetime

    english, french = Translator("en"), Translator("fr")
    assert english.plural("review.unanswered_lead", 1, na="x").startswith(
        "You have not answered 1 statement."
    )
    assert english.plural("review.unanswered_lead", 0, na="x").startswith(
        "You have not answered 0 statements."
    )
    assert french.plural("review.unanswered_lead", 0, na="x").startswith(
        "Vous n'avez pas répondu à 0 affirmation."
    )
    assert french.moment(datetime(2027, 2, 1, 9, 5, tzinfo=UTC)) == "1 février 2027 à 09:05 UTC"


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8", "fr"),
        ("de, en;q=0.5, fr;q=0.7", "fr"),
        ("de", None),
        ("en-GB", "en"),
        ("fr;q=0, en", "en"),
        ("fr;q=abc, en;q=0.1", "en"),
        ("", None),
    ],
)
def test_the_browsers_languages_pick_one_of_the_campaigns(header: str, chosen: str | None) -> None:
    assert negotiate(header, ("en", "fr")) == chosen
