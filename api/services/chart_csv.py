"""An organisation chart as CSV, as the API's import and HR's console take it: the header
``external_id,name,parent_external_id`` and the optional ``kind`` and ``report_language``
(a blank cell: not set), comma- or semicolon-separated, read by
``api.services.csv_text.read_csv_records`` with its limits."""

from __future__ import annotations

from pydantic import ValidationError

from api.services.chart_import import UnitImportRow
from api.services.csv_text import read_csv_records
from api.services.errors import FieldError, ValidationFailed, model_reason

CHART_COLUMNS = ("external_id", "name", "parent_external_id", "kind", "report_language")
REQUIRED_COLUMNS = CHART_COLUMNS[:3]


def read_chart_csv(text: str) -> list[UnitImportRow]:
    """The rows of a chart CSV; ``CsvRefused`` for a file that cannot be read, a missing
    column or no row, else ``ValidationFailed`` listing every bad value as
    ``rows[<line>].<column>``, lines numbered as a spreadsheet does (the header is 1)."""
    rows: list[UnitImportRow] = []
    errors: list[FieldError] = []
    for record in read_csv_records(text, required=REQUIRED_COLUMNS):
        cells = record.cells
        optional = {name: cells.get(name, "") for name in CHART_COLUMNS[3:]}
        try:
            rows.append(
                UnitImportRow.from_line(
                    {
                        "external_id": cells["external_id"],
                        "name": cells["name"],
                        "parent_external_id": cells["parent_external_id"] or None,
                        **{name: value for name, value in optional.items() if value},
                    },
                    record.line,
                )
            )
        except ValidationError as exc:
            errors += [
                FieldError(f"rows[{record.line}].{'.'.join(map(str, e['loc']))}", model_reason(e))
                for e in exc.errors()
            ]
    if errors:
        raise ValidationFailed(errors)
    return rows
