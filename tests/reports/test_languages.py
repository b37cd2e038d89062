"""The language of a team's report: the one most of its respondents answered in."""

from __future__ import annotations

import pytest

from reports.languages import majority_language

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
