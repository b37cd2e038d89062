"""The org chart services' reasons for refusing an edit or an archive, in the page's language.

The services (``org_chart``, ``chart_rules``) write their reasons in English for the JSON API.
Each rule's reason is recognised here by the fixed words of its sentence, never by the names
inside it, and given a catalogue key of ``[chart_edit]``; the names the message shows (the
parent chosen, the root, the units under the unit, the campaigns it is in) come from the chart
the page has. A mapping, not codes in the services: it changes no service, no JSON answer and
no test of the API. A reason not recognised (a rule added since) is shown as the service wrote
it, marked as English, and ``tests/api/test_web_chart_edit.py`` sends every rule's reason
through the page, so a reworded rule fails a test rather than a page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from api.services.errors import FieldError
from api.store.models import Unit, UnitKind
from api.web.i18n import Translator

FORM_FIELDS = ("name", "kind", "parent")
"""The edit form's fields, in the order of the page: an error summary lists them so."""

_SERVICE_FIELDS = {"name": "name", "kind": "kind", "parent_id": "parent"}

Matches = Callable[[str], bool]

# The edit form's reasons: the field the service names, how its reason reads, the message key.
_EDIT_REASONS: tuple[tuple[str, Matches, str], ...] = (
    ("parent", lambda r: r.endswith(" is a team: a team has no units under it"), "parent_team"),
    ("parent", lambda r: r.startswith("the chart has its root already, "), "root_taken"),
    (
        "parent",
        lambda r: r.endswith(" needs a parent: only the organisation, at the root, has none"),
        "needs_parent",
    ),
    (
        "parent",
        lambda r: r == "an organisation is the root of the chart: it has no parent",
        "organisation_root",
    ),
    ("parent", lambda r: r == "a unit cannot be its own parent", "own_parent"),
    (
        "parent",
        lambda r: r.endswith(": a unit cannot move under one of its own units"),
        "under_own",
    ),
    ("parent", lambda r: r.endswith(" is archived: no unit goes under it"), "parent_archived"),
    ("parent", lambda r: r.startswith("unit ") and r.endswith(" does not exist"), "no_parent"),
    ("kind", lambda r: r.startswith("a team has no units under it, and "), "team_has_units"),
)

# The archive's refusals (``Conflict``): how the reason reads, the message key.
_ARCHIVE_REASONS: tuple[tuple[Matches, str], ...] = (
    (lambda r: " has units under it that are not archived: " in r, "refused_units"),
    (lambda r: " takes part in campaigns not closed yet: " in r, "refused_campaigns"),
)

_PLURAL = {"team_has_units": "units", "refused_units": "units", "refused_campaigns": "campaigns"}
"""The messages with a plural form, and the list whose length chooses it."""


@dataclass(frozen=True)
class Problem:
    """One problem as the page shows it: the id of the field it is about, its message, and
    ``lang`` when the message is the service's own English."""

    field: str
    message: str
    lang: str | None = None


def edit_problem(
    error: FieldError,
    *,
    texts: Translator,
    units: Sequence[Unit],
    unit: Unit,
    parent_id: int | None,
) -> Problem:
    """A refusal of ``update_unit`` for the edit form of ``unit``, moved under ``parent_id``."""
    field = _SERVICE_FIELDS.get(error.field, "name")
    for on, matches, key in _EDIT_REASONS:
        if on == field and matches(error.reason):
            lists = {"units": _below(units, unit)}
            names = {u.id: u.name for u in units}
            values = {
                "parent": names.get(parent_id, "") if parent_id is not None else "",
                "root": next((u.name for u in roots(units) if u.id != unit.id), ""),
            }
            return Problem(field, _message(texts, key, lists=lists, values=values))
    return Problem(field, error.reason, lang="en")


def archive_problem(
    reason: str,
    *,
    texts: Translator,
    units: Sequence[Unit],
    unit: Unit,
    campaigns: Sequence[str],
) -> Problem:
    """A refusal of ``archive_unit``, shown beside the archive button; ``campaigns`` names the
    campaigns not closed yet that the unit takes part in."""
    for matches, key in _ARCHIVE_REASONS:
        if matches(reason):
            lists = {"units": _below(units, unit), "campaigns": list(campaigns)}
            return Problem("archive", _message(texts, key, lists=lists, values={"name": unit.name}))
    return Problem("archive", reason, lang="en")


def _message(
    texts: Translator, key: str, *, lists: dict[str, list[str]], values: dict[str, str]
) -> str:
    joined = {name: texts("chart_edit.list_separator").join(v) for name, v in lists.items()}
    if key in _PLURAL:
        count = len(lists[_PLURAL[key]])
        return texts.plural(f"chart_edit.error_{key}", count, **joined, **values)
    return texts(f"chart_edit.error_{key}", **joined, **values)


def _below(units: Sequence[Unit], unit: Unit) -> list[str]:
    """The names of the units right under ``unit`` that are not archived."""
    return [u.name for u in units if u.parent_id == unit.id and u.archived_at is None]


def roots(units: Sequence[Unit]) -> list[Unit]:
    """The organisations at the root of the chart (one, unless the chart predates the rules)."""
    return [
        u
        for u in units
        if u.parent_id is None and u.kind == UnitKind.organisation and u.archived_at is None
    ]
