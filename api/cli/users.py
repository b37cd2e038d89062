"""``transversal users``: accounts of the people who sign in, from the command line: the first
admin of an organisation, and a new password for someone who forgot theirs.

Passwords are asked at the prompt, hidden and twice (or read from standard input with
``--password-stdin``, one line, for scripts): never on the command line, where the shell's
history and the process list would keep them."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from api.store.models import Role

users_app = typer.Typer(help="Accounts of HR admins, leaders and auditors.", no_args_is_help=True)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.removesuffix("\n").removesuffix("\r")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@users_app.command("create")
def users_create(
    org: Annotated[int, typer.Option("--org", help="The organisation's id.")],
    email: Annotated[str, typer.Option(help="The address the person signs in with.")],
    name: Annotated[str, typer.Option(help="The person's name, as the console shows it.")],
    role: Annotated[
        Role, typer.Option(help="admin: HR; leader: one unit and below; auditor: the audit log.")
    ],
    unit: Annotated[int | None, typer.Option(help="A leader's unit id.")] = None,
    language: Annotated[str, typer.Option(help="en or fr: the pages' language.")] = "en",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create an account (the first admin of an organisation, for one)."""
    from pydantic import ValidationError

    from api.cli import _cli_actor, _migrated_engine, _refusing, console, errors
    from api.services.accounts import AccountCreate, create_account
    from api.store.db import session_scope

    password = _password(password_stdin)
    try:
        data = AccountCreate(
            email=email,
            name=name,
            role=role,
            unit_id=unit,
            language=language,
            password=password,
        )
    except ValidationError as exc:
        for problem in exc.errors():
            field = ".".join(str(p) for p in problem["loc"]) or "input"
            errors.print(f"[red]{field}[/]: {problem['msg']}", soft_wrap=True)
        raise typer.Exit(1) from None
    with session_scope(_migrated_engine()) as session:
        account = _refusing(
            lambda: create_account(session, organisation_id=org, data=data, actor=_cli_actor())
        )
    console.print(f"account {account.id}: {account.email} ({account.role})")


@users_app.command("reset-password")
def users_reset_password(
    email: Annotated[str, typer.Option(help="The account's address.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Set a new password: the account is unlocked and signed out everywhere."""
    from api.cli import _cli_actor, _migrated_engine, _refusing, console
    from api.services.accounts import reset_password
    from api.store.db import session_scope

    password = _password(password_stdin)
    with session_scope(_migrated_engine()) as session:
        account = _refusing(
            lambda: reset_password(session, email=email, password=password, actor=_cli_actor())
        )
    console.print(f"new password set for {account.email}; signed out everywhere")


@users_app.command("list")
def users_list(org: Annotated[int, typer.Option("--org", help="The organisation's id.")]) -> None:
    """The organisation's accounts."""
    from api.cli import _migrated_engine, _refusing, console
    from api.services.accounts import list_accounts
    from api.store.db import session_scope

    with session_scope(_migrated_engine()) as session:
        accounts = _refusing(lambda: list_accounts(session, organisation_id=org))
    table = Table("id", "email", "name", "role", "unit", "state")
    for account in accounts:
        state = "disabled" if account.disabled else "locked" if account.locked else "active"
        table.add_row(
            str(account.id),
            account.email,
            account.name,
            str(account.role),
            str(account.unit_id or ""),
            state,
        )
    console.print(table)
