"""HR's organisation chart in the console: the chart as a tree, and an import of a chart CSV
pasted in a form, previewed (a dry run: what it adds and changes, every problem by row) before
it is applied in one transaction by ``api.services.org_chart.import_chart``. Admins only."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from api.services import org_chart
from api.services.accounts import Visit
from api.services.chart_csv import read_chart_csv
from api.services.chart_import import ImportProblem, UnitImport
from api.services.csv_text import CsvProblem, CsvRefused
from api.services.errors import FieldError, ValidationFailed
from api.services.org_chart import UnitImportRow
from api.store.models import Unit
from api.web.console.routes import VisitDep, _check_csrf, _language, _page
from api.web.i18n import LANGUAGES, Translator
from api.web.pages import PageError, SessionDep, check_same_origin, read_form

router = APIRouter(include_in_schema=False)

CHART_PAGE = "/console/chart"
FIRST_ROW = 2
"""The file's first row after its header, numbered as a spreadsheet does."""


def _require_admin(visit: Visit) -> None:
    if not visit.principal.is_admin:
        raise PageError(404, "not_found")


def _tree(units: list[Unit]) -> list[dict[str, Any]]:
    """The units not archived as nested nodes, each with its children, in name order."""
    nodes: dict[int | None, dict[str, Any]] = {
        u.id: {
            "id": u.id,
            "name": u.name,
            "kind": str(u.kind),
            "external_id": u.external_id,
            "children": [],
        }
        for u in units
        if u.archived_at is None
    }
    roots: list[dict[str, Any]] = []
    for unit in sorted(units, key=lambda u: (u.name.casefold(), u.id or 0)):
        node = nodes.get(unit.id)
        if node is None:
            continue
        parent = nodes.get(unit.parent_id) if unit.parent_id is not None else None
        (parent["children"] if parent is not None else roots).append(node)
    return roots


def _chart_page(
    request: Request,
    session: Session,
    visit: Visit,
    *,
    text: str = "",
    problems: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    units = org_chart.list_units(
        session, organisation_id=visit.principal.organisation_id, archived=True
    )
    return _page(
        request,
        visit,
        "console/chart.html",
        status=status,
        tree=_tree(units),
        notice=_notice(request, units) if status == 200 else None,
        text=text,
        errors=problems or [],
    )


def _notice(request: Request, units: list[Unit]) -> dict[str, str] | None:
    """What the unit's page just did (``?saved=<id>``, ``?archived=<id>``), to say so."""
    for done in ("saved", "archived"):
        asked = request.query_params.get(done, "")
        unit = next((u for u in units if str(u.id) == asked), None)
        if unit is not None:
            return {"key": f"chart_edit.notice_{done}", "name": unit.name}
    return None


def parse_chart_csv(text: str) -> tuple[list[UnitImportRow], list[FieldError | CsvProblem]]:
    """The rows of a pasted chart CSV, and every problem reading it (a text that is not CSV or
    breaks a limit, a missing column, an empty file, a bad value), numbered as a spreadsheet
    does. The API's import reads the file the same way."""
    try:
        return read_chart_csv(text.strip("\r\n")), []
    except CsvRefused as refused:
        return [], list(refused.problems)
    except ValidationFailed as refused:
        return [], list(refused.errors)


_ROW_FIELD = re.compile(r"rows\[(\d+)\]\.(\w+)")


def _problems(
    errors: Sequence[FieldError | ImportProblem | CsvProblem], texts: Translator
) -> list[dict[str, Any]]:
    """The problems as the page shows them: by row and column where there is one; a CSV that
    cannot be read in the page's language."""
    shown = []
    for error in errors:
        if isinstance(error, CsvProblem):
            shown.append(_csv_problem(error, texts))
            continue
        found = _ROW_FIELD.fullmatch(error.field)
        shown.append(
            {
                "id": "csv",
                "row": int(found.group(1)) if found else None,
                "column": found.group(2) if found else None,
                "reason": error.reason,
                "empty": False,
            }
        )
    return shown


def _csv_problem(problem: CsvProblem, texts: Translator) -> dict[str, Any]:
    """A problem of the reader's, in the page's language: with its row and column where the
    reader names the column, else as a whole sentence naming the row."""
    values = {
        "row": problem.line,
        "column": problem.column,
        **problem.values,
        "most": _number(int(problem.values.get("most", 0)), texts.language),
        "reason": problem.reason,
    }
    by_cell = problem.column is not None
    key = f"chart_csv.{problem.kind}"
    if not by_cell and problem.kind == "cell_too_long":
        key += "_row"  # over the CSV module's own limit: known by its row only
    return {
        "id": "csv",
        "row": problem.line if by_cell else None,
        "column": problem.column,
        "reason": texts(key, **values) if texts.known(key) else problem.reason,
        "empty": problem.kind in ("empty", "no_rows"),
    }


def _texts(request: Request, visit: Visit) -> Translator:
    return Translator(_language(request, visit))


def _number(value: int, language: str) -> str:
    """A whole number as the language writes it: 10,000 in English, 10 000 in French."""
    return f"{value:,}".replace(",", "\u202f" if language == "fr" else ",")


def _preview(session: Session, visit: Visit, rows: list[UnitImportRow]) -> UnitImport:
    return org_chart.import_chart(
        session,
        organisation_id=visit.principal.organisation_id,
        rows=rows,
        first_row=FIRST_ROW,
        dry_run=True,
        actor=visit.principal.actor,
    )


def _lang_suffix(request: Request) -> str:
    asked = request.query_params.get("lang")
    return f"?lang={asked}" if asked in LANGUAGES else ""


async def _posted_csv(request: Request, visit: Visit) -> str:
    """The form's CSV, once the post is same-origin, within the form reader's limits, with the
    session's anti-forgery token, from an admin."""
    check_same_origin(request)
    fields = await read_form(request)
    _check_csrf(visit, fields)
    _require_admin(visit)
    return fields.get("csv", "")


@router.get(CHART_PAGE)
def chart(request: Request, session: SessionDep, visit: VisitDep) -> Response:
    _require_admin(visit)
    return _chart_page(request, session, visit)


@router.get(f"{CHART_PAGE}/preview")
@router.get(f"{CHART_PAGE}/import")
def chart_back(request: Request, visit: VisitDep) -> Response:
    """A preview's address opened again (its language switch): the chart page, in that
    language."""
    _require_admin(visit)
    return RedirectResponse(CHART_PAGE + _lang_suffix(request), status_code=303)


@router.post(f"{CHART_PAGE}/preview")
async def chart_preview(request: Request, session: SessionDep, visit: VisitDep) -> Response:
    text = await _posted_csv(request, visit)
    rows, errors = parse_chart_csv(text)
    if errors:
        return _chart_page(
            request,
            session,
            visit,
            text=text,
            problems=_problems(errors, _texts(request, visit)),
            status=422,
        )
    outcome = _preview(session, visit, rows)
    return _page(
        request,
        visit,
        "console/chart_preview.html",
        status=422 if outcome.errors else 200,
        outcome=outcome,
        text=text,
        errors=_problems(outcome.errors, _texts(request, visit)),
    )


@router.post(f"{CHART_PAGE}/import")
async def chart_import(request: Request, session: SessionDep, visit: VisitDep) -> Response:
    text = await _posted_csv(request, visit)
    rows, errors = parse_chart_csv(text)
    if errors:
        return _chart_page(
            request,
            session,
            visit,
            text=text,
            problems=_problems(errors, _texts(request, visit)),
            status=422,
        )
    try:
        org_chart.import_chart(
            session,
            organisation_id=visit.principal.organisation_id,
            rows=rows,
            first_row=FIRST_ROW,
            actor=visit.principal.actor,
        )
    except ValidationFailed:
        # The chart changed since the preview: show what the file would do now.
        outcome = _preview(session, visit, rows)
        return _page(
            request,
            visit,
            "console/chart_preview.html",
            status=422,
            outcome=outcome,
            text=text,
            errors=_problems(outcome.errors, _texts(request, visit)),
        )
    return RedirectResponse(CHART_PAGE + _lang_suffix(request), status_code=303)
