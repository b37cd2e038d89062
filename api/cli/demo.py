"""The main job: a simulated organisation answers the survey, the analysis runs, and every
eligible team gets its PDF report.

The invitations are e-mailed, as ``.eml`` files in ``<out>/mail/``, by the embedded queue's
job; the respondents answer through the links in them, over the HTTP API and the form's pages,
as people do, on a fresh embedded SQLite store.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from analysis import (
    CampaignAnalysis,
    SimulatedOrganisation,
    simulate_organisation,
)
from api.cli.demo_collect import collect
from api.cli.demo_mail import (
    DATA_FOLDER,
    MAIL_FOLDER,
    MailOutcome,
    clear_mail,
    demo_settings,
    make_jobs,
)
from api.jobs.batch import slugify
from api.services import accounts
from api.services import campaigns as services
from api.store.db import make_engine, session_scope, upgrade_database
from api.store.models import Role
from instrument import Instrument, load_builtin
from reports import (
    SuppressedTeamError,
    UnitInfo,
    build_department_view,
    build_organisation_view,
    build_team_view,
    render_department_pdf,
    render_organisation_pdf,
    render_team_pdf,
)

DEMO_CAMPAIGN = "Social learning survey, autumn 2026"


@dataclass(frozen=True)
class TeamOutcome:
    team: str
    department: str
    language: str
    respondents: int
    invited: int
    report: Path | None
    reason: str | None


@dataclass(frozen=True)
class DemoSummary:
    database: Path
    organisation_report: Path
    teams: tuple[TeamOutcome, ...]
    excluded: int
    """Respondents the careless-response policy left out of the figures."""
    mail: MailOutcome
    """The invitations and reminders e-mailed into the mail folder."""
    accounts: tuple[tuple[str, str], ...] = ()
    """The demo's people who can sign in, as (address, what they see)."""
    password: str = ""
    """Their password, made for this run."""
    departments: tuple[Path, ...] = ()
    """The department reports written."""

    @property
    def respondents(self) -> int:
        return sum(t.respondents for t in self.teams)

    @property
    def reports_written(self) -> int:
        return sum(t.report is not None for t in self.teams)


Step = Callable[[str, int], None]
"""Reports progress: a description and how many units of work were just done."""


def run_demo(*, teams: int, seed: int, out: Path, step: Step | None = None) -> DemoSummary:
    """Simulate, e-mail the invitations into ``out/mail``, collect through their links over
    the API, analyse and render into ``out``."""
    advance = step or (lambda _description, _n: None)
    out.mkdir(parents=True, exist_ok=True)
    database = out / "demo.sqlite"
    for stale in (database, *out.glob("demo.sqlite-*"), *out.glob("*.pdf")):
        stale.unlink(missing_ok=True)
    clear_mail(out)
    instrument = load_builtin()
    simulated = simulate_organisation(instrument=instrument, n_teams=teams, seed=seed)
    team_ids = simulated.units.loc[simulated.units["kind"] == "team", "unit_id"].astype(str)
    languages = team_languages(list(team_ids), seed=seed)
    advance("simulated the organisation", 1)

    organisation = str(
        simulated.units.loc[simulated.units["kind"] == "organisation", "name"].iat[0]
    )
    settings = demo_settings(
        data=out / DATA_FOLDER, mail=out / MAIL_FOLDER, sender=f"{organisation} HR"
    )
    with _engine(database) as engine:
        upgrade_database(engine)
        # The queue stays in the data folder: it holds the sweep that closing the campaign
        # queued, for ``transversal serve`` on this database to render the stored reports.
        jobs = make_jobs(engine, settings)
        try:
            collected = collect(
                engine,
                simulated,
                instrument=instrument,
                campaign_name=DEMO_CAMPAIGN,
                languages=languages,
                seed=seed,
                jobs=jobs,
            )
        finally:
            jobs.huey.storage.close()
        campaign_id, unit_ids = collected.campaign_id, collected.unit_ids
        advance("e-mailed the invitations, collected the answers through their links", 1)
        with session_scope(engine) as session:
            data = services.load_snapshot(session, campaign_id=campaign_id)
        password = secrets.token_urlsafe(12)
        people = _demo_accounts(engine, simulated, campaign_id, unit_ids, password=password)
    analysis = data.analyse()
    advance("analysed the campaign", 1)
    units = data.report_units()
    invited_by_team = data.invited_by_team()
    generated_at = datetime.now(UTC)
    outcomes = _render_teams(
        analysis,
        instrument=instrument,
        units=units,
        invited=invited_by_team,
        languages={str(unit_ids[t]): language for t, language in languages.items()},
        organisation_name=data.organisation_name,
        generated_at=generated_at,
        snapshot=data.fingerprint,
        out=out,
        advance=advance,
    )
    organisation_view = build_organisation_view(
        analysis,
        instrument=instrument,
        units=units,
        organisation_name=data.organisation_name,
        campaign_name=data.campaign_name,
        language="en",
        generated_at=generated_at,
        invited=invited_by_team,
        snapshot=data.fingerprint,
        imported=data.imported_by_team(),
        padding=data.padding,
    )
    organisation_report = out / "organisation.pdf"
    organisation_report.write_bytes(render_organisation_pdf(organisation_view))
    advance("wrote the organisation report", 1)
    chart = data.chart()
    departments = []
    for unit in sorted(data.above_teams(), key=lambda u: units[u].name):
        if chart.get(unit) is None:
            continue  # the root's report is the organisation's
        try:
            view = build_department_view(
                analysis,
                instrument=instrument,
                unit_id=unit,
                units=units,
                organisation_name=data.organisation_name,
                campaign_name=data.campaign_name,
                language="en",
                generated_at=generated_at,
                invited=invited_by_team,
                snapshot=data.fingerprint,
                imported=data.imported_by_team(),
            )
        except SuppressedTeamError:
            continue
        report = out / f"department-{slugify(units[unit].name)}-{unit}.pdf"
        report.write_bytes(render_department_pdf(view))
        departments.append(report)
    advance("wrote the department reports", 1)
    return DemoSummary(
        database=database,
        organisation_report=organisation_report,
        teams=outcomes,
        excluded=analysis.n_excluded,
        mail=collected.mail,
        accounts=people,
        password=password,
        departments=tuple(departments),
    )


def _demo_accounts(
    engine: Engine,
    simulated: SimulatedOrganisation,
    campaign_id: int,
    unit_ids: dict[str, int],
    *,
    password: str,
) -> tuple[tuple[str, str], ...]:
    """An HR admin, the leader of the first department and an auditor, to sign in with and
    look at the console, the portal and the audit log of the demo's database."""
    units = simulated.units
    department = units.loc[units["kind"] == "department"].iloc[0]
    with session_scope(engine) as session:
        campaign = services.get_campaign(session, campaign_id=campaign_id)
        assert campaign is not None
        organisation_id = campaign.organisation_id
        people = (
            ("hr@demo.example", "HR", Role.admin, None, "HR admin"),
            (
                "lead@demo.example",
                "Lead",
                Role.leader,
                unit_ids[str(department["unit_id"])],
                f"leader of {department['name']}",
            ),
            ("works@demo.example", "Works council", Role.auditor, None, "auditor"),
        )
        for email, name, role, unit, _ in people:
            accounts.create_account(
                session,
                organisation_id=organisation_id,
                data=accounts.AccountCreate(
                    email=email, name=name, role=role, unit_id=unit, password=password
                ),
                actor="demo",
            )
    return tuple((email, seen) for email, _, _, _, seen in people)


@contextmanager
def _engine(database: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{database}")
    try:
        yield engine
    finally:
        engine.dispose()


def team_languages(team_ids: list[str], *, seed: int) -> dict[str, str]:
    """About one team in four works in French: they answer, and get their report, in French."""
    rng = np.random.default_rng(seed + 2)
    return {team: ("fr" if rng.random() < 0.25 else "en") for team in team_ids}


def _render_teams(
    analysis: CampaignAnalysis,
    *,
    instrument: Instrument,
    units: dict[str, UnitInfo],
    invited: dict[str, int],
    languages: dict[str, str],
    organisation_name: str,
    generated_at: datetime,
    snapshot: str | None,
    out: Path,
    advance: Step,
) -> tuple[TeamOutcome, ...]:
    outcomes = []
    # Responses received per team; the figures' n (after screening) is in each report.
    sizes = dict(zip(analysis.team_sizes["team"], analysis.team_sizes["answered"], strict=True))
    used_names: set[str] = set()
    for team_id in sorted(invited, key=lambda t: units[t].name):
        info = units[team_id]
        parent = units.get(info.parent_id or "")
        language = languages.get(team_id, "en")
        report, reason = None, None
        try:
            view = build_team_view(
                analysis,
                instrument=instrument,
                team_id=team_id,
                units=units,
                organisation_name=organisation_name,
                campaign_name=DEMO_CAMPAIGN,
                language=language,
                generated_at=generated_at,
                invited=invited,
                snapshot=snapshot,
            )
        except SuppressedTeamError as refused:
            reason = refused.reason
        else:
            report = out / _report_name(info, used=used_names)
            report.write_bytes(render_team_pdf(view))
        outcomes.append(
            TeamOutcome(
                team=info.name,
                department=parent.name if parent else "",
                respondents=int(sizes.get(team_id, 0)),
                invited=invited[team_id],
                language=language,
                report=report,
                reason=reason,
            )
        )
        advance(f"report for {info.name}", 1)
    return tuple(outcomes)


def _report_name(unit: UnitInfo, *, used: set[str]) -> str:
    """``team-<name>.pdf``; two teams of the same name are told apart by their unit id."""
    name = f"team-{slugify(unit.name)}.pdf"
    if name in used:
        name = f"team-{slugify(unit.name)}-{unit.unit_id}.pdf"
    used.add(name)
    return name
