"""``transversal users``: the first admin, a forgotten password, the list; bad input in one
line, never a traceback, and never a password on the command line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from sqlmodel import Session
from typer.testing import CliRunner

from api.cli import app
from api.services import accounts
from api.services.accounts import SignInRefused
from api.settings import get_settings
from api.store.db import make_engine

runner = CliRunner()
PASSWORD = "a long enough passphrase"


def _said(output: str) -> str:
    return " ".join(output.split())


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    assert runner.invoke(app, ["init", "--org", "Acme Care"]).exit_code == 0
    yield url
    get_settings.cache_clear()


def _create(*extra: str, password: str = PASSWORD) -> Result:
    command = ["users", "create", "--org", "1", "--email", "hr@acme.example", "--name", "Hana"]
    return runner.invoke(
        app, [*command, "--role", "admin", *extra], input=f"{password}\n{password}\n"
    )


def test_the_first_admin_is_made_at_a_hidden_prompt_and_can_sign_in(database: str) -> None:
    made = _create()
    assert made.exit_code == 0, made.output
    assert "account 1: hr@acme.example (admin)" in _said(made.output)
    assert PASSWORD not in made.output
    engine = make_engine(database)
    with Session(engine, expire_on_commit=False) as session:
        assert accounts.sign_in(session, email="hr@acme.example", password=PASSWORD).token
    engine.dispose()
    listed = runner.invoke(app, ["users", "list", "--org", "1"])
    assert "hr@acme.example" in listed.output
    assert "active" in listed.output


def test_a_forgotten_password_is_replaced_from_standard_input(database: str) -> None:
    _create()
    reset = runner.invoke(
        app,
        ["users", "reset-password", "--email", "HR@acme.example", "--password-stdin"],
        input="a different passphrase\n",
    )
    assert reset.exit_code == 0, reset.output
    engine = make_engine(database)
    with Session(engine, expire_on_commit=False) as session:
        with pytest.raises(SignInRefused):
            accounts.sign_in(session, email="hr@acme.example", password=PASSWORD)
        assert accounts.sign_in(
            session, email="hr@acme.example", password="a different passphrase"
        ).token
    engine.dispose()


@pytest.mark.parametrize(
    ("extra", "password", "said"),
    [
        ((), "short", "password: must be at least 12 characters long"),
        (("--role", "leader"), PASSWORD, "unit_id: a leader needs a unit of the organisation"),
        (("--language", "de"), PASSWORD, "language:"),
        (("--email", "nope"), PASSWORD, "email: is not an e-mail address"),
    ],
    ids=["short-password", "leader-without-unit", "unknown-language", "bad-address"],
)
def test_bad_input_is_one_line_naming_the_field(
    database: str, extra: tuple[str, ...], password: str, said: str
) -> None:
    refused = _create(*extra, password=password)
    assert refused.exit_code == 1
    output = _said(refused.output)
    assert said in output
    assert "Traceback" not in output


def test_an_unknown_address_has_no_password_to_reset(database: str) -> None:
    refused = runner.invoke(
        app,
        ["users", "reset-password", "--email", "who@acme.example", "--password-stdin"],
        input=f"{PASSWORD}\n",
    )
    assert refused.exit_code == 1
    assert "account" in refused.output
    assert "Traceback" not in refused.output


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("", "--org: the organisation's name must be 1 to 200 characters"),
        ("   ", "--org: the organisation's name must be 1 to 200 characters"),
        (" acme  CARE ", "an organisation named 'Acme Care' exists already (id 1)"),
    ],
    ids=["empty", "blank", "twice"],
)
def test_init_refuses_an_empty_name_and_a_second_organisation_of_one_name(
    database: str, name: str, said: str
) -> None:
    refused = runner.invoke(app, ["init", "--org", name])
    assert refused.exit_code == 1
    assert said in _said(refused.output)
    assert "Traceback" not in refused.output
