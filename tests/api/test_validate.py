"""``transversal validate`` from a CSV of answers and from a campaign in the database."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from analysis import simulate_organisation
from api.cli import app
from api.services import campaigns as services
from api.services import exchange, export_files
from api.services.access import Principal
from api.services.org_chart import UnitImportRow
from api.services.validate import MAX_LISTED, read_responses_csv
from api.settings import get_settings
from api.store import repositories as repo
from api.store.models import OrganisationCreate, ResponseCreate, Role, UnitKind
from instrument import load_builtin
from instrument.loader import BUILTIN_PACKAGE
from reports.i18n import texts_for
from tests.api.conftest import database_url_of, stage_campaign

runner = CliRunner()
FAST = ["--parallel-iterations", "2"]


def _instrument_file() -> str:
    return str(resources.files(BUILTIN_PACKAGE) / "transversal-core@1.0.0.toml")


@pytest.fixture(scope="module")
def answers_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    organisation = simulate_organisation(instrument=load_builtin(), n_teams=12, seed=4)
    path = tmp_path_factory.mktemp("csv") / "answers.csv"
    organisation.responses.fillna(-9).to_csv(path, index=False)
    return path


def test_validate_a_csv_writes_both_reports(answers_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = runner.invoke(
        app,
        ["validate", "--responses", str(answers_csv), "--instrument", _instrument_file(),
         "--out", str(out), *FAST],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out / "validity.pdf").read_bytes().startswith(b"%PDF")
    assert "Instrument validity report" in (out / "validity.html").read_text(encoding="utf-8")
    assert "holds together" in result.output


def test_a_csv_column_that_is_not_an_item_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("team,HA01,HAX99\nt1,3,4\n", encoding="utf-8")
    result = runner.invoke(
        app, ["validate", "--responses", str(path), "--instrument", _instrument_file()]
    )
    assert result.exit_code == 1
    assert "HAX99" in result.output
    assert not (tmp_path / "out").exists()


def test_a_csv_value_that_is_not_a_number_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("team,HA01\nt1,often\n", encoding="utf-8")
    result = runner.invoke(
        app, ["validate", "--responses", str(path), "--instrument", _instrument_file()]
    )
    assert result.exit_code == 1
    assert "HA01" in result.output
    assert "often" in result.output


def test_responses_without_an_instrument_are_refused(answers_csv: Path) -> None:
    result = runner.invoke(app, ["validate", "--responses", str(answers_csv)])
    assert result.exit_code == 1
    assert "--instrument" in result.output


def _closed_campaign(engine: Engine) -> int:
    """A simulated organisation's answers, stored and closed through the services: 12 teams
    in 2 departments of 84 and 30 respondents, large enough for every invariance fit across
    them to converge. The subject is the command reading it; collecting over HTTP and mail,
    the demo's way, is tested in tests/api/test_batch.py (it cost some 10 s here)."""
    instrument = load_builtin()
    simulated = simulate_organisation(instrument=instrument, n_teams=12, seed=6)
    chart = [
        UnitImportRow(
            external_id=str(unit.unit_id),
            name=str(unit.name),
            kind=UnitKind(str(unit.kind)),
            parent_external_id=None if unit.parent_id is None else str(unit.parent_id),
        )
        for unit in simulated.units.itertuples()
    ]
    teams = [str(t) for t in simulated.units.loc[simulated.units["kind"] == "team", "unit_id"]]
    with Session(engine, expire_on_commit=False) as session:
        organisation = services.create_organisation(
            session, OrganisationCreate(name=str(simulated.units["name"].iat[0]))
        )
    assert organisation.id is not None
    staged = stage_campaign(
        engine, organisation.id, chart=chart, teams=teams, languages=list(instrument.languages)
    )
    items = list(instrument.item_ids)
    responses = [
        ResponseCreate(
            unit_id=staged.units[str(row["team"])],
            answers={i: None if np.isnan(row[i]) else int(row[i]) for i in items},
        )
        for row in simulated.responses.to_dict("records")
    ]
    with Session(engine, expire_on_commit=False) as session:
        services.submit_responses(session, campaign_id=staged.campaign_id, responses=responses)
        services.close_campaign(session, campaign_id=staged.campaign_id)
    return staged.campaign_id


def test_validate_a_campaign_by_department(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign_id = _closed_campaign(engine)
    monkeypatch.setenv("DATABASE_URL", database_url_of(engine))
    get_settings.cache_clear()
    try:
        out = tmp_path / "campaign"
        args = ["validate", "--campaign", str(campaign_id), "--out", str(out)]
        result = runner.invoke(app, [*args, "--group", "department", "--language", "fr", *FAST])
        refused = runner.invoke(app, [*args, "--group", "language"])
        missing = runner.invoke(app, ["validate", "--campaign", "999"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert (out / "validity.pdf").exists()
    html = (out / "validity.html").read_text(encoding="utf-8")
    assert "Comparabilité entre groupes" in html
    # Departments of 84 and 30: under the reports' minimum of 100, so no verdict, and why.
    not_assessed = texts_for("fr")["validity_invariance_not_assessed"].split("{")[0]
    assert " ".join(not_assessed.split()) in " ".join(html.replace("&#39;", "'").split())
    assert "Invariance across department not assessed" in result.output
    assert "0 of 2 reach it" in result.output
    assert refused.exit_code == 1
    assert "department" in refused.output
    assert missing.exit_code == 1
    assert "999" in missing.output


def test_a_packaged_instrument_is_taken_by_its_name(answers_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = runner.invoke(
        app,
        ["validate", "--responses", str(answers_csv), "--instrument", "transversal-core@1.0.0",
         "--out", str(out), *FAST],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out / "validity.pdf").read_bytes().startswith(b"%PDF")


def test_an_instrument_that_is_neither_packaged_nor_a_file_is_named(answers_csv: Path) -> None:
    result = runner.invoke(
        app, ["validate", "--responses", str(answers_csv), "--instrument", "transversal-core@9"]
    )
    assert result.exit_code == 1
    assert "--instrument" in result.output
    assert "neither a packaged instrument" in result.output
    assert "transversal-core@1.0.0" in result.output
    assert "Traceback" not in result.output


def _refused(result: object) -> str:
    """The output of a refused run, checked to be an error said in words: exit code 1 and no
    exception but typer's own exit (CliRunner keeps what would have been a traceback)."""
    assert getattr(result, "exit_code", None) == 1, getattr(result, "output", "")
    exception = getattr(result, "exception", None)
    assert exception is None or isinstance(exception, SystemExit), repr(exception)
    output = str(getattr(result, "output", ""))
    assert "Traceback" not in output
    return output


def _validate(path: Path, *extra: str) -> object:
    return runner.invoke(
        app,
        ["validate", "--responses", str(path), "--instrument", "transversal-core@1.0.0",
         *extra, *FAST],
    )  # fmt: skip


def test_the_products_own_answers_export_is_read_as_it_is(engine: Engine, tmp_path: Path) -> None:
    campaign_id = _closed_campaign(engine)
    with Session(engine, expire_on_commit=False) as session:
        with session.begin():
            campaign = repo.get_campaign(session, campaign_id=campaign_id)
        assert campaign is not None
        admin = Principal(
            key_id=0,
            organisation_id=campaign.organisation_id,
            role=Role.admin,
            unit_id=None,
            units=frozenset(),
        )
        export = exchange.export_answers(session, principal=admin, campaign_id=campaign_id)
    path = tmp_path / "export.csv"
    path.write_text(export_files.answers_csv(export), encoding="utf-8")
    assert path.read_text(encoding="utf-8").split(",")[:4] == list(exchange.UNIT_COLUMNS)
    frame = read_responses_csv(path, instrument=load_builtin())
    # The team is the export's unit; the unit columns are not items.
    own = [not row.pooled for row in export.rows]
    assert list(frame.loc[own, "team"]) == [str(r.unit_id) for r in export.rows if not r.pooled]
    assert frame.loc[[not o for o in own], "team"].isna().all()
    assert set(frame.columns) == {*load_builtin().item_ids, "team", "language"}
    out = tmp_path / "report"
    result = _validate(path, "--out", str(out), "--group", "language")
    assert result.exit_code == 0, result.output
    html = (out / "validity.html").read_text(encoding="utf-8")
    assert "Agreement was not assessed" not in html
    assert "Invariance across language not assessed" in result.output


def test_every_bad_cell_is_named_in_one_message_by_its_line_and_column(tmp_path: Path) -> None:
    # The header is line 1; line 5 is blank and still counts, as in an editor.
    path = tmp_path / "answers.csv"
    path.write_text(
        "team,HA01,VA02\nt1,3,4\nt1,9,4\nt1,3,4\n\nt2,3,5\nt2,2,often\n", encoding="utf-8"
    )
    output = _refused(_validate(path))
    assert "line 3, column HA01: '9' lies outside the response scale 1..7" in output
    assert "line 7, column VA02: 'often' is not a number" in output
    assert "2 problems" in output
    assert "row 1" not in output


def test_header_and_cell_problems_come_together(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text("HA01,HAX99,HA01,\n3.5,1,2,\n", encoding="utf-8")
    output = _refused(_validate(path, "--team-column", "unit"))
    for said in (
        "line 1, column HAX99: is not an item of transversal-core@1.0.0",
        "line 1, column HA01: is named twice",
        "line 1, column #4: has no name",
        "line 1, column unit: is missing",
        "line 2, column HA01: '3.5' is not a whole number",
    ):
        assert said in output


def test_very_many_problems_are_counted_beyond_the_first_ones(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text("HA01\n" + "8\n" * (MAX_LISTED + 1234), encoding="utf-8")
    output = _refused(_validate(path))
    assert f"{MAX_LISTED + 1234:,} problems" in output
    assert f"line {MAX_LISTED + 1}, column HA01" in output
    assert f"line {MAX_LISTED + 2}, column HA01" not in output
    assert "and 1,234 more" in output


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("missing.csv", None, "does not exist"),
        ("folder", "folder", "is a folder"),
        ("binary.csv", b"PK\x03\x04\x00\x00\x08\x00\xff\xfe", "holds NUL bytes"),
        ("latin1.csv", "team,HA01\nt\xe9am,3\n".encode("latin-1"), "line 2: is not UTF-8"),
        ("empty.csv", b"", "the file is empty"),
        ("header.csv", b"team,HA01\n", "no rows"),
        ("range.csv", b"team,HA01\nt1,0\n", "line 2, column HA01: '0' lies outside"),
        ("quote.csv", b'team,HA01\nt1,"3\n', "line 2: a quote"),
    ],
)
def test_no_input_gives_a_traceback(
    tmp_path: Path, name: str, content: bytes | str | None, said: str
) -> None:
    path = tmp_path / name
    if content == "folder":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    output = _refused(_validate(path, "--out", str(tmp_path / "out")))
    assert "--responses" in output
    assert said in output
    assert not (tmp_path / "out").exists()


def test_an_output_folder_that_cannot_be_written_is_named(
    answers_csv: Path, tmp_path: Path
) -> None:
    taken = tmp_path / "a-file"
    taken.write_text("not a folder", encoding="utf-8")
    output = _refused(_validate(answers_csv, "--out", str(taken)))
    assert "--out" in output


def test_the_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text("team,HA01\nt1,12\n", encoding="utf-8")
    command = Path(sys.executable).parent / "transversal"
    done = subprocess.run(
        [str(command), "validate", "--responses", str(path), "--instrument",
         "transversal-core@1.0.0", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert "line 2, column HA01: '12' lies outside the response scale 1..7" in done.stderr


def test_too_few_respondents_to_read_alpha_are_said_in_words(tmp_path: Path) -> None:
    responses = simulate_organisation(instrument=load_builtin(), n_teams=2, seed=4).responses
    path = tmp_path / "pilot.csv"
    responses.iloc[:8].fillna(-9).to_csv(path, index=False)
    result = _validate(path, "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "Too few respondents to read alpha" in result.output
    assert "fewer than the 30 it needs (8 respondents analysed)" in result.output
    assert "cannot tell: too few respondents" in result.output
    assert "None" not in result.output
    assert " nan " not in result.output


def test_a_heywood_case_is_said_in_words_by_the_cli() -> None:
    import pandas as pd

    from analysis.cfa import NegativeVariance
    from api.cli import _heywood_notes

    cfa = pd.DataFrame(
        [
            {
                "model": "HA",
                "reason": None,
                "heywood": (NegativeVariance("residual", "HA01", -0.09),),
            },
            {"model": "VA", "reason": None, "heywood": ()},
            {"model": "TR", "reason": "did not converge", "heywood": ()},
        ]
    )
    notes = _heywood_notes(cfa)
    assert len(notes) == 1
    assert notes[0].startswith("Heywood case in the model of HA:")
    assert "residual variance of HA01 -0.090" in notes[0]
