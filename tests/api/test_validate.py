"""``transversal validate`` from a CSV of answers and from a campaign in the database."""

from __future__ import annotations

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
from api.services.org_chart import UnitImportRow
from api.settings import get_settings
from api.store.models import OrganisationCreate, ResponseCreate, UnitKind
from instrument import load_builtin
from instrument.loader import BUILTIN_PACKAGE
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
    assert "Comparabilité entre groupes" in (out / "validity.html").read_text(encoding="utf-8")
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
