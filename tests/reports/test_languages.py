"""The language of a team's report: the one set on its unit, when the campaign has it, else the
one most of its respondents answered in."""

from __future__ import annotations

import pytest

from reports.languages import department_language, majority_language, team_language

CAMPAIGN = ("en", "fr")


@pytest.mark.parametrize(
    ("answered", "expected"),
    [
        (["fr", "fr", "fr"], "fr"),
        (["en", "fr", "fr"], "fr"),
        (["fr", "en", "en"], "en"),
        (["fr", "en"], "en"),  # a tie: the campaign's order decides
        ([], "en"),  # nobody answered: the campaign's first
        (["de", "de", "fr"], "fr"),  # a language the campaign lacks does not count
    ],
)
def test_the_majority_language_with_ties_in_the_campaign_order(
    answered: list[str], expected: str
) -> None:
    assert majority_language(answered, CAMPAIGN) == expected


def test_a_tie_follows_the_campaign_order_whichever_comes_first() -> None:
    assert majority_language(["en", "fr"], ("fr", "en")) == "fr"


def test_a_campaign_without_languages_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one language"):
        majority_language(["en"], ())


@pytest.mark.parametrize(
    ("answered", "chosen", "expected"),
    [
        (["fr", "fr", "fr"], "en", "en"),  # the unit's language, whatever its respondents'
        (["en", "en"], "fr", "fr"),
        ([], "fr", "fr"),  # nobody answered: still the unit's
        (["fr", "fr"], None, "fr"),  # none set: its respondents'
        (["fr", "en"], None, "en"),  # none set, a tie: the campaign's order
        (["fr", "fr"], "de", "fr"),  # one the campaign lacks: its respondents'
        ([], "de", "en"),  # nor answered: the campaign's first
    ],
)
def test_a_language_set_on_the_unit_comes_before_its_respondents(
    answered: list[str], chosen: str | None, expected: str
) -> None:
    assert team_language(answered, CAMPAIGN, chosen=chosen) == expected


def test_a_team_language_needs_a_campaign_with_languages() -> None:
    with pytest.raises(ValueError, match="at least one language"):
        team_language([], (), chosen="en")


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [("fr", "fr"), ("en", "en"), (None, "en"), ("de", "en")],
)
def test_a_department_report_is_in_its_units_language_else_the_campaigns_first(
    chosen: str | None, expected: str
) -> None:
    assert department_language(CAMPAIGN, chosen=chosen) == expected
    assert department_language(("fr", "en"), chosen=None) == "fr"
