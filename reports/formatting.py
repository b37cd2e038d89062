"""Numbers, intervals, percentages and dates written the way each language writes them.

These functions back the Jinja filters of :mod:`reports.render`; the tests call them too, to
check that the PDF prints exactly the view's numbers. English writes ``4.25`` and
``[3.90, 4.60]``; French writes ``4,25`` and ``[3,90 ; 4,60]`` (the comma is taken, so intervals
use a semicolon) with a narrow no-break space before ``;`` and ``%``.
"""

from __future__ import annotations

import math
from datetime import datetime

from reports.i18n import texts_for

MISSING = "–"
"""Printed where a number does not exist (an en dash)."""

MINUS = "−"
"""The typographic minus sign (U+2212), wider than a hyphen and never broken from its digits."""

NARROW_NBSP = "\u202f"


def format_number(value: float | None, *, language: str, digits: int = 2) -> str:
    """``value`` rounded to ``digits`` decimals, with the language's decimal separator."""
    if value is None or math.isnan(value):
        return MISSING
    text = f"{value:.{digits}f}"
    if text.startswith("-"):
        # "-0.00" is a rounding artefact, not a negative number.
        text = text[1:] if float(text) == 0 else MINUS + text[1:]
    return text.replace(".", ",") if language == "fr" else text


def format_signed(value: float | None, *, language: str, digits: int = 2) -> str:
    """Like :func:`format_number`, with an explicit ``+`` on positive values (differences)."""
    text = format_number(value, language=language, digits=digits)
    if text == MISSING or text.startswith(MINUS) or float(text.replace(",", ".")) == 0:
        return text
    return "+" + text


def format_interval(
    low: float | None, high: float | None, *, language: str, digits: int = 2, signed: bool = False
) -> str:
    """A confidence interval in brackets: ``[3.90, 4.60]`` or ``[3,90 ; 4,60]``."""
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return MISSING
    write = format_signed if signed else format_number
    separator = f"{NARROW_NBSP}; " if language == "fr" else ", "
    return (
        f"[{write(low, language=language, digits=digits)}{separator}"
        f"{write(high, language=language, digits=digits)}]"
    )


def format_percent(share: float | None, *, language: str) -> str:
    """A share in [0, 1] as a whole percentage: ``72%`` or ``72 %``."""
    if share is None or math.isnan(share):
        return MISSING
    number = format_number(100 * share, language=language, digits=0)
    return f"{number}{NARROW_NBSP}%" if language == "fr" else f"{number}%"


def format_date(moment: datetime, *, language: str) -> str:
    """A date in words: ``21 November 2025`` or ``21 novembre 2025``."""
    months = texts_for(language)["months"].split()
    day = "1er" if language == "fr" and moment.day == 1 else str(moment.day)
    return f"{day} {months[moment.month - 1]} {moment.year}"
