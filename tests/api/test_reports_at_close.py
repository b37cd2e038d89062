"""Reports ready at close, on both databases: closing a campaign queues its analysis once, then
one job per unit that may have a report, then the organisation's; each stores its PDF and HTML
in every language under the snapshot's fingerprint; the API, the portal and ``transversal
report`` serve what is stored and render only what is missing; a worker killed mid-render
leaves nothing half-written and another worker completes the run.

The campaign: English and French, three teams, two with enough answers for a report and one
under the minimum group size of 5, stored as suppressed with the reason. The day ward answered
in French only, the others half in each language.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from huey import MemoryHuey, SqliteHuey
from sqlalchemy import Engine, func, select, update
from sqlmodel import Session, col
from typer.testing import CliRunner

from analysis import simulate_organisation
from api import collector
from api.app import create_app
from api.cli import app as cli
from api.jobs import batch
from api.jobs.queue import Jobs
from api.services import accounts, stored_reports
from api.services import campaigns as services
from api.services.accounts import AccountCreate
from api.services.campaigns import CampaignData
from api.services.org_chart import UnitImportRow
from api.settings import Settings
from api.store.models import (
    RenderClaim,
    ReportRun,
    ReportRunStatus,
    ResponseCreate,
    Role,
    StoredAnalysis,
    StoredReport,
    utc_now,
)
from instrument import load_builtin
from tests.api.conftest import Org, database_url_of, each_analysis_once, stage_campaign
from tests.api.pages import PASSWORD, page_text, sign_in

TEAMS = {"t1": ("Night ward", 6), "t2": ("Day ward", 5), "t3": ("Small ward", 2)}
"""External id: name and respondents. The small ward is under the minimum of 5."""
LANGUAGES = ["en", "fr"]
FRENCH_ONLY = "t2"
"""The team every member of which answered in French, the campaign's second language."""
PLANNED = (len(TEAMS) + 1) * len(LANGUAGES)
"""Every team and the organisation, in both languages (the root has no department report)."""
WAIT_SECONDS = 180
runner = CliRunner()


@dataclass(frozen=True)
class Scene:
    client: TestClient
    engine: Engine
    campaign_id: int
    units: dict[str, int]
    jobs: Jobs
    headers: dict[str, str]


def _jobs(engine: Engine, tmp_path: Path, huey: Any, *, lease: int = 300) -> Jobs:
    settings = Settings(data_dir=tmp_path / "data", job_lease_seconds=lease)
    return Jobs(
        huey, engine=engine, reports_dir=tmp_path / "reports", render_workers=1, settings=settings
    )


@pytest.fixture(autouse=True, scope="module")
def _each_analysis_once() -> Iterator[None]:
    """Every scene holds the same answers, and each of its runs analyses them (a second or
    two a run): each content is analysed once (``tests.api.conftest.each_analysis_once``),
    whatever order the answers, stored under random ids, are read in. Answers added after a
    reopening are another content, analysed anew; ``_no_analysis`` still refuses any call."""
    with each_analysis_once():
        yield


@pytest.fixture
def scene(org: Org, engine: Engine, tmp_path: Path) -> Iterator[Scene]:
    """A closed, answered campaign in two languages, HR and a leader of the night ward, and
    the app with a queue in immediate mode (a job runs as it is queued), not yet swept."""
    staged = stage_campaign(
        engine,
        org.organisation_id,
        chart=[
            UnitImportRow(external_id="org", name="Acme", kind="organisation"),
            *(
                UnitImportRow(external_id=key, name=name, parent_external_id="org")
                for key, (name, _) in TEAMS.items()
            ),
        ],
        teams=list(TEAMS),
        languages=LANGUAGES,
    )
    _answer(engine, staged.campaign_id, staged.units)
    with Session(engine, expire_on_commit=False) as session:
        services.close_campaign(session, campaign_id=staged.campaign_id)
        for email, role, unit in (
            ("hr@acme.example", Role.admin, None),
            ("lead@acme.example", Role.leader, staged.units["t1"]),
        ):
            accounts.create_account(
                session,
                organisation_id=org.organisation_id,
                data=AccountCreate(
                    email=email, name=email.split("@")[0], role=role, unit_id=unit,
                    password=PASSWORD,
                ),
                actor="test",
            )  # fmt: skip
    jobs = _jobs(engine, tmp_path, MemoryHuey("test", immediate=True))
    with TestClient(create_app(engine, jobs=jobs), base_url="https://testserver") as client:
        yield Scene(client, engine, staged.campaign_id, staged.units, jobs, org.headers())


def _answer(engine: Engine, campaign_id: int, units: dict[str, int]) -> None:
    instrument = load_builtin()
    sizes = [size for _, size in TEAMS.values()]
    simulated = simulate_organisation(
        instrument=instrument, team_sizes=sizes, seed=3, careless_share=0.0
    )
    teams = sorted(simulated.responses["team"].unique())
    to_unit = dict(zip(teams, (units[key] for key in TEAMS), strict=True))
    french = units[FRENCH_ONLY]
    responses = [
        ResponseCreate(
            unit_id=to_unit[row["team"]],
            language="fr" if to_unit[row["team"]] == french else LANGUAGES[i % 2],
            answers={i: int(row[i]) for i in instrument.item_ids if not np.isnan(row[i])},
        )
        for i, row in enumerate(simulated.responses.to_dict("records"))
    ]
    with Session(engine, expire_on_commit=False) as session:
        services.submit_responses(session, campaign_id=campaign_id, responses=responses)


@pytest.fixture
def quick_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    """The jobs build every report's view as they do (a unit under the minimum is refused
    there), and lay it out as a stand-in: for tests whose subject is what becomes of a report,
    not its pages (``test_closing_stores_every_report...`` renders them for real). Nor do they
    tune the collector for a layout that is not made (``collector.rendering``: a full
    collection of this process' heap, a fraction of a second, before every unit)."""

    def pdf(view: Any) -> bytes:
        return f"%PDF-stand-in {type(view).__name__} {view.language}".encode()

    def html(view: Any) -> str:
        return (
            f'<!doctype html><html lang="{view.language}"><head><title>report</title></head>'
            f"<body><p>{type(view).__name__}</p></body></html>"
        )

    for kind in ("team", "department", "organisation"):
        monkeypatch.setattr(batch, f"render_{kind}_pdf", pdf)
        monkeypatch.setattr(batch, f"render_{kind}_html", html)
    monkeypatch.setattr(collector, "rendering", nullcontext)


def _rows(engine: Engine, campaign_id: int) -> list[StoredReport]:
    with Session(engine) as session:
        statement = select(StoredReport).where(col(StoredReport.campaign_id) == campaign_id)
        return list(session.scalars(statement))


def _run(engine: Engine, campaign_id: int) -> ReportRun:
    with Session(engine) as session:
        statement = select(ReportRun).where(col(ReportRun.campaign_id) == campaign_id)
        runs = list(session.scalars(statement))
    assert len(runs) == 1, runs
    return runs[0]


def _no_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, analysing a campaign fails the test: what is served must be stored."""

    def refused(_self: Any) -> Any:
        raise AssertionError("a campaign was analysed to serve a stored report")

    monkeypatch.setattr(CampaignData, "analyse", refused)


def test_closing_stores_every_report_once_in_every_language_and_format(
    scene: Scene, tmp_path: Path
) -> None:
    scene.jobs.reports.enqueue_sweep()
    run = _run(scene.engine, scene.campaign_id)
    assert (run.status, run.planned, run.error) == (ReportRunStatus.done, PLANNED, None)
    rows = _rows(scene.engine, scene.campaign_id)
    assert len(rows) == PLANNED * 2
    assert {r.snapshot for r in rows} == {run.snapshot}
    by_key = {(r.kind, r.unit_id, r.language, r.format): r for r in rows}
    for team in ("t1", "t2"):
        for language in LANGUAGES:
            pdf = by_key[("team", scene.units[team], language, "pdf")]
            html = by_key[("team", scene.units[team], language, "html")]
            assert pdf.status == html.status == "written"
            assert pdf.content is not None
            assert pdf.content.startswith(b"%PDF")
            assert html.content is not None
            assert f'lang="{language}"'.encode() in html.content
    small = by_key[("team", scene.units["t3"], "fr", "pdf")]
    assert (small.status, small.content) == ("suppressed", None)
    assert small.reason
    assert by_key[("organisation", 0, "en", "pdf")].status == "written"

    # The night ward's leader is told, once, with a link to the portal; nobody else is.
    notices = list((tmp_path / "data" / "mail").glob("*.eml"))
    assert len(notices) == 1, notices
    notice = email.message_from_bytes(notices[0].read_bytes(), policy=email.policy.default)
    assert notice["To"] == "lead@acme.example"
    body = notice.get_body(preferencelist=("plain",))
    assert body is not None
    assert f"/portal/campaigns/{scene.campaign_id}" in body.get_content()

    # Swept again, and each job run twice: nothing is stored twice or rendered again.
    ids = {r.id for r in rows}
    scene.jobs.reports.enqueue_sweep()
    assert run.id is not None
    scene.jobs.reports.analyse(run.id)
    scene.jobs.reports.render(run.id, "team", scene.units["t1"])
    assert {r.id for r in _rows(scene.engine, scene.campaign_id)} == ids
    with Session(scene.engine) as session:
        analyses = session.scalar(select(func.count()).select_from(StoredAnalysis))
    assert analyses == 1
    assert len(list((tmp_path / "data" / "mail").glob("*.eml"))) == 1


def test_a_team_that_answered_in_french_has_its_report_in_french_first(
    scene: Scene, monkeypatch: pytest.MonkeyPatch, quick_layout: None
) -> None:
    """The campaign is English first; the day ward answered in French only: its report's
    language is French, rendered and stored before the English one, and the language a reader
    who names none is given. The night ward answered half in each: a tie, broken by the
    campaign's order (English). The organisation's report stays in English."""
    rendered: list[tuple[str, int, str]] = []
    real = batch.render_both

    def recorded(kind: str, unit_id: int, context: Any, *, language: str) -> Any:
        rendered.append((kind, unit_id, language))
        return real(kind, unit_id, context, language=language)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "render_both", recorded)
    scene.jobs.reports.enqueue_sweep()
    assert _run(scene.engine, scene.campaign_id).status == ReportRunStatus.done
    day, night = scene.units[FRENCH_ONLY], scene.units["t1"]
    first = {(kind, unit): language for kind, unit, language in reversed(rendered)}
    assert first[("team", day)] == "fr"
    assert first[("team", night)] == "en"
    assert first[("organisation", 0)] == "en"
    with Session(scene.engine, expire_on_commit=False) as session:
        assert stored_reports.report_languages(session, campaign_id=scene.campaign_id) == {
            day: "fr",
            night: "en",
            scene.units["t3"]: "en",
        }
        with session.begin():
            campaign = services.require_campaign(session, scene.campaign_id)
        chosen = {
            (kind, unit): stored_reports.default_language(
                session, campaign=campaign, kind=kind, unit_id=unit
            )
            for kind, unit in (("team", day), ("team", night), ("organisation", 0))
        }
    assert chosen == {("team", day): "fr", ("team", night): "en", ("organisation", 0): "en"}
    by_key = {
        (r.kind, r.unit_id, r.language, r.format): r for r in _rows(scene.engine, scene.campaign_id)
    }
    french = by_key[("team", day, "fr", "html")].content
    assert french is not None
    assert b'lang="fr"' in french
    # HR asking for the team's report without naming a language gets the team's own.
    base = f"/api/v1/campaigns/{scene.campaign_id}/units"
    served = scene.client.get(f"{base}/{day}/report.html", headers=scene.headers)
    assert served.status_code == 200
    assert 'lang="fr"' in served.text
    served = scene.client.get(f"{base}/{night}/report.html", headers=scene.headers)
    assert 'lang="en"' in served.text


def test_the_api_and_the_portal_serve_what_was_stored(
    scene: Scene, monkeypatch: pytest.MonkeyPatch, quick_layout: None
) -> None:
    scene.jobs.reports.enqueue_sweep()
    t1 = scene.units["t1"]
    marker_pdf = b"%PDF-1.7 the copy stored at close"
    marker_html = (
        "<!doctype html><html lang='fr'><head><title>Rapport</title></head>"
        "<body><p>copie rangée</p></body></html>"
    )
    with Session(scene.engine) as session:
        for language, fmt, content in (
            ("en", "pdf", marker_pdf),
            ("fr", "html", marker_html.encode()),
        ):
            session.execute(
                update(StoredReport)
                .where(
                    col(StoredReport.campaign_id) == scene.campaign_id,
                    col(StoredReport.unit_id) == t1,
                    col(StoredReport.language) == language,
                    col(StoredReport.format) == fmt,
                )
                .values(content=content)
            )
        session.commit()
    _no_analysis(monkeypatch)
    base = f"/api/v1/campaigns/{scene.campaign_id}/units"
    pdf = scene.client.get(f"{base}/{t1}/report.pdf", headers=scene.headers)
    assert pdf.status_code == 200
    assert pdf.content == marker_pdf
    html = scene.client.get(f"{base}/{t1}/report.html?language=fr", headers=scene.headers)
    assert html.status_code == 200
    assert "copie rangée" in html.text
    small = scene.client.get(f"{base}/{scene.units['t3']}/report.pdf", headers=scene.headers)
    assert small.status_code == 409
    assert "no report for unit" in small.json()["detail"]

    sign_in(scene.client, "lead@acme.example")
    portal = f"/portal/campaigns/{scene.campaign_id}/units/{t1}"
    assert scene.client.get(f"{portal}/report.pdf?lang=en").content == marker_pdf
    page = scene.client.get(f"{portal}/report?lang=fr")
    assert page.status_code == 200
    assert "copie rangée" in page.text
    with Session(scene.engine) as session:
        snapshot = services.read_snapshot(
            session, campaign=services.require_campaign(session, scene.campaign_id)
        )
    assert snapshot.first_read_at is not None, "a stored report served is a read"


def test_a_report_missing_from_storage_is_rendered_once_and_stored(
    scene: Scene, quick_layout: None
) -> None:
    t2 = scene.units["t2"]
    url = f"/api/v1/campaigns/{scene.campaign_id}/units/{t2}/report.pdf?language=fr"
    first = scene.client.get(url, headers=scene.headers)
    assert first.status_code == 200
    assert first.content.startswith(b"%PDF")
    rows = _rows(scene.engine, scene.campaign_id)
    assert [(r.kind, r.unit_id, r.language, r.format) for r in rows] == [("team", t2, "fr", "pdf")]
    assert scene.client.get(url, headers=scene.headers).content == first.content

    # The run at close renders the rest and leaves the copy made on request as it was.
    scene.jobs.reports.enqueue_sweep()
    assert _run(scene.engine, scene.campaign_id).status == ReportRunStatus.done
    again = [r for r in _rows(scene.engine, scene.campaign_id) if r.id == rows[0].id]
    assert again[0].content == first.content


def test_a_reopened_campaign_forgets_the_reports_of_its_old_snapshot(
    scene: Scene, quick_layout: None
) -> None:
    scene.jobs.reports.enqueue_sweep()
    old = _run(scene.engine, scene.campaign_id).snapshot
    with Session(scene.engine, expire_on_commit=False) as session:
        services.reopen_campaign(session, campaign_id=scene.campaign_id)
        services.submit_responses(
            session,
            campaign_id=scene.campaign_id,
            responses=[
                ResponseCreate(unit_id=scene.units["t2"], answers={load_builtin().item_ids[0]: 4})
            ],
        )
        services.close_campaign(session, campaign_id=scene.campaign_id)
    scene.jobs.reports.enqueue_sweep()
    run = _run(scene.engine, scene.campaign_id)
    assert run.snapshot != old
    assert run.status == ReportRunStatus.done
    assert {r.snapshot for r in _rows(scene.engine, scene.campaign_id)} == {run.snapshot}


def test_a_run_whose_job_was_lost_is_completed_once_its_lease_runs_out(
    org: Org, scene: Scene, tmp_path: Path, quick_layout: None
) -> None:
    """A worker killed mid-render loses the job it held: the queue no longer has it. The
    sweep finds the silent run once its lease has run out and queues what is missing."""
    huey = MemoryHuey("lossy")
    jobs = _jobs(scene.engine, tmp_path, huey, lease=60)
    jobs.reports.enqueue_sweep()
    lost = None
    while (task := huey.dequeue()) is not None:
        if task.name == "reports_at_close_render" and lost is None:
            lost = task.args  # the worker holding it was killed: it never runs
            continue
        huey.execute(task)
    assert lost is not None
    run = _run(scene.engine, scene.campaign_id)
    assert run.status == ReportRunStatus.rendering
    assert len(_rows(scene.engine, scene.campaign_id)) == (PLANNED - len(LANGUAGES)) * 2

    jobs.reports.enqueue_sweep()  # within the lease: the run's worker may still be busy
    assert [task.name for task in _drain(huey)] == ["reports_at_close_sweep"]
    with Session(scene.engine) as session:
        session.execute(
            update(ReportRun)
            .where(col(ReportRun.id) == run.id)
            .values(heartbeat_at=utc_now() - timedelta(seconds=61))
        )
        session.commit()
    jobs.reports.enqueue_sweep()
    ran = [task.name for task in _drain(huey)]
    assert ran == ["reports_at_close_sweep", "reports_at_close_render"]
    assert _run(scene.engine, scene.campaign_id).status == ReportRunStatus.done
    assert len(_rows(scene.engine, scene.campaign_id)) == PLANNED * 2


def test_a_unit_that_fails_three_times_fails_the_run_naming_it(
    scene: Scene, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quick_layout: None
) -> None:
    huey = MemoryHuey("failing")
    jobs = _jobs(scene.engine, tmp_path, huey, lease=60)
    t1 = scene.units["t1"]
    real = batch.render_both

    def broken(kind: str, unit_id: int, *args: Any, **kwargs: Any) -> Any:
        if unit_id == t1:
            raise RuntimeError("the layout ran out of memory")
        return real(kind, unit_id, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "render_both", broken)
    jobs.reports.enqueue_sweep()
    _drain(huey, failing_ok=True)
    run = _run(scene.engine, scene.campaign_id)
    assert run.id is not None
    for _ in range(2):  # huey's two retries
        with pytest.raises(RuntimeError):
            jobs.reports.render(run.id, "team", t1)
    with Session(scene.engine) as session:
        session.execute(update(RenderClaim).values(claimed_at=utc_now() - timedelta(seconds=61)))
        session.commit()
    jobs.reports.enqueue_sweep()
    _drain(huey)
    failed = _run(scene.engine, scene.campaign_id)
    assert failed.status == ReportRunStatus.failed
    assert failed.error == (
        f"the team report of unit {t1} could not be rendered in 3 attempts: see the workers' logs"
    )
    assert len(_rows(scene.engine, scene.campaign_id)) == (PLANNED - len(LANGUAGES)) * 2


def test_hr_follows_the_reports_being_prepared(scene: Scene, quick_layout: None) -> None:
    sign_in(scene.client, "hr@acme.example")
    page = f"/console/campaigns/{scene.campaign_id}?lang=en"
    assert "The reports are being prepared" in page_text(scene.client.get(page).text)
    scene.jobs.reports.enqueue_sweep()
    assert f"All {PLANNED} reports are ready" in page_text(scene.client.get(page).text)
    french = page_text(scene.client.get(page.replace("lang=en", "lang=fr")).text)
    assert f"Les {PLANNED} rapports sont prêts" in french


def test_transversal_report_writes_the_stored_reports(
    scene: Scene, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quick_layout: None
) -> None:
    scene.jobs.reports.enqueue_sweep()
    monkeypatch.setenv("DATABASE_URL", database_url_of(scene.engine))
    from api.settings import get_settings

    get_settings.cache_clear()
    _no_analysis(monkeypatch)
    out = tmp_path / "out"
    try:
        made = runner.invoke(
            cli, ["report", "--campaign", str(scene.campaign_id), "--out", str(out),
                  "--language", "fr", "--workers", "1"],
        )  # fmt: skip
    finally:
        get_settings.cache_clear()
    assert made.exit_code == 0, made.output
    assert "4 as stored at close" in " ".join(made.output.split())
    pdfs = sorted(p.name for p in out.glob("*.pdf"))
    assert len(pdfs) == 3  # two teams and the organisation; the small ward has none
    with Session(scene.engine) as session:
        stored = session.scalar(
            select(col(StoredReport.content)).where(
                col(StoredReport.campaign_id) == scene.campaign_id,
                col(StoredReport.kind) == "organisation",
                col(StoredReport.language) == "fr",
                col(StoredReport.format) == "pdf",
            )
        )
    assert (out / "organisation.pdf").read_bytes() == stored


def _report_command(scene: Scene, out: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """``transversal report`` of the scene's campaign into ``out``, naming no language: what
    it says."""
    from api.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", database_url_of(scene.engine))
    get_settings.cache_clear()
    try:
        made = runner.invoke(
            cli, ["report", "--campaign", str(scene.campaign_id), "--out", str(out),
                  "--workers", "1"],
        )  # fmt: skip
    finally:
        get_settings.cache_clear()
    assert made.exit_code == 0, made.output
    return " ".join(made.output.split())


def test_a_language_set_on_the_unit_comes_before_its_respondents_in_the_api_and_the_batch(
    scene: Scene, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quick_layout: None
) -> None:
    """The day ward answered in French only, and its unit says English; the night ward's tie
    would give English, and its unit says French. Read without a language, from the API and
    from ``transversal report``, each team's report is in its unit's language; the
    organisation's stays in the campaign's first. A unit given another language afterwards
    changes what the batch writes."""
    day, night, small = scene.units[FRENCH_ONLY], scene.units["t1"], scene.units["t3"]
    for unit, language in ((day, "en"), (night, "fr")):
        changed = scene.client.patch(
            f"/api/v1/units/{unit}", json={"report_language": language}, headers=scene.headers
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["report_language"] == language
    with Session(scene.engine) as session:
        assert stored_reports.report_languages(session, campaign_id=scene.campaign_id) == {
            day: "en",
            night: "fr",
            small: "en",
        }
    base = f"/api/v1/campaigns/{scene.campaign_id}/units"
    # Rendered on request (nothing stored yet), then as stored at close.
    for _ in range(2):
        served = scene.client.get(f"{base}/{day}/report.html", headers=scene.headers)
        assert served.status_code == 200
        assert 'lang="en"' in served.text
        served = scene.client.get(f"{base}/{night}/report.html", headers=scene.headers)
        assert 'lang="fr"' in served.text
        scene.jobs.reports.enqueue_sweep()
    assert _run(scene.engine, scene.campaign_id).status == ReportRunStatus.done

    _no_analysis(monkeypatch)
    out = tmp_path / "out"
    said = _report_command(scene, out, monkeypatch)
    assert "4 as stored at close" in said
    entries = {
        (e["kind"], e["unit_id"]): e
        for e in json.loads((out / "index.json").read_text())["reports"]
    }
    assert {key: e["language"] for key, e in entries.items()} == {
        ("team", day): "en",
        ("team", night): "fr",
        ("team", small): "en",
        ("organisation", None): "en",
    }
    for unit, language in ((day, "en"), (night, "fr")):
        written = (out / entries[("team", unit)]["file"]).read_bytes()
        assert written == f"%PDF-stand-in TeamReportView {language}".encode()
    assert (out / "organisation.pdf").read_bytes().endswith(b" en")
    assert "<td>fr</td>" in (out / "index.html").read_text(encoding="utf-8")

    # The day ward's unit now says French: the next run writes its report in French.
    changed = scene.client.patch(
        f"/api/v1/units/{day}", json={"report_language": "fr"}, headers=scene.headers
    )
    assert changed.status_code == 200
    _report_command(scene, out, monkeypatch)
    again = {
        (e["kind"], e["unit_id"]): e
        for e in json.loads((out / "index.json").read_text())["reports"]
    }
    assert again[("team", day)]["language"] == "fr"
    assert again[("team", day)]["fingerprint"] != entries[("team", day)]["fingerprint"]
    written = (out / again[("team", day)]["file"]).read_bytes()
    assert written == b"%PDF-stand-in TeamReportView fr"


WAITING_WORKER = """
import sys
import time
from pathlib import Path

import api.jobs.queue  # what the worker imports as it starts: the jobs, the reports, WeasyPrint
from api.cli import app

go = Path(sys.argv[1])
while not go.exists():
    time.sleep(0.02)
sys.argv = ["transversal", "worker"]
sys.exit(app())
"""
"""``transversal worker``, started ahead of its time: its modules imported (some seconds), it
runs once the file named by its argument exists, and from then on as the command does."""
LEASE_SECONDS = 1


def _claims(engine: Engine) -> list[RenderClaim]:
    with Session(engine) as session:
        return list(session.scalars(select(RenderClaim)))


def _started(command: list[str], environment: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _stop(process: subprocess.Popen[str], how: signal.Signals) -> str:
    if process.poll() is None:
        process.send_signal(how)
    output, _ = process.communicate(timeout=60)
    return output


def test_a_worker_killed_mid_render_leaves_nothing_half_written_and_another_completes(
    scene: Scene, tmp_path: Path
) -> None:
    data = tmp_path / "worker-data"
    data.mkdir()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url_of(scene.engine),
        "DATA_DIR": str(data),
        "QUEUE_URL": "",
        "JOB_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    go = tmp_path / "go"
    first = _started([str(Path(sys.executable).with_name("transversal")), "worker"], environment)
    # The worker that takes over starts up meanwhile; it runs once the lease has run out.
    second = _started([sys.executable, "-c", WAITING_WORKER, str(go)], environment)
    try:
        try:
            # The worker's start sweeps: the run starts; killed once a unit is stored and
            # the next one claimed (its job renders it until it stores it, claim released).
            deadline = time.monotonic() + WAIT_SECONDS
            late = "the first worker did not store a unit and claim the next in time"
            while not (_rows(scene.engine, scene.campaign_id) and _claims(scene.engine)):
                assert time.monotonic() < deadline, late
                assert first.poll() is None, first.communicate()[0]
                time.sleep(0.05)
        finally:
            _stop(first, signal.SIGKILL)
        stored = _rows(scene.engine, scene.campaign_id)
        assert len(stored) < PLANNED * 2
        # Each unit's reports are stored whole or not at all: every language and format; of
        # the unit killed mid-render, none.
        units = {(r.kind, r.unit_id) for r in stored}
        assert len(stored) == len(units) * len(LANGUAGES) * 2
        [killed] = _claims(scene.engine)
        assert (killed.kind, killed.unit_id) not in units
        assert _run(scene.engine, scene.campaign_id).status == ReportRunStatus.rendering

        # The run's lease runs out (the claim, the run's last sign of life, is older than it).
        claimed_at = services.aware(killed.claimed_at)
        assert claimed_at is not None
        time.sleep(max(0.0, (claimed_at - utc_now()).total_seconds() + LEASE_SECONDS + 0.2))
        go.touch()
        deadline = time.monotonic() + WAIT_SECONDS
        while _run(scene.engine, scene.campaign_id).status != ReportRunStatus.done:
            assert time.monotonic() < deadline, "the second worker did not complete the run"
            assert second.poll() is None, second.communicate()[0]
            time.sleep(0.05)
    finally:
        said = _stop(second, signal.SIGINT)
    assert "lost its worker" in said, said
    rows = _rows(scene.engine, scene.campaign_id)
    assert len(rows) == PLANNED * 2
    assert {r.id for r in stored} <= {r.id for r in rows}, "what was stored stays as it was"


def test_the_queue_of_the_server_sweeps_when_hr_closes(
    org: Org, engine: Engine, tmp_path: Path
) -> None:
    """Closing through the API queues the sweep on the app's queue at once."""
    staged = stage_campaign(
        engine,
        org.organisation_id,
        chart=[UnitImportRow(external_id="t1", name="Night ward")],
        teams=["t1"],
    )
    huey = SqliteHuey("close", filename=str(tmp_path / "queue.sqlite"))
    jobs = _jobs(engine, tmp_path, huey)
    with TestClient(create_app(engine, jobs=jobs)) as client:
        closed = client.post(f"/api/v1/campaigns/{staged.campaign_id}/close", headers=org.headers())
    assert closed.status_code == 200, closed.text
    queued = [huey.dequeue() for _ in range(huey.pending_count())]
    assert [task.name for task in queued] == ["reports_at_close_sweep"]


def _drain(huey: Any, *, failing_ok: bool = False) -> list[Any]:
    """Run the queued jobs, and those they queue, in this thread; the jobs run."""
    ran = []
    while (task := huey.dequeue()) is not None:
        try:
            huey.execute(task)
        except Exception:
            if not failing_ok:
                raise
        ran.append(task)
    return ran
