"""Numbers, intervals, percentages and dates are written the way each language writes them."""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from reports.formatting import (
    MINUS,
    MISSING,
    format_date,
    format_interval,
    format_number,
    format_percent,
    format_signed,
)


def test_english_uses_a_decimal_point_and_french_a_decimal_comma() -> None:
    assert format_number(4.256, language="en") == "4.26"
    assert format_number(4.256, language="fr") == "4,26"


def test_digits_set_the_rounding() -> None:
    assert format_number(4.25, language="en", digits=1) == "4.2"
    assert format_number(0.7, language="en", digits=0) == "1"


def test_a_negative_number_gets_a_typographic_minus() -> None:
    assert format_number(-0.704, language="en") == f"{MINUS}0.70"


def test_a_negative_number_that_rounds_to_zero_has_no_sign() -> None:
    assert format_number(-0.001, language="en") == "0.00"
    assert format_signed(-0.001, language="en") == "0.00"


@pytest.mark.parametrize("value", [None, math.nan])
def test_a_missing_number_prints_a_dash(value: float | None) -> None:
    assert format_number(value, language="fr") == MISSING
    assert format_signed(value, language="fr") == MISSING
    assert format_percent(value, language="fr") == MISSING


def test_a_difference_shows_its_sign() -> None:
    assert format_signed(1.5, language="fr") == "+1,50"
    assert format_signed(-1.5, language="fr") == f"{MINUS}1,50"


def test_french_intervals_separate_bounds_with_a_semicolon() -> None:
    assert format_interval(3.9, 4.6, language="en") == "[3.90, 4.60]"
    assert format_interval(3.9, 4.6, language="fr") == "[3,90\u202f; 4,60]"
    assert format_interval(-0.2, 0.4, language="en", signed=True) == f"[{MINUS}0.20, +0.40]"


def test_an_interval_with_a_missing_bound_prints_a_dash() -> None:
    assert format_interval(None, 4.6, language="en") == MISSING


def test_french_percentages_have_a_narrow_space_before_the_sign() -> None:
    assert format_percent(0.857, language="en") == "86%"
    assert format_percent(0.857, language="fr") == "86\u202f%"


def test_dates_are_written_in_words() -> None:
    assert format_date(datetime(2026, 3, 21), language="en") == "21 March 2026"
    assert format_date(datetime(2026, 3, 21), language="fr") == "21 mars 2026"
    assert format_date(datetime(2026, 8, 1), language="fr") == "1er août 2026"
