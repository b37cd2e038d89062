"""An organisation chart as CSV, as the API's import and HR's console take it: the header
``external_id,name,parent_external_id`` and an optional ``kind``, comma- or
semicolon-separated, read by ``api.services.csv_text.read_csv_records`` with its limits."""

from __future__ import annotations

from pydantic import ValidationError

from api.services.chart_import import UnitImportRow
from api.services.csv_text import read_csv_records
from api.services.errors import FieldError, ValidationFailed

CHART_COLUMNS = ("external_id", "name", "parent_external_id", "kind")
REQUIRED_COLUMNS = CHART_COLUMNS[:3]


def read_chart_csv(text: str) -> list[UnitImportRow]:
    """The rows of a chart CSV; ``CsvRefused`` for a file that cannot be read, a missing
    column or no row, else ``ValidationFailed`` listing every bad value as
    ``rows[<line>].<column>``, lines numbered as a spreadsheet does (the header is 1)."""
    rows: list[UnitImportRow] = []
    errors: list[FieldError] = []
    for record in read_csv_records(text, required=REQUIRED_COLUMNS):
        cells = record.cells
        kind = cells.get("kind", "")
        try:
            rows.append(
                UnitImportRow.model_validate(
                    {
                        "external_id": cells["external_id"],
                        "name": cells["name"],
                        "parent_external_id": cells["parent_external_id"] or None,
                        **({"kind": kind} if kind else {}),
                    }
                )
            )
        except ValidationError as exc:
            errors += [
                FieldError(f"rows[{record.line}].{'.'.join(map(str, e['loc']))}", e["msg"])
                for e in exc.errors()
            ]
    if errors:
        raise ValidationFailed(errors)
    return rows
