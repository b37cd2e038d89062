"""Malformed CSV files against every route that reads one (the chart import, the answers import,
the list of addresses) and HR's console page for the chart: each is refused with a 4xx naming
a field and nothing is stored; never a 500. On both databases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.app import create_app
from api.services import accounts
from api.services.accounts import AccountCreate
from api.services.csv_text import MAX_CELL_CHARS, MAX_ROWS
from api.services.org_chart import UnitImportRow
from api.store.models import Role
from api.web.i18n import catalogue
from tests.api.conftest import Org, Staged, stage_campaign, table_counts
from tests.api.pages import PASSWORD, page_text, sign_in

API = "/api/v1"
CSV = {"Content-Type": "text/csv"}


@dataclass(frozen=True)
class Route:
    """A route that reads CSV: where it is, its header and rows, what names a bad header."""

    name: str
    path: str
    header: tuple[str, ...]
    row: Callable[[int], tuple[str, ...]]
    """A good row (the n-th: addresses must differ)."""
    header_field: str
    """The field a header without the route's columns is refused with."""


def _routes(staged: Staged) -> list[Route]:
    night = str(staged.units["t1"])
    return [
        Route(
            "chart",
            f"{API}/units/import",
            ("external_id", "name", "parent_external_id"),
            lambda n: (f"x{n}", f"Team {n}", "d"),
            "header",
        ),
        Route(
            "answers",
            f"{API}/campaigns/{staged.campaign_id}/import",
            ("unit_id", "HA01"),
            lambda n: (night, str(n % 7 + 1)),
            "rows[1].unit_id",
        ),
        Route(
            "roster",
            f"{API}/campaigns/{staged.campaign_id}/roster",
            ("email", "unit", "language"),
            lambda n: (f"person{n}@acme.example", night, "en"),
            "columns",
        ),
    ]


def _line(cells: tuple[str, ...], delimiter: str = ",") -> str:
    return delimiter.join(cells)


def _corpus(route: Route) -> dict[str, tuple[bytes, str]]:
    """Each hostile file for the route, and the field its refusal must name. A file whose
    lines end oddly has a row with a cell too many on a known line: the refusal naming that
    line shows that the lines were read where a spreadsheet sees them."""
    head = _line(route.header)
    good = [_line(route.row(n)) for n in range(4)]
    wide = _line((*route.row(9), "extra"))
    long_cell = (*route.row(5)[:-1], "x" * (MAX_CELL_CHARS + 1))
    cases: dict[str, tuple[str | bytes, str]] = {
        "bare CR": ("\r".join([head, good[0], wide, good[1]]) + "\r", "rows[3]"),
        "CR LF": ("\r\n".join([head, good[0], good[1], wide]) + "\r\n", "rows[4]"),
        "mixed line ends": (f"{head}\r\n{good[0]}\r{good[1]}\n{wide}\r\n", "rows[4]"),
        "blank line kept in the count": (f"{head}\n{good[0]}\n\n{wide}\n", "rows[4]"),
        "unclosed quote": (f'{head}\n{good[0]}\n"{good[1]}\n{good[2]}\n', "rows[3]"),
        "quote in an unquoted cell": (f'{head}\n{good[0]}\nab"c{good[1]}\n', "rows[3]"),
        "text after a closing quote": (f'{head}\n"{good[0][:1]}"x{good[0][1:]}\n', "rows[2]"),
        "field over the CSV module's limit": (
            f'{head}\n{good[0]}\n"{"y" * 131_073}",{good[1]}\n',
            "rows[3]",
        ),
        "cell over the limit": (
            f"{head}\n{good[0]}\n{_line(long_cell)}\n",
            f"rows[3].{route.header[-1]}",
        ),
        "too many rows": (
            f"{head}\n" + f"{good[0]}\n" * (MAX_ROWS + 1),
            f"rows[{MAX_ROWS + 2}]",
        ),
        "NUL character": (f"{head}\n{good[0]}\n{good[1]}\x00\n", f"rows[3].{route.header[-1]}"),
        "header only": (f"{head}\r\n", "rows"),
        "blank lines only": ("\r\n \r\n", "header"),
        "empty body": ("", "body"),
        "BOM and semicolons": (
            "\ufeff"
            + "\r\n".join(
                [
                    _line(route.header, ";"),
                    _line(route.row(0), ";"),
                    _line((*route.row(2), "extra"), ";"),
                ]
            ),
            "rows[3]",
        ),
        "wrong columns": (f"id,title\n{good[0]}\n", route.header_field),
        "UTF-16 with its byte order mark": (f"{head}\n{good[0]}\n".encode("utf-16"), "body"),
        "UTF-16 without a byte order mark": (f"{head}\n{good[0]}\n".encode("utf-16-le"), "header"),
        "bytes that are not UTF-8": (f"{head}\n{good[0]}\n".encode() + b"\xff\xc3(\n", "body"),
    }
    return {
        name: (body if isinstance(body, bytes) else body.encode(), field)
        for name, (body, field) in cases.items()
    }


@pytest.fixture
def staged(org: Org, engine: Engine) -> Staged:
    return stage_campaign(
        engine,
        org.organisation_id,
        chart=[
            UnitImportRow(external_id="org", name="Acme", kind="organisation"),
            UnitImportRow(
                external_id="d", name="Nursing", kind="department", parent_external_id="org"
            ),
            UnitImportRow(external_id="t1", name="Night ward", parent_external_id="d"),
        ],
        teams=["t1"],
    )


def _fields(answer: httpx.Response) -> list[str]:
    return [e["field"] for e in answer.json()["errors"]]


@pytest.mark.parametrize("route_name", ["chart", "answers", "roster"])
def test_every_malformed_csv_is_refused_naming_a_field_and_nothing_is_stored(
    org: Org, engine: Engine, staged: Staged, route_name: str
) -> None:
    (route,) = [r for r in _routes(staged) if r.name == route_name]
    before = table_counts(engine)
    for case, (body, field) in _corpus(route).items():
        answer = org.client.post(route.path, content=body, headers={**org.headers(), **CSV})
        assert answer.status_code == 422, (case, answer.text[:500])
        fields = _fields(answer)
        assert field in fields, (case, answer.json())
        assert all(fields), case
        assert table_counts(engine) == before, case


def test_bare_cr_crlf_and_semicolons_are_read_as_a_spreadsheet_writes_them(
    org: Org, engine: Engine, staged: Staged
) -> None:
    header = "external_id,name,parent_external_id,kind"
    rows = ["p1,Pharmacy,d,team", 'p2,"Day, and night",d,team', 'p3,"Kitchen ""K""",d,team']
    for body in (
        "\r".join([header, *rows]),
        "\r\n".join([header, *rows]) + "\r\n",
        "\ufeff"
        + "\n".join(line.replace(",", ";") for line in [header, rows[0]])
        + '\np2;"Day, and night";d;team\np3;"Kitchen ""K""";d;team\n',
    ):
        preview = org.client.post(
            f"{API}/units/import?dry_run=true",
            content=body.encode(),
            headers={**org.headers(), **CSV},
        )
        assert preview.status_code == 200, preview.text
        added = {(u["row"], u["external_id"], u["name"]) for u in preview.json()["added"]}
        assert added == {
            (2, "p1", "Pharmacy"),
            (3, "p2", "Day, and night"),
            (4, "p3", 'Kitchen "K"'),
        }


# -- HR's console ---------------------------------------------------------------------------------


@pytest.fixture
def hr(org: Org, engine: Engine, staged: Staged) -> TestClient:
    with Session(engine, expire_on_commit=False) as session:
        accounts.create_account(
            session,
            organisation_id=org.organisation_id,
            data=AccountCreate(
                email="hr@acme.example", name="hr", role=Role.admin, password=PASSWORD
            ),
            actor="test",
        )
    return TestClient(create_app(engine), base_url="https://testserver")


def _console_corpus() -> dict[str, tuple[str, dict[str, Any]]]:
    """Pasted charts the page refuses, with the message (key and values) it must show."""
    head = "external_id,name,parent_external_id"
    return {
        "bare CR": (f"{head}\rx1,A,d\rx2,B,d,team,extra\r", {"key": "too_many_cells", "row": 3}),
        "unclosed quote": (f'{head}\nx1,"A,d\nx2,B,d\n', {"key": "unclosed_quote", "row": 2}),
        "quote in an unquoted cell": (f'{head}\nx1,A"B,d\n', {"key": "stray_quote", "row": 2}),
        "cell over the limit": (
            f"{head}\nx1,{'n' * (MAX_CELL_CHARS + 1)},d\n",
            {"key": "cell_too_long", "row": 2, "column": "name"},
        ),
        "wrong columns": ("id,name\nx1,A\n", {"key": "missing_columns"}),
        "header only": (f"{head}\n", {"key": "empty"}),
        "empty": ("", {"key": "empty"}),
    }


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_console_shows_why_a_pasted_chart_cannot_be_read_in_its_language(
    hr: TestClient, engine: Engine, language: str
) -> None:
    texts = catalogue(language)
    most = {"en": "10,000", "fr": "10\u202f000"}[language]
    with hr:
        csrf = sign_in(hr, "hr@acme.example")
        before = table_counts(engine)
        for case, (pasted, expected) in _console_corpus().items():
            for action in ("preview", "import"):
                page = hr.post(
                    f"/console/chart/{action}?lang={language}", data={"csrf": csrf, "csv": pasted}
                )
                assert page.status_code == 422, (case, action)
                shown = page_text(page.text[: page.text.index("<h1")])
                key = expected["key"]
                if key == "empty":
                    message = texts["chart.error_empty"]
                else:
                    reason = texts[f"chart_csv.{key}"].format(
                        row=expected.get("row"), most=most, names="external_id, parent_external_id",
                        cells=5, columns=3,
                    )  # fmt: skip
                    if "column" in expected:
                        message = texts["chart.error_row"].format(
                            row=expected["row"], column=expected["column"], reason=reason
                        )
                    else:
                        message = texts["chart.error_file"].format(reason=reason)
                assert " ".join(message.split()) in shown, (case, action, shown)
                assert table_counts(engine) == before, case
