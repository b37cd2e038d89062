"""The ``transversal validate`` use case: an instrument validity report from a campaign or a CSV.

Reading the input (a campaign from the database, or a wide CSV of raw answers) is checked here,
with errors that name the field at fault; the analysis and the rendering are the packages'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from analysis.validity import ValidityAssessment, assess_validity
from api.services import campaigns as services
from api.services.csv_text import CsvRefused, read_csv_table
from api.services.errors import Conflict, NotFound
from api.services.exchange import NOT_APPLICABLE, UNIT_COLUMNS, UNIT_EXTERNAL_ID
from api.services.results import disclosed_responses
from api.store.db import session_scope
from instrument import Instrument
from reports.i18n import texts_for
from reports.validity import build_validity_view, render_validity_html, render_validity_pdf

GROUPS = ("department", "language")


class InputError(ValueError):
    """Input the report cannot be made from; ``field`` names the option, column or value."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


@dataclass(frozen=True)
class ValidityOutcome:
    assessment: ValidityAssessment
    instrument: Instrument
    html: Path
    pdf: Path


MAX_LISTED = 50
"""Problems a refused CSV lists one by one; the others are counted."""

TEAM_COLUMNS = ("unit_id", UNIT_EXTERNAL_ID, "unit_name")
"""The export's unit columns that name a respondent's team, in order of preference, when the
file has no ``--team-column``."""


@dataclass(frozen=True)
class CsvProblem:
    """One problem of a CSV: where (a line as a spreadsheet numbers it, the header being 1;
    a column by its name), the cell as written, and why."""

    reason: str
    line: int | None = None
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = [f"line {self.line}"] if self.line is not None else []
        if self.column is not None:
            where.append(f"column {self.column}")
        value = "" if self.value is None else f"{self.value!r} "
        return f"{', '.join(where)}: {value}{self.reason}" if where else value + self.reason


class CsvInputError(InputError):
    """A CSV refused for every problem in ``problems``, listed in one message."""

    def __init__(self, path: Path, problems: Sequence[CsvProblem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        if count == 1:
            problem = self.problems[0]
            joint = ": " if problem.line is None and problem.column is None else ", "
            super().__init__("--responses", f"{path}{joint}{problem}")
            return
        head = f"{path}: {count:,} problems (lines as a spreadsheet numbers them, the header is 1)"
        lines = [f"  {problem}" for problem in self.problems[:MAX_LISTED]]
        if count > MAX_LISTED:
            lines.append(f"  … and {count - MAX_LISTED:,} more")
        super().__init__("--responses", "\n".join([head, *lines]))


def read_responses_csv(
    path: Path, *, instrument: Instrument, team_column: str | None = None
) -> pd.DataFrame:
    """Raw answers from a wide CSV: a column per item id, a team column, and the product's
    own answers export as it is (``api.services.exchange``: its unit columns are read, the
    scores and the careless flag it may carry beside the items are derived again, so ignored).

    Parameters
    ----------
    path : Path
        A CSV in UTF-8, comma- or semicolon-separated (read as every CSV of the service is,
        ``read_csv_table``).
    instrument : Instrument
        Names the item columns and their response scale.
    team_column : str, optional
        The column naming each respondent's team; the file must have it when given. Without
        it, a column ``team`` if there is one, else the export's ``unit_id`` (or
        ``unit_external_id``, or ``unit_name``).

    Returns
    -------
    DataFrame
        A float column per item of the file (NaN: blank, or ``-9``/``na`` for 'does not
        apply'), ``team`` when the file names teams, and ``language`` when it has that
        column. Rows of an export with ``unit_pooled`` = 1 have no team: they pool several
        teams under the minimum group size, and would pass for one team in the agreement.

    Raises
    ------
    CsvInputError
        Listing every problem at once, by line and column: a file that cannot be read, is
        not UTF-8 or is empty; a column that is unknown, unnamed, repeated or missing; a
        value that is not a number, not a whole number or outside the response scale; a row
        with more cells than the header.
    """
    table = _csv_table(path)
    header = [cell.strip() for cell in table[0]]
    known = set(instrument.item_ids)
    other = {*_OTHER_COLUMNS, *_derived_columns(instrument)}
    problems: list[CsvProblem] = []
    seen: dict[str, int] = {}
    for index, name in enumerate(header):
        if not name:
            problems.append(
                CsvProblem("has no name: name it, or delete the column", 1, f"#{index + 1}")
            )
        elif name in seen:
            problems.append(CsvProblem(f"is named twice (also column {seen[name] + 1})", 1, name))
        else:
            seen[name] = index
            if name not in known and name not in other and name != team_column:
                problems.append(
                    CsvProblem(
                        f"is not an item of {instrument.ref}, nor a column of the answers"
                        f" export ({', '.join(UNIT_COLUMNS)}) or a team column",
                        1,
                        name,
                    )
                )
    if team_column is not None and team_column not in seen:
        problems.append(CsvProblem("is missing (--team-column names it)", 1, team_column))
    items = [name for name in seen if name in known]
    if not items:
        problems.append(CsvProblem("no column is named after an item of " + instrument.ref, 1))
    team = team_column or next((c for c in ("team", *TEAM_COLUMNS) if c in seen), None)
    values: dict[str, list[float]] = {item: [] for item in items}
    teams: list[str | None] = []
    languages: list[str] = []
    scale = instrument.response_scale
    for line, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            problems.append(
                CsvProblem(
                    f"the row has {len(cells)} cells, the header {len(header)}: put a cell"
                    " holding a comma or a semicolon in quotes",
                    line,
                )
            )
            continue
        row = {
            name: cells[index].strip() if index < len(cells) else "" for name, index in seen.items()
        }
        for item in items:
            value, reason = _answer(row[item], low=scale.min, high=scale.max)
            if reason is not None:
                problems.append(CsvProblem(reason, line, item, row[item]))
            values[item].append(value)
        pooled = row.get("unit_pooled", "")
        if pooled not in ("", "0", "1"):
            problems.append(CsvProblem("is neither 0 nor 1", line, "unit_pooled", pooled))
        name = row.get(team, "") if team is not None else ""
        teams.append(None if pooled == "1" or not name else name)
        languages.append(row.get("language", ""))
    if problems:
        raise CsvInputError(path, problems)
    frame = pd.DataFrame(values, dtype=np.float64)
    if team is not None:
        frame["team"] = pd.Series(teams, dtype=object)
    if "language" in seen:
        frame["language"] = pd.Series([language or None for language in languages], dtype=object)
    return frame


_OTHER_COLUMNS = frozenset({*UNIT_COLUMNS, UNIT_EXTERNAL_ID, "team"})
"""Columns that are not items and are read when present: the export's and the import's unit
columns, and ``team``."""


def _derived_columns(instrument: Instrument) -> set[str]:
    """The columns an answers export may carry beside the items that the analysis derives
    again from the answers, and so ignores: the scores (``score_<scale or composite id>``) and
    the careless-respondent flag (``careless``, ``careless_rules``): the validity report
    screens the respondents with its own policy."""
    ids = [*(scale.id for scale in instrument.scales), *(c.id for c in instrument.composites)]
    return {*(f"score_{score_id}" for score_id in ids), "careless", "careless_rules"}


def _csv_table(path: Path) -> list[list[str]]:
    """The cells of the file, header first, or ``CsvInputError`` saying why it cannot be read."""
    if path.is_dir():
        raise CsvInputError(path, [CsvProblem("is a folder, not a CSV file")])
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CsvInputError(path, [CsvProblem("does not exist")]) from None
    except OSError as error:
        raise CsvInputError(path, [CsvProblem(f"cannot be read: {error.strerror}")]) from None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise CsvInputError(
            path,
            [
                CsvProblem(
                    "holds NUL bytes: it is not CSV text (a spreadsheet or another binary file,"
                    " or text saved as UTF-16); save it as CSV UTF-8",
                    line,
                )
            ],
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start : error.start + 1].hex()
        raise CsvInputError(
            path,
            [CsvProblem(f"is not UTF-8 text (byte 0x{byte}): save the file as CSV UTF-8", line)],
        ) from None
    try:
        return read_csv_table(text)
    except CsvRefused as refused:
        raise CsvInputError(
            path, [CsvProblem(p.reason, p.line, p.column) for p in refused.problems]
        ) from None


def _answer(cell: str, *, low: int, high: int) -> tuple[float, str | None]:
    """An answer cell as a number (NaN for blank and 'does not apply'), or why it is not one."""
    if cell == "" or cell.lower() == "na":
        return np.nan, None
    try:
        value = float(cell.replace(",", "."))
    except ValueError:
        return np.nan, "is not a number"
    if value == NOT_APPLICABLE:
        return np.nan, None
    if not np.isfinite(value):
        return np.nan, "is not a number"
    if value != round(value):
        return np.nan, f"is not a whole number on the response scale {low}..{high}"
    if not low <= value <= high:
        return np.nan, (
            f"lies outside the response scale {low}..{high} (-9 or blank for no answer)"
        )
    return value, None


def campaign_responses(
    engine: Engine, *, campaign_id: int, group: str | None
) -> tuple[pd.DataFrame, Instrument, str, int]:
    """A campaign's raw answers, with a ``group`` column when asked, its instrument, its name
    and its minimum group size."""
    if group is not None and group not in GROUPS:
        raise InputError("--group", f"must be one of {', '.join(GROUPS)}, not {group!r}")
    if group == "language":
        raise InputError(
            "--group",
            "the campaign's answers do not carry their language here; group by department",
        )
    with session_scope(engine) as session:
        try:
            data = services.load_snapshot(session, campaign_id=campaign_id)
        except NotFound:
            raise InputError("--campaign", f"no campaign {campaign_id}") from None
        except Conflict as refused:
            raise InputError("--campaign", str(refused)) from None
        services.record_read(session, campaign_id=campaign_id)
    # As the validity report of the console and the API: only the rows an export carries,
    # or its counts less the export's careless flags would tell about the withheld ones.
    responses = disclosed_responses(data)
    if group == "department":
        responses = responses.assign(department=data.departments_of(responses["team"], named=True))
    source = f"{data.organisation_name} · {data.campaign_name} · {(data.fingerprint or '')[:12]}"
    return responses, data.instrument, source, data.min_group_size


def write_validity_report(
    responses: pd.DataFrame,
    *,
    instrument: Instrument,
    out: Path,
    source: str,
    group: str | None = None,
    language: str = "en",
    parallel_iterations: int = 20,
    min_group_size: int = 5,
) -> ValidityOutcome:
    """Assess the instrument on ``responses`` and write ``validity.html`` and ``validity.pdf``;
    agreement pools the teams of at least ``min_group_size`` respondents only."""
    if language not in instrument.languages:
        raise InputError("--language", f"{instrument.ref} is in {', '.join(instrument.languages)}")
    t = texts_for(language)
    assessment = assess_validity(
        responses,
        instrument=instrument,
        group=group,
        parallel_iterations=parallel_iterations,
        min_group_size=min_group_size,
    )
    view = build_validity_view(
        assessment,
        instrument=instrument,
        language=language,
        generated_at=datetime.now(UTC),
        source=source,
        group_label=None if group is None else t[f"validity_{group}"],
    )
    html, pdf = out / "validity.html", out / "validity.pdf"
    page, document = render_validity_html(view), render_validity_pdf(view)
    try:
        out.mkdir(parents=True, exist_ok=True)
        html.write_text(page, encoding="utf-8")
        pdf.write_bytes(document)
    except OSError as error:
        raise InputError("--out", f"cannot write into {out}: {error.strerror or error}") from None
    return ValidityOutcome(assessment=assessment, instrument=instrument, html=html, pdf=pdf)
