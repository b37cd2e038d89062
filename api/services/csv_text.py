"""CSV text in and out, one way for the whole service.

Reading
-------
``read_csv_table`` reads every CSV the service takes: answers, the organisation chart and the
list of addresses, from the API and from HR's console alike. Cells are separated by commas or,
as spreadsheets in French write them, by semicolons (whichever the first line holds more of);
lines end with CR LF, LF or a bare CR (old Mac exports), in any mix, and a quoted cell may hold
line ends of its own. Lines are numbered as in a spreadsheet: the header is line 1, and a
quoted cell running over several lines of text is one line. A text that cannot be read is
refused at its line, before any row is parsed into a model: a quote opened and never closed,
a quote inside a cell that is not quoted, or text after a cell's closing quote (a spreadsheet
never writes these; reading them one way or another would quietly move cells), a cell over
``MAX_CELL_CHARS``, more than ``MAX_ROWS`` rows, or a NUL character (PostgreSQL cannot store
it, and the file is refused on SQLite alike). A file with no cell, or with a header and no row
under it, is refused too. ``read_csv_records`` reads a file of named columns on top of it.

Writing
-------
``write_csv`` writes every CSV the service hands out, with RFC 4180's CR LF line ends, so a
cell holding a CR or an LF is quoted and a record cannot split. Every text cell goes through
``spreadsheet_safe``: a spreadsheet must never run what a unit's name or a label holds.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from api.services.errors import FieldError, ValidationFailed

MAX_ROWS = 100_000
"""Rows under the header a CSV file may hold: a chart of every unit of a large organisation,
or the answers of a campaign, fit many times over."""
MAX_CELL_CHARS = 10_000
"""Characters a cell may hold: a name or an answer is far shorter."""
MAX_COLUMN_NAME = 64
"""A header cell longer than this is named by its position in messages, not by its text."""

_LINE_END = re.compile(r"\r\n?|\n")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""What a spreadsheet takes for the start of a formula: ``= + - @`` and their full-width
forms, which some spreadsheets read alike."""
_IGNORED = (
    r"[\s\"\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]*"
)
"""What a spreadsheet may skip before a cell's first character: white space, control and
format characters, and a quote (the start of a quoted cell, read in the other separator)."""
_FORMULA = "".join(re.escape(c) for c in FORMULA_STARTS)
_FORMULA_AT_START = re.compile(rf"{_IGNORED}[{_FORMULA}]|[\t\r\n]")
_FORMULA_AFTER_BREAK = re.compile(
    rf"(?:(?<=[,;\t\n])|(?<=\r)(?!\n))(?={_IGNORED}[{_FORMULA}])"  # never inside a CR LF
)
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)")


# -- refusals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvProblem:
    """One reason a CSV text is refused: ``kind`` and ``values`` for a page to say it in its
    own language, ``reason`` to say it in English."""

    kind: str
    """``unclosed_quote``, ``stray_quote``, ``not_csv``, ``cell_too_long``,
    ``too_many_rows``, ``unstorable``, ``empty``, ``no_rows``, ``missing_columns``,
    ``column_twice`` or ``too_many_cells``."""
    reason: str
    line: int | None = None
    """The line (the header is 1); None for the file as a whole."""
    column: str | None = None
    values: Mapping[str, int | str] = field(default_factory=dict)

    @property
    def field(self) -> str:
        if self.line is None:
            return "rows"
        if self.line == 1:
            return "header"
        return f"rows[{self.line}]" + (f".{self.column}" if self.column else "")


class CsvRefused(ValidationFailed):
    """A CSV text refused as a whole, before any of its rows is parsed into a model."""

    def __init__(self, problems: Sequence[CsvProblem]) -> None:
        super().__init__([FieldError(p.field, p.reason) for p in problems])
        self.problems = tuple(problems)


class UnreadableCsv(CsvRefused):
    """A text that is not CSV, or breaks one of the reader's limits, at ``line``."""

    def __init__(self, problem: CsvProblem) -> None:
        super().__init__([problem])
        self.line = problem.line or 1
        self.reason = problem.reason


# -- reading ------------------------------------------------------------------------------------


class _Lines:
    """The lines of a text with their own line ends (CR LF, LF or CR), keeping those the CSV
    reader has taken since the last record: the record as written."""

    def __init__(self, text: str) -> None:
        self._lines = iter(io.StringIO(text, newline=""))
        self.taken: list[str] = []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.taken.append(line)
        return line

    def record(self) -> str:
        written = "".join(self.taken)
        self.taken.clear()
        return written


def read_csv_table(text: str) -> list[list[str]]:
    """The cells of a CSV text, header first; ``UnreadableCsv`` at the first line that cannot
    be read or breaks a limit, ``CsvRefused`` for a file without rows."""
    text = text.lstrip("\ufeff")
    first = _LINE_END.split(text, maxsplit=1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    well_formed = _WELL_FORMED[delimiter]
    suspect = _UNSTORABLE.search(text) is not None
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    table: list[list[str]] = []
    while True:
        line = len(table) + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise UnreadableCsv(_syntax_problem(str(exc), line)) from None
        written = lines.record()
        quoted = '"' in written and any('"' in cell for cell in cells)
        if quoted and not well_formed.fullmatch(written):
            raise UnreadableCsv(_stray_quote(line))
        if line > MAX_ROWS + 1:
            raise UnreadableCsv(
                CsvProblem(
                    "too_many_rows",
                    f"the file has more than {MAX_ROWS:,} rows under its header, the most a"
                    " file may hold: split it into several files",
                    line=line,
                    values={"most": MAX_ROWS},
                )
            )
        if cells and (suspect or max(map(len, cells)) > MAX_CELL_CHARS):
            _check_cells(cells, line=line, header=table[0] if table else [])
        table.append(cells)
    _check_not_empty(table)
    return table


def _record_pattern(delimiter: str) -> re.Pattern[str]:
    """A record as RFC 4180 writes it: cells quoted whole (a quote inside doubled) or holding
    no quote at all."""
    cell = rf'(?:"[^"]*(?:""[^"]*)*"|[^"{delimiter}\r\n]*)'
    return re.compile(rf"{cell}(?:{delimiter}{cell})*(?:\r\n|\r|\n)?")


_WELL_FORMED = {delimiter: _record_pattern(delimiter) for delimiter in ",;"}


def _syntax_problem(message: str, line: int) -> CsvProblem:
    if message == "unexpected end of data":
        return CsvProblem(
            "unclosed_quote",
            'a quote (") opens a cell on this line and is never closed',
            line=line,
        )
    if message.startswith("field larger than field limit"):
        return _too_long(line, None)
    if "expected after" in message:
        return _stray_quote(line)
    return CsvProblem("not_csv", f"not readable as CSV: {message}", line=line)


def _stray_quote(line: int) -> CsvProblem:
    return CsvProblem(
        "stray_quote",
        "a quote (\") inside a cell that is not quoted, or text after a cell's closing quote:"
        ' put the whole cell in quotes, and double each quote inside it ("")',
        line=line,
    )


def _too_long(line: int, column: str | None) -> CsvProblem:
    return CsvProblem(
        "cell_too_long",
        f"a cell holds more than {MAX_CELL_CHARS:,} characters, the most a cell may hold",
        line=line,
        column=column,
        values={"most": MAX_CELL_CHARS},
    )


def _check_cells(cells: Sequence[str], *, line: int, header: Sequence[str]) -> None:
    for index, cell in enumerate(cells):
        name = header[index].strip() if index < len(header) else ""
        column = name if 0 < len(name) <= MAX_COLUMN_NAME else f"(column {index + 1})"
        if len(cell) > MAX_CELL_CHARS:
            raise UnreadableCsv(_too_long(line, column))
        if _UNSTORABLE.search(cell):
            what = "a NUL character" if "\x00" in cell else "half of a UTF-16 surrogate pair"
            raise UnreadableCsv(
                CsvProblem(
                    "unstorable",
                    f"holds {what}, which cannot be stored: remove it (a file saved as UTF-16"
                    " holds one after every letter: save it as CSV UTF-8)",
                    line=line,
                    column=column,
                )
            )


def _check_not_empty(table: Sequence[Sequence[str]]) -> None:
    if not any(cell.strip() for cells in table for cell in cells):
        raise CsvRefused(
            [
                CsvProblem(
                    "empty",
                    "the file is empty: it needs a header line naming the columns, and rows"
                    " under it",
                    line=1,
                )
            ]
        )
    if not any(cell.strip() for cells in table[1:] for cell in cells):
        raise CsvRefused(
            [CsvProblem("no_rows", "no rows: the file has a header line and nothing under it")]
        )


@dataclass(frozen=True)
class CsvRecord:
    """A row of a file of named columns: its line, and its cells by column, stripped."""

    line: int
    cells: dict[str, str]


def read_csv_records(text: str, *, required: Sequence[str]) -> list[CsvRecord]:
    """The rows of a CSV text whose header names its columns (``required`` among them), blank
    rows left out; ``CsvRefused`` listing every missing or repeated column, and every row with
    more cells than the header."""
    table = read_csv_table(text)
    header = [cell.strip() for cell in table[0]]
    problems = [
        CsvProblem("column_twice", f"column {name!r} is named twice", line=1, values={"name": name})
        for name in dict.fromkeys(header)
        if name and header.count(name) > 1
    ]
    missing = [name for name in required if name not in header]
    if missing:
        names = ", ".join(missing)
        problems.append(
            CsvProblem(
                "missing_columns",
                f"missing column(s): {names}",
                line=1,
                values={"names": names},
            )
        )
    if problems:
        raise CsvRefused(problems)
    records: list[CsvRecord] = []
    for line, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            problems.append(
                CsvProblem(
                    "too_many_cells",
                    f"has {len(cells)} cells, the header {len(header)}: put a cell holding a"
                    " comma or a semicolon in quotes",
                    line=line,
                    values={"cells": len(cells), "columns": len(header)},
                )
            )
            continue
        padded = [*cells, *[""] * (len(header) - len(cells))]
        values = {name: cell.strip() for name, cell in zip(header, padded, strict=True) if name}
        records.append(CsvRecord(line, values))
    if problems:
        raise CsvRefused(problems)
    return records


# -- writing ------------------------------------------------------------------------------------

CsvCell = str | int | float | None
"""A cell to write: text, made safe for a spreadsheet; a number, written as it is; None,
blank."""


def spreadsheet_safe(text: str) -> str:
    """Text a spreadsheet will show as text, never run as a formula.

    A cell that starts like a formula, once white space, control characters and quotes before
    it are skipped (``=cmd|...``, ``" @SUM(1,1)"``, ``"＝1"``), or that starts with a tab or a
    line end, gets a leading apostrophe. So does each part of the text after a comma, a
    semicolon, a tab or a line end that starts like a formula: a spreadsheet that reads the
    file with the other separator (a French one reads a comma-separated file by its
    semicolons) or splits a record there starts a cell there. A genuine number (``-9``,
    ``-0.5``) is left as it is.
    """
    if _NUMBER.fullmatch(text):
        return text
    safe = _FORMULA_AFTER_BREAK.sub("'", text)
    return f"'{safe}" if _FORMULA_AT_START.match(text) else safe


def write_csv(header: Sequence[str], rows: Iterable[Sequence[CsvCell]]) -> str:
    """The header and the rows as CSV text: CR LF line ends, a cell quoted where it holds a
    comma, a quote or a line end, and every text cell through ``spreadsheet_safe``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(spreadsheet_safe(name) for name in header)
    writer.writerows(
        [spreadsheet_safe(cell) if isinstance(cell, str) else cell for cell in row] for row in rows
    )
    return out.getvalue()
