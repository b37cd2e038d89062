"""The command line as a user types it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from api.cli import app
from api.services import campaigns as services
from api.services.access import Unauthenticated, authenticate
from api.services.org_chart import UnitImportRow
from api.settings import get_settings
from api.store import repositories
from api.store.db import make_engine, upgrade_database
from api.store.models import OrganisationCreate
from instrument import load_builtin
from instrument.loader import BUILTIN_PACKAGE
from tests.api.conftest import database_url_of, stage_campaign

runner = CliRunner()


def _said(output: str) -> str:
    """The output with rich's line wrapping undone."""
    return " ".join(output.split())


def _packaged_file() -> Path:
    from importlib import resources

    return Path(str(resources.files(BUILTIN_PACKAGE) / "transversal-core@1.0.0.toml"))


def test_instrument_check_summarises_every_scale_of_a_valid_file() -> None:
    result = runner.invoke(app, ["instrument", "check", str(_packaged_file())])
    assert result.exit_code == 0, result.output
    instrument = load_builtin()
    for scale in instrument.scales:
        assert scale.id in result.output
    assert "transversal-core@1.0.0 is valid" in _said(result.output)


def test_instrument_check_names_the_file_the_item_and_the_rule(tmp_path: Path) -> None:
    text = _packaged_file().read_text(encoding="utf-8")
    broken = tmp_path / "mine.toml"
    # The second item takes the id of the first: a duplicate.
    first, second = load_builtin().items[0].id, load_builtin().items[1].id
    broken.write_text(text.replace(f'id = "{second}"', f'id = "{first}"', 1), encoding="utf-8")
    result = runner.invoke(app, ["instrument", "check", str(broken)])
    assert result.exit_code == 1
    said = _said(result.output)
    # The console wraps a long path where it likes (the parallel runs' folders are longer).
    assert str(broken) in said.replace(" ", "")
    assert f"item {first}" in said
    assert "id is used 2 times" in said


def test_instrument_check_of_a_missing_file_says_it_cannot_be_read(tmp_path: Path) -> None:
    result = runner.invoke(app, ["instrument", "check", str(tmp_path / "nope.toml")])
    assert result.exit_code == 1
    assert "cannot be read" in _said(result.output)


def test_instrument_list_shows_the_packaged_instrument() -> None:
    result = runner.invoke(app, ["instrument", "list"])
    assert result.exit_code == 0
    assert "transversal-core@1.0.0" in result.output


def _key(output: str) -> str:
    found = re.search(r"tvk_[A-Za-z0-9_-]+", output)
    assert found, output
    return found.group(0)


def test_init_creates_an_organisation_and_prints_a_working_admin_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "cli.sqlite"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    get_settings.cache_clear()
    result = runner.invoke(app, ["init", "--org", "Acme Care"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "organisation 1: Acme Care" in _said(result.output)
    engine = make_engine(f"sqlite:///{database}")
    with Session(engine) as session:
        principal = authenticate(session, key=_key(result.output))
    engine.dispose()
    assert principal.is_admin
    assert principal.organisation_id == 1


def test_keys_create_refuses_a_leader_without_a_unit_and_names_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    get_settings.cache_clear()
    runner.invoke(app, ["init", "--org", "Acme Care"])
    refused = runner.invoke(app, ["keys", "create", "--org", "1", "--role", "leader"])
    unknown = runner.invoke(
        app, ["keys", "create", "--org", "1", "--role", "leader", "--unit", "9"]
    )
    admin = runner.invoke(app, ["keys", "create", "--org", "1", "--role", "admin"])
    get_settings.cache_clear()
    assert refused.exit_code == 1
    assert "unit_id: a leader key needs the leader's unit" in _said(refused.output)
    assert unknown.exit_code == 1
    assert "unit_id: unit 9 does not exist" in _said(unknown.output)
    assert admin.exit_code == 0
    assert "admin key 2 for the whole organisation" in _said(admin.output)


def test_report_and_validate_refuse_an_open_campaign_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outputs come from closed campaigns only: the commands say so, without a traceback."""
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    engine = make_engine(url)
    upgrade_database(engine)
    with Session(engine, expire_on_commit=False) as session:
        organisation = services.create_organisation(session, OrganisationCreate(name="Acme"))
    stage_campaign(
        engine,
        organisation.id or 0,
        chart=[UnitImportRow(external_id="t", name="Team")],
        teams=["t"],
    )
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    report = runner.invoke(app, ["report", "--campaign", "1", "--out", str(tmp_path / "out")])
    validity = runner.invoke(
        app, ["validate", "--campaign", "1", "--out", str(tmp_path / "validity")]
    )
    get_settings.cache_clear()
    for result in (report, validity):
        assert result.exit_code == 1
        said = _said(result.output)
        assert "campaign 1 is open" in said, said
        assert "once it has closed" in said
        assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# -- keys: list, revoke, rotate (on both databases) ---------------------------------------------


@pytest.fixture
def cli_database(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """DATABASE_URL names the test's database for the commands run in the test."""
    monkeypatch.setenv("DATABASE_URL", database_url_of(engine))
    get_settings.cache_clear()
    yield engine
    get_settings.cache_clear()


def _table_rows(output: str) -> list[list[str]]:
    """The cells of each body row of a table the command printed."""
    return [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in output.splitlines()
        if line.startswith("│")
    ]


def _works(engine: Engine, key: str) -> bool:
    with Session(engine) as session:
        try:
            authenticate(session, key=key)
        except Unauthenticated:
            return False
    return True


def test_keys_list_revoke_and_rotate_from_the_command_line(cli_database: Engine) -> None:
    engine = cli_database
    first = _key(runner.invoke(app, ["init", "--org", "Acme Care"]).output)
    created = runner.invoke(app, ["keys", "create", "--org", "1", "--role", "admin"])
    second = _key(created.output)

    listed = runner.invoke(app, ["keys", "list", "--org", "1"])
    assert listed.exit_code == 0, listed.output
    assert [(r[0], r[1], r[3], r[5]) for r in _table_rows(listed.output)] == [
        ("1", "admin", f"{first[:8]}…", "working"),
        ("2", "admin", f"{second[:8]}…", "working"),
    ]
    assert first not in listed.output
    assert second not in listed.output

    rotated = runner.invoke(app, ["keys", "rotate", "--org", "1", "--key", "2"])
    assert rotated.exit_code == 0, rotated.output
    assert "admin key 2 revoked; its replacement, admin key 3" in _said(rotated.output)
    third = _key(rotated.output)
    assert (_works(engine, second), _works(engine, third)) == (False, True)

    revoked = runner.invoke(app, ["keys", "revoke", "--org", "1", "--key", "1"])
    again = runner.invoke(app, ["keys", "revoke", "--org", "1", "--key", "1"])
    for result in (revoked, again):
        assert result.exit_code == 0, result.output
        assert "admin key 1 for the whole organisation is revoked" in _said(result.output)
    assert not _works(engine, first)
    states = _table_rows(runner.invoke(app, ["keys", "list", "--org", "1"]).output)
    assert [(r[0], r[5]) for r in states] == [("1", "revoked"), ("2", "revoked"), ("3", "working")]

    with Session(engine) as session:
        log = repositories.audit_events(session, organisation_id=1)
    assert [(e.action, e.key_id) for e in log] == [
        ("key_created", 1),
        ("key_created", 2),
        ("key_rotated", 2),
        ("key_created", 3),
        ("key_revoked", 1),
    ]
    assert all(re.fullmatch(r"cli( user \S+)?", e.actor) for e in log), [e.actor for e in log]


def test_keys_commands_refuse_in_one_line_without_a_traceback(cli_database: Engine) -> None:
    only = _key(runner.invoke(app, ["init", "--org", "Acme Care"]).output)
    refusals = {
        ("revoke", "--org", "1", "--key", "1"): "API key 1 is the organisation's last working"
        " admin key: revoking it would lock the organisation out",
        ("revoke", "--org", "1", "--key", "9"): "API key 9 does not exist",
        ("rotate", "--org", "2", "--key", "1"): "API key 1 does not exist",
        ("list", "--org", "9"): "organisation 9 does not exist",
    }
    for arguments, reason in refusals.items():
        result = runner.invoke(app, ["keys", *arguments])
        assert result.exit_code == 1, (arguments, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert reason in result.output
    assert _works(cli_database, only)

    runner.invoke(app, ["keys", "create", "--org", "1", "--role", "admin"])
    runner.invoke(app, ["keys", "revoke", "--org", "1", "--key", "2"])
    revoked = runner.invoke(app, ["keys", "rotate", "--org", "1", "--key", "2"])
    assert revoked.exit_code == 1
    assert "API key 2 is revoked: a revoked key cannot be rotated" in _said(revoked.output)
    not_a_number = runner.invoke(app, ["keys", "revoke", "--org", "1", "--key", "two"])
    assert not_a_number.exit_code == 2
    assert "Traceback" not in not_a_number.output
    assert "Invalid value for '--key'" in _said(not_a_number.output)


def test_the_validity_caption_names_the_efa_as_it_went() -> None:
    from types import SimpleNamespace

    from api.cli import _efa_summary

    failed = SimpleNamespace(n_factors=None, reason="parallel analysis retains no factor")
    assert _efa_summary(failed) == "EFA not run (parallel analysis retains no factor)"
    ran = SimpleNamespace(n_factors=12, n_scales=14, smoothed=False, reason=None)
    assert _efa_summary(ran) == "EFA: 12 factors for 14 scales"
    smoothed = SimpleNamespace(n_factors=12, n_scales=14, smoothed=True, reason=None)
    assert _efa_summary(smoothed).endswith(", on a smoothed correlation matrix")
