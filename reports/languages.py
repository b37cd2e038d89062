"""Which language a report is written in.

A team's report is in the language set on its unit, when the unit has one and it is one of
the campaign's languages; otherwise in the language most of its respondents answered in (each
response stores the language of its form), ties broken by the order of the campaign's
languages. A team nobody answered (and that sets none) takes the campaign's first language.
A department's report is in the language set on its unit when the campaign has it, else in the
campaign's first (its readers are the department's, not one team's respondents); the
organisation's is in the campaign's first. ``team_language`` and ``department_language`` are
the one place these rules are written; every output that picks a report's language reads them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence


def majority_language(answered: Iterable[str], languages: Sequence[str]) -> str:
    """The language of ``languages`` (the campaign's, in its order) most answers in
    ``answered`` were given in; the first of the most answered in the campaign's order on a
    tie; the campaign's first when nobody answered in any of them."""
    if not languages:
        raise ValueError("languages: a campaign has at least one language")
    counts = Counter(language for language in answered if language in languages)
    if not counts:
        return languages[0]
    most = max(counts.values())
    return next(language for language in languages if counts[language] == most)


def team_language(answered: Iterable[str], languages: Sequence[str], *, chosen: str | None) -> str:
    """The language of a team's report: ``chosen`` (the one set on its unit) when it is one of
    ``languages`` (the campaign's), else ``majority_language`` of its respondents' languages
    ``answered``."""
    if not languages:
        raise ValueError("languages: a campaign has at least one language")
    if chosen is not None and chosen in languages:
        return chosen
    return majority_language(answered, languages)


def department_language(languages: Sequence[str], *, chosen: str | None) -> str:
    """The language of a department's report: ``chosen`` (the one set on its unit) when it is
    one of ``languages`` (the campaign's), else the campaign's first."""
    return team_language((), languages, chosen=chosen)
