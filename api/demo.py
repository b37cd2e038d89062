"""The main job: a simulated organisation answers the survey, the analysis runs, and every
eligible team gets its PDF report.

It goes through the same services the API uses, on a fresh embedded SQLite store.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from analysis import (
    CampaignAnalysis,
    SimulatedOrganisation,
    analyse_campaign,
    simulate_organisation,
)
from api import services
from api.db import make_engine, session_scope, upgrade_database
from api.models import CampaignCreate, OrganisationCreate, ResponseCreate, UnitKind
from instrument import Instrument, load_builtin
from reports import (
    SuppressedTeamError,
    UnitInfo,
    build_organisation_view,
    build_team_view,
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

    @property
    def respondents(self) -> int:
        return sum(t.respondents for t in self.teams)

    @property
    def reports_written(self) -> int:
        return sum(t.report is not None for t in self.teams)


Step = Callable[[str, int], None]
"""Reports progress: a description and how many units of work were just done."""


def run_demo(*, teams: int, seed: int, out: Path, step: Step | None = None) -> DemoSummary:
    """Simulate, store through the services, analyse and render into ``out``."""
    advance = step or (lambda _description, _n: None)
    out.mkdir(parents=True, exist_ok=True)
    database = out / "demo.sqlite"
    for stale in (database, *out.glob("demo.sqlite-*"), *out.glob("*.pdf")):
        stale.unlink(missing_ok=True)
    instrument = load_builtin()
    simulated = simulate_organisation(instrument=instrument, n_teams=teams, seed=seed)
    team_ids = simulated.units.loc[simulated.units["kind"] == "team", "unit_id"].astype(str)
    languages = team_languages(list(team_ids), seed=seed)
    advance("simulated the organisation", 1)

    with _engine(database) as engine:
        upgrade_database(engine)
        campaign_id, unit_ids = _store(
            engine, simulated, instrument=instrument, languages=languages, seed=seed
        )
        advance("stored the answers through the services", 1)
        with session_scope(engine) as session:
            data = services.load_campaign_data(session, campaign_id=campaign_id)
    analysis = analyse_campaign(
        data.responses, instrument=instrument, min_group_size=data.min_group_size
    )
    advance("analysed the campaign", 1)
    units = {
        str(u.id): UnitInfo(
            unit_id=str(u.id),
            name=u.name,
            parent_id=str(u.parent_id) if u.parent_id is not None else None,
            kind=str(u.kind),
        )
        for u in data.units
    }
    invited_by_team = {str(unit_id): count for unit_id, count in data.invited.items()}
    generated_at = datetime.now(UTC)
    outcomes = _render_teams(
        analysis,
        instrument=instrument,
        units=units,
        invited=invited_by_team,
        languages={str(unit_ids[t]): language for t, language in languages.items()},
        organisation_name=data.organisation_name,
        generated_at=generated_at,
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
    )
    organisation_report = out / "organisation.pdf"
    organisation_report.write_bytes(render_organisation_pdf(organisation_view))
    advance("wrote the organisation report", 1)
    return DemoSummary(database=database, organisation_report=organisation_report, teams=outcomes)


@contextmanager
def _engine(database: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{database}")
    try:
        yield engine
    finally:
        engine.dispose()


def _store(
    engine: Engine,
    simulated: SimulatedOrganisation,
    *,
    instrument: Instrument,
    languages: dict[str, str],
    seed: int,
) -> tuple[int, dict[str, int]]:
    """Create the organisation, its chart and a campaign, and submit every simulated answer."""
    units_frame = simulated.units
    responses = simulated.responses
    root = units_frame.loc[units_frame["kind"] == "organisation", "name"].iat[0]
    with session_scope(engine) as session:
        organisation = services.create_organisation(session, OrganisationCreate(name=str(root)))
        assert organisation.id is not None
        rows = [
            services.UnitImportRow(
                external_id=str(u.unit_id),
                name=str(u.name),
                kind=UnitKind(str(u.kind)),
                parent_external_id=None if pd.isna(u.parent_id) else str(u.parent_id),
            )
            for u in units_frame.itertuples()
        ]
        created = services.import_units(session, organisation_id=organisation.id, rows=rows)
        unit_ids = {u.external_id: u.id for u in created if u.external_id and u.id}
        team_ids = [
            unit_ids[str(t)] for t in units_frame.loc[units_frame.kind == "team", "unit_id"]
        ]
        campaign = services.create_campaign(
            session,
            organisation_id=organisation.id,
            data=CampaignCreate(
                name=DEMO_CAMPAIGN,
                instrument=instrument.ref,
                unit_ids=team_ids,
                languages=list(instrument.languages),
            ),
        )
        assert campaign.id is not None
        invited = _invitations(responses, unit_ids=unit_ids, team_ids=team_ids, seed=seed)
        services.set_invited(session, campaign_id=campaign.id, invited=invited)
        services.open_campaign(session, campaign_id=campaign.id)
        services.submit_responses(
            session,
            campaign_id=campaign.id,
            responses=_response_payloads(
                responses, unit_ids=unit_ids, languages=languages, instrument=instrument
            ),
        )
        services.close_campaign(session, campaign_id=campaign.id)
    return campaign.id, unit_ids


def _invitations(
    responses: pd.DataFrame, *, unit_ids: dict[str, int], team_ids: list[int], seed: int
) -> dict[int, int]:
    """How many were invited per team: the respondents over a plausible response rate."""
    rng = np.random.default_rng(seed + 1)
    counts = responses["team"].astype(str).map(unit_ids).value_counts()
    return {
        team: int(np.ceil(counts.get(team, 0) / rng.uniform(0.55, 0.95))) or 3 for team in team_ids
    }


def _response_payloads(
    responses: pd.DataFrame,
    *,
    unit_ids: dict[str, int],
    languages: dict[str, str],
    instrument: Instrument,
) -> list[ResponseCreate]:
    """Unanswered items are left out of the payload (missing), as a web form would send them."""
    items = list(instrument.item_ids)
    values = responses[items].to_numpy()
    payloads = []
    for row, team in zip(values, responses["team"].astype(str), strict=True):
        answers: dict[str, int | None] = {
            item: int(value) for item, value in zip(items, row, strict=True) if not np.isnan(value)
        }
        payloads.append(
            ResponseCreate(unit_id=unit_ids[team], language=languages[team], answers=answers)
        )
    return payloads


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
    out: Path,
    advance: Step,
) -> tuple[TeamOutcome, ...]:
    outcomes = []
    sizes = dict(zip(analysis.team_sizes["team"], analysis.team_sizes["respondents"], strict=True))
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


def slugify(name: str) -> str:
    """A file-name-safe, lower-case ASCII form of a unit name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "unit"
