"""Formula injection: texts that a spreadsheet would run (OWASP's CSV injection list) put into
every text that reaches a file the service hands out (unit names, external ids, the campaign's
name), then every such file downloaded from the API and from HR's console and read back, the
CSV files with either separator and the SPSS file with pyreadstat: no cell starts like a
formula unless it is text behind an apostrophe or a genuine number, and no record splits. On
both databases."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyreadstat
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.app import create_app
from api.services import accounts
from api.services import campaigns as services
from api.services.accounts import AccountCreate
from api.services.csv_text import spreadsheet_safe, write_csv
from api.store.models import ResponseCreate, Role
from instrument import load_builtin
from tests.api.conftest import INSTRUMENT, Org
from tests.api.pages import PASSWORD, sign_in

API = "/api/v1"
CORE = load_builtin(INSTRUMENT)
ITEMS = CORE.item_ids
SCORES = [f"score_{s.id}" for s in (*CORE.scales, *CORE.composites)]
INJECTIONS = (
    "=1+1",
    "=cmd|' /C calc'!A0",
    "+1",
    "-1+1",
    "@SUM(1,1)",
    "\t=1",
    "\r=1+1",
    "\n=1",
    " =1",
    "\uff1d1",
    '"=1"',
    '=HYPERLINK("http://x","y")',
    ";=1",
    ",=1",
    "Night;-2+3",
    "Day\r\n@A1",
    "\u200b=1",
    "\uff20A1",
    "\uff0d1+1",
    "\ufeff+1",
)
SMALL = 3
"""The last teams get one response each: pooled at their department (the minimum is 3), they
are listed in the codebook's notes as folded."""
FORMULA = tuple("=+-@\uff1d\uff0b\uff0d\uff20")
NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
SEPARATORS = re.compile(r"[,;\t\r\n]")


def _after_skipped(text: str) -> str:
    """The text from the first character a spreadsheet does not skip: white space, control
    and format characters, and the quote that opens a quoted cell."""
    index = 0
    while index < len(text) and (
        text[index].isspace() or text[index] == '"' or unicodedata.category(text[index])[0] in "CZ"
    ):
        index += 1
    return text[index:]


def _runs(text: str) -> bool:
    """Whether a spreadsheet starting a cell at ``text`` would read a formula."""
    start = _after_skipped(text)
    return start.startswith(FORMULA) and not NUMBER.fullmatch(start)


def _assert_no_formula(text: str, where: str) -> None:
    """Neither the text nor any part of it after a separator or a line end starts a formula,
    and it does not start with a tab or a line end."""
    assert not text.startswith(("\t", "\r", "\n")), (where, text)
    for part in SEPARATORS.split(text):
        assert not _runs(part), (where, text, part)


def _assert_safe_csv(text: str, *, rows: int, where: str) -> list[list[str]]:
    """The file's records (header first), checked: ``rows`` records under the header, each as
    wide as the header; no cell a formula, read with commas or with semicolons."""
    table = list(csv.reader(io.StringIO(text, newline="")))
    assert len(table) == rows + 1, (where, len(table))
    assert {len(cells) for cells in table} == {len(table[0])}, where
    for cells in table:
        for cell in cells:
            _assert_no_formula(cell, where)
    for cells in csv.reader(io.StringIO(text, newline=""), delimiter=";"):
        for cell in cells:
            assert not _runs(cell), (where, "read with semicolons", cell)
    return table


# -- the rule itself ------------------------------------------------------------------------------


def test_every_injection_is_text_behind_an_apostrophe_whatever_the_separator() -> None:
    for text in INJECTIONS:
        safe = spreadsheet_safe(text)
        _assert_no_formula(safe, "spreadsheet_safe")
        assert safe.replace("'", "") == text.replace("'", "")
        written = write_csv(["a", text, "b"], [[text, 1.5, None]])
        assert written.endswith("\r\n")
        table = _assert_safe_csv(written, rows=1, where=repr(text))
        assert table[1][1:] == ["1.5", ""]


def test_genuine_numbers_stay_numbers_and_plain_text_stays_as_it_is() -> None:
    for text in ("-9", "-0.5", "3", "0", "Night shift", "R&D, Lyon", "a-b", "x=1", "'=1"):
        assert spreadsheet_safe(text) == text
    assert write_csv(["n", "t", "x"], [[-9, "-9", -0.5]]) == "n,t,x\r\n-9,-9,-0.5\r\n"
    assert spreadsheet_safe("-9=Does not apply") == "'-9=Does not apply"


# -- every file the service hands out -----------------------------------------------------------


@pytest.fixture
def hostile(org: Org, engine: Engine) -> Iterator[dict[str, Any]]:
    """An organisation whose names and ids are injections, a campaign named like one, answered
    in every team, invitation files issued while it is open, then closed; and HR signed in to
    the console."""
    client, headers = org.client, org.headers()

    def unit(name: str, kind: str, parent: int | None, external_id: str | None) -> int:
        made = client.post(
            f"{API}/units",
            json={"name": name, "kind": kind, "parent_id": parent, "external_id": external_id},
            headers=headers,
        )
        assert made.status_code == 201, made.text
        unit_id: int = made.json()["id"]
        return unit_id

    root = unit("=root()", "organisation", None, "=root")
    department = unit("@department", "department", root, "-dept")
    teams = [unit(text, "team", department, f"{text}#{n}") for n, text in enumerate(INJECTIONS)]
    created = client.post(
        f"{API}/campaigns",
        json={
            "name": '=HYPERLINK("http://x","campaign")',
            "instrument": INSTRUMENT,
            "unit_ids": teams,
            "languages": ["en", "fr"],
            "min_group_size": 3,
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    campaign: int = created.json()["id"]
    assert client.post(f"{API}/campaigns/{campaign}/open", headers=headers).status_code == 200
    sizes = {team: 1 if n >= len(teams) - SMALL else 3 for n, team in enumerate(teams)}
    with Session(engine, expire_on_commit=False) as session:
        services.submit_responses(
            session,
            campaign_id=campaign,
            responses=[
                ResponseCreate(
                    unit_id=team,
                    answers={
                        item: None if i == 0 else (team + seed + i) % 7 + 1
                        for i, item in enumerate(ITEMS)
                    },
                )
                for team, count in sizes.items()
                for seed in range(count)
            ],
        )
        accounts.create_account(
            session,
            organisation_id=org.organisation_id,
            data=AccountCreate(
                email="hr@acme.example", name="hr", role=Role.admin, password=PASSWORD
            ),
            actor="test",
        )
    with TestClient(create_app(engine), base_url="https://testserver") as browser:
        csrf = sign_in(browser, "hr@acme.example")
        files: dict[str, Any] = {
            "invitations (API)": client.post(
                f"{API}/campaigns/{campaign}/invitations",
                json={"unit_id": teams[6], "count": 2},
                headers={**headers, "Accept": "text/csv"},
            ),
            "links (console)": browser.post(
                f"/console/campaigns/{campaign}/invitations",
                data={"csrf": csrf, "unit": str(teams[6]), "count": "2", "language": "fr"},
            ),
            "address template (console)": browser.get(
                f"/console/campaigns/{campaign}/mail/template.csv"
            ),
        }
        closed = client.post(f"{API}/campaigns/{campaign}/close", headers=headers)
        assert closed.status_code == 200, closed.text
        yield {
            "campaign": campaign,
            "teams": teams,
            "responses": sum(sizes.values()),
            "files": files,
            "api": lambda path: client.get(f"{API}/campaigns/{campaign}/{path}", headers=headers),
            "console": lambda name: browser.get(f"/console/campaigns/{campaign}/{name}"),
        }


def _sav(content: bytes, tmp_path: Path, name: str) -> tuple[Any, Any]:
    path = tmp_path / name
    path.write_bytes(content)
    return pyreadstat.read_sav(str(path))


def test_no_file_handed_out_runs_a_formula_or_splits_a_record(
    hostile: dict[str, Any], tmp_path: Path
) -> None:
    responses, files = hostile["responses"], hostile["files"]
    # The files of an open campaign: links and the template to list addresses.
    for name, answer in files.items():
        assert answer.status_code in (200, 201), (name, answer.text[:300])
        assert answer.headers["content-type"].startswith("text/csv"), name
    _assert_safe_csv(files["invitations (API)"].text, rows=2, where="invitations")
    links = _assert_safe_csv(
        files["links (console)"].content.decode("utf-8-sig"), rows=2, where="links"
    )
    assert {row[1] for row in links[1:]} == {"'\r'=1+1"}
    _assert_safe_csv(
        files["address template (console)"].content.decode("utf-8-sig"),
        rows=len(INJECTIONS),
        where="address template",
    )
    # The files of the closed campaign, from the API and from the console, byte for byte.
    answers = hostile["api"]("export.csv")
    codebook = hostile["api"]("codebook?format=csv")
    for answer in (answers, codebook):
        assert answer.status_code == 200, answer.text[:300]
    assert hostile["console"]("answers.csv").content == answers.content
    assert hostile["console"]("codebook.csv").content == codebook.content
    table = _assert_safe_csv(answers.text, rows=responses, where="answers")
    assert table[0] == [
        *("unit_id", "unit_name", "unit_pooled", "language"),
        *ITEMS,
        *SCORES,
        *("careless", "careless_rules"),
    ]
    names = {row[1] for row in table[1:]}
    assert "'=1+1" in names
    assert "'@department" in names  # the small teams, pooled
    assert {row[4] for row in table[1:]} == {"-9"}  # 'does not apply': a number, as it was
    # The scores and the flag are genuine numbers, the rules plain words.
    scores = [cell for row in table[1:] for cell in row[4 + len(ITEMS) : -1] if cell]
    assert scores
    assert all(NUMBER.fullmatch(cell) for cell in scores)
    book = _assert_safe_csv(codebook.text, rows=4 + len(ITEMS) + len(SCORES) + 2, where="codebook")
    for language, folded in (("en", "folded:"), ("fr", "regroupées :")):
        notes = {row[0]: row for row in book[1:]}["unit_id"][book[0].index(f"notes_{language}")]
        assert folded in notes
        assert "into @department" in notes or "dans @department" in notes
    assert any(row[0] == ITEMS[0] and "'-9=" in "".join(row) for row in book[1:])
    # The SPSS file, in each language: its strings, its labels, its file label.
    api_sav = hostile["api"]("export.sav")
    french_sav = hostile["api"]("export.sav?language=fr")
    console_sav = hostile["console"]("answers.sav")
    for where, answer in (("API", api_sav), ("API, fr", french_sav), ("console", console_sav)):
        assert answer.status_code == 200, where
        frame, meta = _sav(answer.content, tmp_path, f"{where}.sav")
        assert len(frame) == responses, where
        texts = [
            *frame["unit_name"],
            *frame["language"],
            meta.file_label,
            *meta.column_names_to_labels.values(),
            *(label for labels in meta.variable_value_labels.values() for label in labels.values()),
        ]
        for text in texts:
            _assert_no_formula(text, f"SPSS ({where})")
        assert "'=1+1" in set(frame["unit_name"])
        assert meta.file_label.startswith("'=HYPERLINK")
