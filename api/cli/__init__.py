"""The ``transversal`` command."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine

from api.store.models import Role
from instrument import Instrument, InstrumentError, builtin_refs, load_builtin, load_instrument

if TYPE_CHECKING:
    import pandas as pd

app = typer.Typer(
    help="transversal: a survey of horizontal and vertical accountability in organisations.",
    no_args_is_help=True,
    add_completion=False,
)
instrument_app = typer.Typer(help="Check and list instruments.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(instrument_app, name="instrument")
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")

T = TypeVar("T")

console = Console()
if not console.is_terminal:
    # Piped or in CI: rich would assume 80 columns and wrap the tables beyond reading.
    console.width = max(console.width, 120)
errors = Console(stderr=True)


@instrument_app.command("check")
def instrument_check(
    file: Annotated[Path, typer.Argument(help="An instrument file in TOML.")],
) -> None:
    """Validate an instrument file and summarise its scales."""
    try:
        instrument = load_instrument(file)
    except InstrumentError as exc:
        errors.print(f"[bold red]invalid instrument[/] {exc.file}")
        errors.print(f"  at   {exc.where}")
        errors.print(f"  rule {exc.rule}")
        raise typer.Exit(1) from None
    console.print(_instrument_summary(instrument))
    console.print(f"[green]{file}: {instrument.ref} is valid.[/]")


@instrument_app.command("list")
def instrument_list() -> None:
    """The instruments shipped with transversal."""
    for ref in builtin_refs():
        console.print(ref)


def _instrument_summary(instrument: Instrument) -> Table:
    language = instrument.languages[0]
    scale = instrument.response_scale
    table = Table(
        title=f"{instrument.title[language]} ({instrument.ref})",
        caption=(
            f"{len(instrument.items)} items; languages {', '.join(instrument.languages)}; "
            f"responses {scale.min}..{scale.max} ({scale.labels[language][0]} … "
            f"{scale.labels[language][-1]}) and '{scale.not_applicable[language]}'"
        ),
    )
    for column in ("scale", "name", "level", "module", "items", "reverse", "min. answered"):
        table.add_column(column, justify="right" if column in ("items", "reverse") else "left")
    reverse = instrument.reverse_item_ids
    for s in instrument.scales:
        table.add_row(
            s.id,
            s.name[language],
            s.level,
            s.module,
            str(len(s.items)),
            str(sum(i in reverse for i in s.items)),
            f"{instrument.min_items(s.id)} of {len(s.items)}",
        )
    for c in instrument.composites:
        table.add_row(
            c.id,
            c.name[language],
            "composite",
            "",
            "",
            "",
            f"{c.min_facets} of {len(c.facets)} facets",
        )
    return table


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database named by DATABASE_URL to the newest schema, before the replicas start.
    Run by several processes at once, it still migrates once: the others wait for the first."""
    from api.settings import get_settings
    from api.store.db import database_revision, make_engine

    engine = make_engine(get_settings().database_url)
    before = database_revision(engine)
    after = database_revision(_migrated_engine(engine))
    engine.dispose()
    was = "" if before == after else f" (it was at {before})" if before else " (it was empty)"
    console.print(f"[green]database schema is up to date[/]: revision {after}, the newest{was}")


def _migrated_engine(engine: Engine | None = None) -> Engine:
    """``engine``, by default DATABASE_URL's, with its schema at the newest revision. While
    another process migrates it, this one says so and waits for it."""
    from alembic.util import CommandError

    from api.settings import get_settings
    from api.store.db import database_revision, make_engine, upgrade_database

    if engine is None:
        engine = make_engine(get_settings().database_url)
    try:
        upgrade_database(
            engine,
            waiting=lambda: errors.print("another process is migrating the database: waiting"),
        )
    except CommandError as exc:
        # Most often a revision this release does not know: a newer release migrated the database.
        errors.print(
            f"[red]the database cannot be migrated[/] from revision {database_revision(engine)}:"
            f" {exc}",
            soft_wrap=True,
        )
        raise typer.Exit(1) from None
    return engine


@app.command()
def init(
    org: Annotated[str, typer.Option("--org", help="The organisation's name.")],
) -> None:
    """Create an organisation in DATABASE_URL and print its first admin key (shown once)."""
    from api.services.access import init_organisation
    from api.store.db import session_scope
    from api.store.models import OrganisationCreate

    name = " ".join(org.split())
    if not name or len(name) > 200:
        errors.print("[red]--org[/]: the organisation's name must be 1 to 200 characters")
        raise typer.Exit(1)
    engine = _migrated_engine()
    with session_scope(engine) as session:
        organisation, key = _refusing(
            lambda: init_organisation(session, OrganisationCreate(name=name), actor=_cli_actor())
        )
    console.print(f"organisation {organisation.id}: {organisation.name}")
    console.print(f"admin key (shown once, store it now): [bold]{key.key}[/]")


@keys_app.command("create")
def keys_create(
    org: Annotated[int, typer.Option("--org", help="The organisation's id.")],
    role: Annotated[Role, typer.Option(help="admin: the whole organisation; leader: one unit.")],
    unit: Annotated[int | None, typer.Option(help="The leader's unit id.")] = None,
) -> None:
    """Create an API key and print it (shown once)."""
    from api.services.access import issue_key
    from api.store.db import session_scope
    from api.store.models import ApiKeyCreate

    engine = _migrated_engine()
    with session_scope(engine) as session:
        key = _refusing(
            lambda: issue_key(
                session,
                organisation_id=org,
                data=ApiKeyCreate(role=role, unit_id=unit),
                actor=_cli_actor(),
            )
        )
    console.print(
        f"{key.role} key {key.id} for {_scope(key.unit_id)} (shown once): [bold]{key.key}[/]"
    )


@keys_app.command("list")
def keys_list(org: Annotated[int, typer.Option("--org", help="The organisation's id.")]) -> None:
    """The organisation's keys, revoked ones included: never a secret."""
    from api.services.access import list_keys
    from api.store.db import session_scope

    with session_scope(_migrated_engine()) as session:
        keys = _refusing(lambda: list_keys(session, organisation_id=org))
    table = Table(title=f"API keys of organisation {org}")
    for column in ("id", "role", "unit", "starts with", "created", "state"):
        table.add_column(column, justify="right" if column in ("id", "unit") else "left")
    for key in keys:
        table.add_row(
            str(key.id), key.role, str(key.unit_id or ""), f"{key.prefix}…",
            f"{key.created_at:%Y-%m-%d %H:%M}", "[red]revoked[/]" if key.revoked else "working",
        )  # fmt: skip
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    org: Annotated[int, typer.Option("--org", help="The organisation's id.")],
    key: Annotated[int, typer.Option("--key", help="The id of the key to revoke.")],
) -> None:
    """Revoke a key; the organisation's last working admin key is refused."""
    from api.services.access import revoke_key
    from api.store.db import session_scope

    with session_scope(_migrated_engine()) as session:
        revoked = _refusing(
            lambda: revoke_key(session, organisation_id=org, key_id=key, actor=_cli_actor())
        )
    # Revoking a revoked key changes nothing: either way the key is refused from now on.
    console.print(
        f"{revoked.role} key {revoked.id} for {_scope(revoked.unit_id)} is revoked:"
        " it is refused from now on"
    )


@keys_app.command("rotate")
def keys_rotate(
    org: Annotated[int, typer.Option("--org", help="The organisation's id.")],
    key: Annotated[int, typer.Option("--key", help="The id of the key to replace.")],
) -> None:
    """Replace a key by a new one with the same role and unit, and print it (shown once)."""
    from api.services.access import rotate_key
    from api.store.db import session_scope

    with session_scope(_migrated_engine()) as session:
        new = _refusing(
            lambda: rotate_key(session, organisation_id=org, key_id=key, actor=_cli_actor())
        )
    console.print(
        f"{new.role} key {new.replaced_key_id} revoked; its replacement, {new.role} key {new.id}"
        f" for {_scope(new.unit_id)} (shown once): [bold]{new.key}[/]"
    )


def _scope(unit_id: int | None) -> str:
    return f"unit {unit_id} and below" if unit_id else "the whole organisation"


def _cli_actor() -> str:
    """Who the audit log names for a command: the CLI and the account that ran it."""
    import getpass

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name in the environment or the password database
        return "cli"
    return f"cli user {user}"[:100]


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    jobs: Annotated[
        bool,
        typer.Option(
            "--jobs/--no-jobs",
            help="Also run the queue's jobs in this process (the SQLite queue only: with"
            " QUEUE_URL, `transversal worker` runs them).",
        ),
    ] = True,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Processes answering requests, each with its own connections to the database:"
            " one per core is a good start.",
        ),
    ] = 1,
) -> None:
    """Run the HTTP API (OpenAPI at /docs) and the pages, and the jobs of the SQLite queue
    (reports in batches) beside them; the schema is migrated at start."""
    import uvicorn

    from api.app import create_app
    from api.cli.worker import served_jobs
    from api.jobs.queue import Jobs
    from api.settings import get_settings

    engine = _migrated_engine()
    queue = Jobs.from_settings(engine, get_settings())
    with served_jobs(queue, run=jobs) as running:
        if not running:
            console.print("jobs are not run here: run `transversal worker` for them")
        if workers == 1:
            uvicorn.run(create_app(engine, jobs=queue, served=True), host=host, port=port)
        else:
            # Each process builds its app from the settings, as this one did its engine and
            # its queue: the same DATABASE_URL and QUEUE_URL, so one database and one queue.
            uvicorn.run("api.app:served_app", factory=True, host=host, port=port, workers=workers)


def _refusing(action: Callable[[], T]) -> T:
    """Run a use case; a refusal is printed with its reasons and ends the command with code 1.
    Each reason is one line (``soft_wrap``), however narrow the terminal."""
    from api.services.errors import ServiceError, ValidationFailed

    try:
        return action()
    except ValidationFailed as exc:
        for error in exc.errors:
            errors.print(f"[red]{error.field}[/]: {error.reason}", soft_wrap=True)
    except ServiceError as exc:
        errors.print(f"[red]{exc}[/]", soft_wrap=True)
    raise typer.Exit(1)


@app.command()
def demo(
    teams: Annotated[int, typer.Option(min=2, max=2000, help="Number of teams.")] = 12,
    seed: Annotated[int, typer.Option(help="Seed of the simulation.")] = 7,
    out: Annotated[Path, typer.Option(help="Folder for the database and the PDFs.")] = Path("out"),
) -> None:
    """Simulate an organisation answering the survey and write a PDF report per team."""
    from api.cli.demo import run_demo

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("simulating", total=teams + 5)

        def step(description: str, n: int) -> None:
            progress.update(task, advance=n, description=description)

        summary = run_demo(teams=teams, seed=seed, out=out, step=step)
        progress.update(task, completed=progress.tasks[0].total, description="done")
    console.print(_demo_table(summary))
    console.print(
        f"{len(summary.teams)} teams, {summary.respondents} respondents "
        f"({summary.excluded} flagged as careless, left out of the reliability only), "
        f"{summary.reports_written} team reports, {len(summary.departments)} department reports"
        f" and the organisation report in {out}/ "
        f"(database {summary.database})."
    )
    mail = summary.mail
    console.print(
        f"{mail.invitations} invitations e-mailed into {mail.folder}/ (an .eml file each, in the "
        f"person's language), answered through their links; {mail.reminders} reminders "
        f"(*-reminder-*.eml) to those who had not answered yet, "
        f"{mail.answered_after_reminder} of whom then did. The addresses were deleted when "
        "the campaign closed."
    )
    if summary.accounts:
        people = ", ".join(f"{email} ({seen})" for email, seen in summary.accounts)
        console.print(
            f"To look around: DATABASE_URL=sqlite:///{summary.database} transversal serve, then "
            f"sign in at http://127.0.0.1:8000/ as {people}, password {summary.password}",
            soft_wrap=True,
        )


def _demo_table(summary: object) -> Table:
    from api.cli.demo import DemoSummary

    assert isinstance(summary, DemoSummary)
    table = Table(title="Demo campaign")
    for column in ("team", "department", "invited", "respondents", "report"):
        table.add_column(
            column, justify="right" if column in ("invited", "respondents") else "left"
        )
    for team in summary.teams:
        table.add_row(
            team.team,
            team.department,
            str(team.invited),
            str(team.respondents),
            team.report.name if team.report else f"[yellow]suppressed: {team.reason}[/]",
        )
    return table


@app.command()
def validate(
    campaign: Annotated[int | None, typer.Option(help="A campaign in DATABASE_URL.")] = None,
    responses: Annotated[
        Path | None,
        typer.Option(
            help="A CSV of raw answers: a column per item id, or the answers export"
            " (export.csv) as it is."
        ),
    ] = None,
    instrument: Annotated[
        str | None,
        typer.Option(
            help="The instrument of --responses: a packaged one by its id@version"
            " (transversal-core@1.0.0), or a TOML file."
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for validity.html and .pdf.")] = Path("out"),
    group: Annotated[
        str | None,
        typer.Option(
            help="Test invariance across: department (with --campaign), or language (with a"
            " CSV that has a language column)."
        ),
    ] = None,
    team_column: Annotated[
        str | None,
        typer.Option(help="The team column of --responses; default: team, else unit_id."),
    ] = None,
    language: Annotated[str, typer.Option(help="Language of the report: en or fr.")] = "en",
    parallel_iterations: Annotated[
        int, typer.Option(min=1, help="Random data sets of the parallel analysis.")
    ] = 20,
) -> None:
    """Write the instrument validity report of a campaign or of a CSV of answers."""
    import warnings

    from rich.markup import escape

    from api.services.validate import InputError, write_validity_report

    try:
        frame, loaded, source, minimum = _validity_input(
            campaign, responses, instrument, group, team_column
        )
        # What the analysis warns of (items left out, a smoothed matrix) is said once each,
        # in words, after the table: not as Python's warnings with their source lines.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            outcome = write_validity_report(
                frame,
                instrument=loaded,
                out=out,
                source=source,
                group=group,
                language=language,
                parallel_iterations=parallel_iterations,
                min_group_size=minimum,
            )
    except InputError as exc:
        errors.print(f"[red]{escape(exc.field)}[/]: {escape(exc.reason)}", soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(_validity_table(outcome))
    said = dict.fromkeys(f"Note: {warning.message}" for warning in caught)
    for note in [*_validity_notes(outcome), *said]:
        console.print(escape(note), soft_wrap=True)
    console.print(f"Wrote {escape(str(outcome.html))} and {escape(str(outcome.pdf))}.")


def _validity_input(
    campaign: int | None,
    responses: Path | None,
    instrument: str | None,
    group: str | None,
    team_column: str | None,
) -> tuple[pd.DataFrame, Instrument, str, int]:
    """The answers, their instrument, their source and the minimum group size (a campaign's
    own; 5, the default, for a CSV)."""
    from api.services.validate import InputError, campaign_responses, read_responses_csv

    if (campaign is None) == (responses is None):
        raise InputError("--campaign/--responses", "give exactly one of them")
    if campaign is not None:
        return campaign_responses(_migrated_engine(), campaign_id=campaign, group=group)
    assert responses is not None
    if instrument is None:
        raise InputError("--instrument", "required with --responses")
    if group not in (None, "language"):
        raise InputError(
            "--group", f"{group!r} only with --campaign; a CSV can be grouped by language"
        )
    loaded = _named_instrument(instrument)
    frame = read_responses_csv(responses, instrument=loaded, team_column=team_column)
    if group is not None and group not in frame.columns:
        raise InputError("--group", f"{responses.name} has no {group!r} column")
    return frame, loaded, responses.name, 5


def _named_instrument(name: str) -> Instrument:
    """A packaged instrument by its ``id@version``, else the instrument file at ``name``."""
    from api.services.validate import InputError

    packaged = builtin_refs()
    if name in packaged:
        return load_builtin(name)
    if not Path(name).is_file():
        raise InputError(
            "--instrument",
            f"{name!r} is neither a packaged instrument ({', '.join(packaged)}) nor a file",
        )
    try:
        return load_instrument(name)
    except InstrumentError as exc:
        raise InputError("--instrument", f"{exc.file} at {exc.where}: {exc.rule}") from None


def _efa_summary(structure: Any) -> str:
    """The EFA in a few words: its count of factors, or why it could not be run."""
    if structure.n_factors is None:
        return f"EFA not run ({structure.reason or 'no reason given'})"
    smoothed = ", on a smoothed correlation matrix" if structure.smoothed else ""
    return f"EFA: {structure.n_factors} factors for {structure.n_scales} scales{smoothed}"


def _figure(value: object, digits: int) -> str:
    """A figure of the summary table, or a dash where there is none (never 'nan', 'None')."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    return "–" if number != number else f"{number:.{digits}f}"


def _validity_table(outcome: object) -> Table:
    from api.services.validate import ValidityOutcome

    assert isinstance(outcome, ValidityOutcome)
    assessment = outcome.assessment
    structure = assessment.structure
    table = Table(
        title=f"Validity of {assessment.instrument_ref}",
        caption=(
            f"{assessment.n_analysed} of {assessment.n_respondents} respondents analysed "
            f"({assessment.n_excluded} excluded); {_efa_summary(structure)}"
        ),
    )
    for column in ("scale", "n", "alpha", "CFI", "SRMR", "holds together"):
        table.add_column(column, justify="left" if column == "scale" else "right")
    reliability = assessment.reliability.set_index("scale")
    fits = assessment.cfa[assessment.cfa["kind"] == "scale"].set_index("model")
    for row in assessment.summary.to_dict("records"):
        scale = str(row["scale"])
        concerns = ", ".join(row["concerns"])
        if not row["judged"]:
            verdict = f"[yellow]cannot tell: too few respondents[/]{'; ' if concerns else ''}"
        else:
            verdict = "yes" if row["holds"] else "[yellow]no: [/]"
        table.add_row(
            scale,
            _figure(reliability.at[scale, "n"], 0),
            _figure(reliability.at[scale, "alpha"], 2),
            _figure(fits.at[scale, "cfi"], 3),
            _figure(fits.at[scale, "srmr"], 3),
            verdict + (concerns if not row["holds"] else ""),
        )
    return table


def _validity_notes(outcome: object) -> list[str]:
    """What the summary table's figures need said in words: a sample too small to read alpha,
    a negative alpha, invariance not assessed."""
    from api.services.validate import ValidityOutcome

    assert isinstance(outcome, ValidityOutcome)
    assessment = outcome.assessment
    notes = []
    reliability = assessment.reliability
    small = reliability[reliability["small_sample"].astype(bool)]
    if not small.empty:
        notes.append(
            f"Too few respondents to read alpha on {', '.join(small['scale'])}: it rests on"
            f" fewer than the {assessment.min_alpha_n} it needs ({assessment.n_analysed}"
            " respondents analysed). On so few, alpha cannot tell an unusable scale from a good"
            " one: these scales are not judged; collect more answers."
        )
    negative = reliability[reliability["alpha"].lt(0)]
    if not negative.empty:
        notes.append(
            f"Negative alpha ({', '.join(negative['scale'])}): the items are on average"
            " negatively related. They do not measure one thing in this sample, or an item"
            " worded the other way round is not marked reversed in the instrument"
            + (" (or it is chance, on so few respondents)." if not small.empty else ".")
        )
    if assessment.group is not None and assessment.invariance is not None:
        large, minimum = assessment.invariance_large_groups, assessment.invariance_min_group_n
        sizes = ", ".join(f"{name} {size}" for name, size in assessment.invariance_groups)
        if large < 2:
            notes.append(
                f"Invariance across {assessment.group} not assessed: it needs two groups of at"
                f" least {minimum} respondents, as the team reports do, and {large} of"
                f" {len(assessment.invariance_groups)} reach it ({sizes or 'no group'})."
            )
        else:
            tested = assessment.invariance[assessment.invariance["reason"].isna()]
            comparable = int(tested["means_comparable"].astype(bool).sum())
            notes.append(
                f"Invariance across {assessment.group}, on the {large} groups of at least"
                f" {minimum} respondents ({sizes}): means comparable on {comparable} of"
                f" {len(assessment.invariance)} scales."
            )
    notes.extend(_heywood_notes(assessment.cfa))
    return notes


def _heywood_notes(cfa: Any) -> list[str]:
    """A sentence per CFA model with a variance estimated below zero (a Heywood case)."""
    notes = []
    for row in cfa.to_dict("records"):
        cases = row.get("heywood") or ()
        if row["reason"] is not None or not cases:
            continue
        named = ", ".join(
            f"{'residual variance of' if c.kind == 'residual' else 'variance of the factor'}"
            f" {c.name} {c.value:.3f}"
            for c in cases
        )
        notes.append(
            f"Heywood case in the model of {row['model']}: {named}. A variance cannot be"
            " negative: the model is misspecified for these items or the sample is too small,"
            " and its CFI and SRMR do not show a good fit."
        )
    return notes


@app.command()
def report(
    campaign: Annotated[int, typer.Option(help="The campaign's id in DATABASE_URL.")],
    out: Annotated[Path, typer.Option(help="Folder for the reports and their index.")],
    units: Annotated[
        list[str] | None,
        typer.Option(help="Only these units, without the organisation report (repeat, or 3,4)."),
    ] = None,
    report_format: Annotated[
        str, typer.Option("--format", help="pdf, or html (one file, nothing to fetch).")
    ] = "pdf",
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes rendering; default: one per CPU.")
    ] = None,
    language: Annotated[
        str | None,
        typer.Option(
            help="en or fr, for every report; default: each team's own (the one set on its"
            " unit, else the one most of its respondents answered in), the campaign's first"
            " for the departments and the organisation."
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Render again the reports already written.")] = False,
) -> None:
    """Write the report of every eligible team of a campaign, of every department above them,
    and the organisation's, into a folder with an index naming each report's language; a
    second run resumes where the first stopped. With --units, a unit above the teams gets its
    department report."""
    from api.jobs.batch import ReportFormat, render_campaign_reports

    if report_format not in tuple(ReportFormat):
        errors.print(f"[red]--format[/]: {report_format!r} is neither pdf nor html")
        raise typer.Exit(1)
    chosen = _unit_ids(units)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=console, disable=not console.is_terminal) as progress:
        task = progress.add_task("rendering", total=None)

        def told(done: int, total: int, name: str) -> None:
            progress.update(task, completed=done, total=total, description=name[:40])

        summary = _refusing(
            lambda: render_campaign_reports(
                _migrated_engine(), campaign_id=campaign, out_dir=out, units=chosen,
                fmt=ReportFormat(report_format), workers=workers, language=language, force=force,
                progress=told,
            )
        )  # fmt: skip
    console.print(_report_table(summary))
    console.print(
        f"{len(summary.with_status('written'))} reports in {out}/ ({summary.resumed} resumed,"
        f" skipped; {summary.stored} as stored at close),"
        f" {len(summary.with_status('suppressed'))} suppressed,"
        f" {len(summary.with_status('failed'))} failed. Index: {summary.index}"
    )
    if failed := summary.with_status("failed"):
        for entry in failed:
            unit = entry.unit_id or "organisation"
            errors.print(f"[red]failed[/] {unit} {entry.name}: {entry.error}")
        raise typer.Exit(1)


def _unit_ids(values: list[str] | None) -> list[int] | None:
    if not values:
        return None
    try:
        return [int(v) for value in values for v in value.split(",") if v.strip()]
    except ValueError:
        errors.print(f"[red]--units[/]: unit ids are numbers, not {', '.join(values)}")
        raise typer.Exit(1) from None


def _report_table(summary: object) -> Table:
    """The teams without a report, with the reason, then the counts."""
    from api.jobs.batch import BatchSummary

    assert isinstance(summary, BatchSummary)
    table = Table(title=f"Reports of campaign {summary.campaign_id}")
    for column in ("unit", "name", "report", "status", "file, or why there is none"):
        table.add_column(column)
    for entry in summary.entries:
        if entry.status != "written":
            colour = "yellow" if entry.status == "suppressed" else "red"
            table.add_row(
                str(entry.unit_id or ""), entry.name, entry.kind, f"[{colour}]{entry.status}[/]",
                entry.reason or entry.error or "",
            )  # fmt: skip
    written = summary.with_status("written")
    table.add_row(
        "", f"{len(written)} reports", "", "written", f"{summary.resumed} resumed, skipped"
    )
    return table


def _add_users() -> None:
    from api.cli.users import users_app

    app.add_typer(users_app, name="users")


def _add_worker() -> None:
    from api.cli.worker import worker

    app.command()(worker)


_add_users()
_add_worker()


if __name__ == "__main__":
    app()
