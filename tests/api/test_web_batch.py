"""HR's batch of a closed campaign's reports, on both databases: started from the campaign page,
followed on its progress page, downloaded as one ZIP; refused to anyone but an admin; run by
huey in immediate mode where the subject is the page, and by a real consumer (a thread, and
``transversal worker``) where it is the job.

The campaign: three teams, two with enough answers for a report and one under the minimum
group size of 5, whose reason is listed instead of a file.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from huey import MemoryHuey, SqliteHuey
from sqlalchemy import Engine, update
from sqlmodel import Session

from analysis import simulate_organisation
from api.app import create_app
from api.jobs import batch as renderer
from api.jobs.queue import Jobs, embedded_consumer
from api.jobs.report_batch import requeue_stalled, run_report_batch
from api.services import accounts, report_batches
from api.services import campaigns as services
from api.services.access import Principal
from api.services.accounts import AccountCreate
from api.services.org_chart import UnitImportRow
from api.store.models import ReportBatch, ReportBatchStatus, ResponseCreate, Role, utc_now
from api.web.i18n import catalogue
from instrument import load_builtin
from tests.api.conftest import Org, database_url_of, stage_campaign, table_counts
from tests.api.pages import PASSWORD, form_token, page_text, sign_in

EN = catalogue("en")
TEAMS = {"t1": ("Night ward", 6), "t2": ("Day ward", 5), "t3": ("Small ward", 2)}
"""External id: name and respondents. The small ward is under the minimum of 5."""
WAIT_SECONDS = 120


@dataclass(frozen=True)
class Scene:
    client: TestClient
    engine: Engine
    campaign_id: int
    units: dict[str, int]
    reports_dir: Path
    admin: Principal


def _jobs(engine: Engine, folder: Path, huey: Any) -> Jobs:
    return Jobs(huey, engine=engine, reports_dir=folder, render_workers=1)


@pytest.fixture
def scene(org: Org, engine: Engine, tmp_path: Path) -> Iterator[Scene]:
    """A closed, answered campaign; HR, a leader and an auditor; the app over https (the
    session cookie is Secure) with a queue in immediate mode: a job runs as it is queued."""
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
    )
    _answer(engine, staged.campaign_id, staged.units)
    admin = None
    with Session(engine, expire_on_commit=False) as session:
        services.close_campaign(session, campaign_id=staged.campaign_id)
        for email, role, unit in (
            ("hr@acme.example", Role.admin, None),
            ("lead@acme.example", Role.leader, staged.units["t1"]),
            ("works@acme.example", Role.auditor, None),
        ):
            made = accounts.create_account(
                session,
                organisation_id=org.organisation_id,
                data=AccountCreate(
                    email=email, name=email.split("@")[0], role=role, unit_id=unit,
                    password=PASSWORD,
                ),
                actor="test",
            )  # fmt: skip
            if role == Role.admin:
                admin = Principal(
                    key_id=0, organisation_id=org.organisation_id, role=Role.admin,
                    unit_id=None, units=frozenset(staged.units.values()), account_id=made.id,
                )  # fmt: skip
    assert admin is not None
    folder = tmp_path / "reports"
    with TestClient(create_app(engine), base_url="https://testserver") as client:
        client.app.state.jobs = _jobs(engine, folder, MemoryHuey("test", immediate=True))  # type: ignore[attr-defined]
        yield Scene(client, engine, staged.campaign_id, staged.units, folder, admin)


def _answer(engine: Engine, campaign_id: int, units: dict[str, int]) -> None:
    instrument = load_builtin()
    sizes = [size for _, size in TEAMS.values()]
    simulated = simulate_organisation(
        instrument=instrument, team_sizes=sizes, seed=3, careless_share=0.0
    )
    teams = sorted(simulated.responses["team"].unique())
    to_unit = dict(zip(teams, (units[key] for key in TEAMS), strict=True))
    responses = [
        ResponseCreate(
            unit_id=to_unit[row["team"]],
            answers={i: int(row[i]) for i in instrument.item_ids if not np.isnan(row[i])},
        )
        for row in simulated.responses.to_dict("records")
    ]
    with Session(engine, expire_on_commit=False) as session:
        services.submit_responses(session, campaign_id=campaign_id, responses=responses)


def _start(scene: Scene, fmt: str = "html", csrf: str | None = None) -> httpx.Response:
    token = csrf or sign_in(scene.client, "hr@acme.example")
    return scene.client.post(
        f"/console/campaigns/{scene.campaign_id}/reports/new?lang=en",
        data={"csrf": token, "format": fmt, "language": "en"},
        follow_redirects=False,
    )


def _batch(engine: Engine, batch_id: int) -> ReportBatch:
    with Session(engine, expire_on_commit=False) as session:
        found = session.get(ReportBatch, batch_id)
    assert found is not None
    return found


def _batch_id(response: httpx.Response, campaign_id: int) -> int:
    assert response.status_code == 303, response.text
    found = re.fullmatch(
        rf"/console/campaigns/{campaign_id}/reports/(\d+)\?lang=en", response.headers["location"]
    )
    assert found, response.headers["location"]
    return int(found.group(1))


def _archive(scene: Scene, batch_id: int) -> zipfile.ZipFile:
    response = scene.client.get(
        f"/console/campaigns/{scene.campaign_id}/reports/{batch_id}/download"
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    return zipfile.ZipFile(io.BytesIO(response.content))


# -- the page, with huey in immediate mode ----------------------------------------------------


def test_a_closed_campaign_offers_all_its_reports_to_hr(scene: Scene) -> None:
    sign_in(scene.client, "hr@acme.example")
    page = scene.client.get(f"/console/campaigns/{scene.campaign_id}")
    assert EN["batch.heading"] in page_text(page.text)
    assert f'action="/console/campaigns/{scene.campaign_id}/reports/new?lang=en"' in page.text
    assert {EN["batch.start_pdf"], EN["batch.start_html"]} <= set(
        re.findall(r"<button[^>]*>([^<]+)</button>", page.text)
    )


def test_hr_starts_the_batch_follows_it_and_downloads_the_whole_set(scene: Scene) -> None:
    batch_id = _batch_id(_start(scene), scene.campaign_id)
    page = scene.client.get(f"/console/campaigns/{scene.campaign_id}/reports/{batch_id}?lang=en")
    assert page.status_code == 200
    text = page_text(page.text)
    assert EN["batch.state_done"] in text
    assert "4 of 4 reports" in text  # three teams and the organisation
    assert re.search(r'<progress class="progress" id="batch-progress" max="4" value="4"', page.text)
    assert 'role="status"' in page.text
    assert "http-equiv" not in page.text
    assert f"/reports/{batch_id}/download" in page.text
    stored = _batch(scene.engine, batch_id)
    assert (stored.status, stored.done, stored.total) == ("done", 4, 4)
    assert stored.finished_at is not None

    archive = _archive(scene, batch_id)
    names = archive.namelist()
    root = f"campaign-{scene.campaign_id}-reports-en-html"
    assert all(name.startswith(f"{root}/") for name in names)
    files = {name.removeprefix(f"{root}/") for name in names}
    reports = {name for name in files if name.endswith(".html") and name != "index.html"}
    assert reports == {
        f"{scene.units['t1']}-night-ward.html",
        f"{scene.units['t2']}-day-ward.html",
        "organisation.html",
    }
    assert {"index.json", "index.html"} <= files
    assert any(name.startswith("assets/fonts/") for name in files), "the HTML reports' fonts"
    index = json.loads(archive.read(f"{root}/index.json"))
    assert {entry["status"] for entry in index["reports"]} == {"written", "suppressed"}
    night = archive.read(f"{root}/{scene.units['t1']}-night-ward.html").decode("utf-8")
    assert "Night ward" in night


def test_a_unit_under_the_minimum_has_no_file_and_its_reason_is_listed(scene: Scene) -> None:
    batch_id = _batch_id(_start(scene), scene.campaign_id)
    page = scene.client.get(f"/console/campaigns/{scene.campaign_id}/reports/{batch_id}?lang=en")
    rows = re.findall(
        r"<tr>\s*<th scope=\"row\">([^<]+)</th>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>", page.text
    )
    assert rows == [("Small ward", EN["batch.entry_suppressed"], rows[0][2])]
    assert "2 respondents, fewer than the minimum of 5" in unescape(rows[0][2])
    files = _archive(scene, batch_id).namelist()
    assert not any(Path(name).name.startswith(f"{scene.units['t3']}-") for name in files)


def test_a_second_batch_on_the_same_snapshot_reuses_the_files(scene: Scene) -> None:
    first = _batch_id(_start(scene), scene.campaign_id)
    folder = next(scene.reports_dir.glob(f"{scene.campaign_id}/*/html-en"))
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.html") if p.name != "index.html"}
    rendered: list[str] = []
    original = renderer._render

    def counted(task: Any) -> Any:
        rendered.append(task.name)
        return original(task)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(renderer, "_render", counted)
        second = _batch_id(_start(scene), scene.campaign_id)
    assert second != first
    assert rendered == []
    assert _batch(scene.engine, second).status == "done"
    assert stamps == {
        p.name: p.stat().st_mtime_ns for p in folder.glob("*.html") if p.name != "index.html"
    }


# -- who may, and what is refused ---------------------------------------------------------------


def _missing_page(client: TestClient) -> str:
    missing = client.get("/console/campaigns/999999/reports/1")
    assert missing.status_code == 404
    return page_text(missing.text)


@pytest.mark.parametrize("email", ["lead@acme.example", "works@acme.example"])
def test_leaders_and_auditors_get_the_page_of_a_missing_page(scene: Scene, email: str) -> None:
    with Session(scene.engine, expire_on_commit=False) as session:
        made = report_batches.start_report_batch(
            session, principal=scene.admin, campaign_id=scene.campaign_id, fmt="pdf",
            language="en",
        )  # fmt: skip
    batch_id = made.batch.id
    token = sign_in(scene.client, email)
    before = table_counts(scene.engine)
    base = f"/console/campaigns/{scene.campaign_id}/reports"
    for path in (base, f"{base}/{batch_id}", f"{base}/{batch_id}/download"):
        refused = scene.client.get(path)
        assert refused.status_code == 404, path
        assert page_text(refused.text) == _missing_page(scene.client)
    posted = _start(scene, csrf=token)
    assert posted.status_code == 404
    assert page_text(posted.text) == _missing_page(scene.client)
    assert table_counts(scene.engine) == before


def test_a_forged_or_foreign_post_is_refused(scene: Scene) -> None:
    sign_in(scene.client, "hr@acme.example")
    before = table_counts(scene.engine)
    assert _start(scene, csrf="forged").status_code == 403
    crossed = scene.client.post(
        f"/console/campaigns/{scene.campaign_id}/reports/new",
        data={
            "csrf": form_token(scene.client.get("/console").text),
            "format": "pdf",
            "language": "en",
        },
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert crossed.status_code == 403
    assert table_counts(scene.engine) == before


def test_an_open_campaign_has_no_button_and_no_batch(org: Org, engine: Engine) -> None:
    staged = stage_campaign(
        engine, org.organisation_id,
        chart=[UnitImportRow(external_id="t1", name="Night ward")], teams=["t1"],
    )  # fmt: skip
    with Session(engine, expire_on_commit=False) as session:
        accounts.create_account(
            session, organisation_id=org.organisation_id,
            data=AccountCreate(email="hr@acme.example", name="hr", role=Role.admin,
                               password=PASSWORD),
            actor="test",
        )  # fmt: skip
    with TestClient(create_app(engine), base_url="https://testserver") as client:
        token = sign_in(client, "hr@acme.example")
        page = client.get(f"/console/campaigns/{staged.campaign_id}")
        assert EN["batch.heading"] not in page_text(page.text)
        assert "/reports/new" not in page.text
        before = table_counts(engine)
        refused = client.post(
            f"/console/campaigns/{staged.campaign_id}/reports/new",
            data={"csrf": token, "format": "pdf", "language": "en"},
        )
        assert refused.status_code == 422
        assert "is open" in page_text(refused.text)
        assert table_counts(engine) == before


def test_a_format_or_language_the_campaign_lacks_is_refused(scene: Scene) -> None:
    token = sign_in(scene.client, "hr@acme.example")
    before = table_counts(scene.engine)
    for fmt, language in (("docx", "en"), ("pdf", "fr")):
        refused = scene.client.post(
            f"/console/campaigns/{scene.campaign_id}/reports/new",
            data={"csrf": token, "format": fmt, "language": language},
        )
        assert refused.status_code == 422
    assert table_counts(scene.engine) == before


# -- queued, running, and starting again ----------------------------------------------------------


def test_starting_twice_shows_the_batch_still_to_finish(scene: Scene) -> None:
    queue = MemoryHuey("waiting")  # nobody consumes it: the batch stays queued
    scene.client.app.state.jobs = _jobs(scene.engine, scene.reports_dir, queue)  # type: ignore[attr-defined]
    first = _batch_id(_start(scene, "pdf"), scene.campaign_id)
    page = scene.client.get(f"/console/campaigns/{scene.campaign_id}/reports/{first}?lang=en")
    text = page_text(page.text)
    assert EN["batch.state_queued"] in text
    assert EN["batch.check_again"] in text
    assert (
        '<progress class="progress" id="batch-progress" aria-labelledby="batch-count">' in page.text
    )
    assert 'id="batch-live" role="status" aria-live="polite"' in page.text
    assert "batch.js" in page.text
    assert "http-equiv" not in page.text
    second = _batch_id(_start(scene, "html"), scene.campaign_id)
    assert second == first
    assert queue.pending_count() == 1

    with Session(scene.engine, expire_on_commit=False) as session:
        report_batches.record_batch_progress(session, batch_id=first, done=1, total=4)
        claimed = report_batches.claim_report_batch(session, batch_id=first)
        assert claimed is not None
        report_batches.record_batch_progress(session, batch_id=first, done=1, total=4)
    running = scene.client.get(f"/console/campaigns/{scene.campaign_id}/reports/{first}?lang=en")
    assert EN["batch.state_running"] in page_text(running.text)
    assert "1 of 4 reports" in page_text(running.text)
    assert 'max="4" value="1"' in running.text
    listed = scene.client.get(f"/console/campaigns/{scene.campaign_id}/reports")
    assert f"/reports/{first}?lang=en" in listed.text


def test_a_batch_that_lost_its_worker_is_queued_again(scene: Scene) -> None:
    queue = MemoryHuey("waiting")
    jobs = _jobs(scene.engine, scene.reports_dir, queue)
    scene.client.app.state.jobs = jobs  # type: ignore[attr-defined]
    batch_id = _batch_id(_start(scene), scene.campaign_id)
    with Session(scene.engine, expire_on_commit=False) as session:
        assert report_batches.claim_report_batch(session, batch_id=batch_id) is not None
        assert report_batches.claim_report_batch(session, batch_id=batch_id) is None
    assert requeue_stalled(scene.engine) == [], "its worker is alive"
    _silence(scene.engine, batch_id)
    assert requeue_stalled(scene.engine) == [batch_id]
    assert _batch(scene.engine, batch_id).status == "queued"
    _silence(scene.engine, batch_id)
    assert _batch_id(_start(scene), scene.campaign_id) == batch_id
    assert queue.pending_count() == 2, "queued when asked for, then again when HR asked again"


def _silence(engine: Engine, batch_id: int) -> None:
    """As if the batch's worker had said nothing for longer than the lease."""
    with Session(engine) as session:
        session.execute(
            update(ReportBatch)
            .where(ReportBatch.id == batch_id)  # type: ignore[arg-type]
            .values(heartbeat_at=utc_now() - report_batches.LEASE - timedelta(seconds=1))
        )
        session.commit()


class _Killed(BaseException):
    """A worker killed midway: no handler of the job sees it."""


def test_a_job_killed_midway_runs_again_without_rendering_the_finished_reports(
    scene: Scene,
) -> None:
    queue = MemoryHuey("waiting")
    jobs = _jobs(scene.engine, scene.reports_dir, queue)
    scene.client.app.state.jobs = jobs  # type: ignore[attr-defined]
    batch_id = _batch_id(_start(scene), scene.campaign_id)
    original = renderer._render
    rendered: list[str] = []

    def killed_after_two(task: Any) -> Any:
        if len(rendered) == 2:
            raise _Killed
        rendered.append(task.name)
        return original(task)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(renderer, "_render", killed_after_two)
        with pytest.raises(_Killed):
            run_report_batch(
                scene.engine, batch_id=batch_id, reports_dir=scene.reports_dir, workers=1
            )
    left = _batch(scene.engine, batch_id)
    assert (left.status, left.done, left.total) == ("running", 2, 4)
    folder = next(scene.reports_dir.glob(f"{scene.campaign_id}/*/html-en"))
    stamps = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.glob("*-*.html")}
    assert len(stamps) == 2

    # Run again while its lease holds: another worker has it, nothing happens.
    run_report_batch(scene.engine, batch_id=batch_id, reports_dir=scene.reports_dir, workers=1)
    assert _batch(scene.engine, batch_id).done == 2
    _silence(scene.engine, batch_id)
    again: list[str] = []

    def counted(task: Any) -> Any:
        again.append(task.name)
        return original(task)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(renderer, "_render", counted)
        queue.immediate = True
        jobs._requeue_stalled()  # what the consumers' scheduler does every minute
    finished = _batch(scene.engine, batch_id)
    assert (finished.status, finished.done, finished.total) == ("done", 4, 4)
    assert len(again) == 2
    assert not set(again) & set(rendered)
    assert (
        stamps.items()
        <= {
            p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.glob("*-*.html")
        }.items()
    )

    # And once more: a finished batch stays as it is.
    run_report_batch(scene.engine, batch_id=batch_id, reports_dir=scene.reports_dir, workers=1)
    again_finished = _batch(scene.engine, batch_id)
    fields = ("status", "done", "total", "error", "heartbeat_at", "finished_at")
    assert [getattr(again_finished, f) for f in fields] == [getattr(finished, f) for f in fields]


def test_a_batch_whose_job_fails_says_why(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError("No space left on device")

    monkeypatch.setattr(renderer, "render_campaign_reports", broken)
    batch_id = _batch_id(_start(scene), scene.campaign_id)
    failed = _batch(scene.engine, batch_id)
    assert failed.status == ReportBatchStatus.failed
    assert failed.error == "OSError: No space left on device"
    page = scene.client.get(f"/console/campaigns/{scene.campaign_id}/reports/{batch_id}?lang=en")
    assert "No space left on device" in page_text(page.text)
    assert EN["batch.failed_hint"] in page_text(page.text)
    download = scene.client.get(
        f"/console/campaigns/{scene.campaign_id}/reports/{batch_id}/download"
    )
    assert download.status_code == 404


def test_a_queue_out_of_reach_fails_the_batch_with_the_reason(scene: Scene) -> None:
    class Unreachable(MemoryHuey):  # type: ignore[misc]
        def enqueue(self, task: Any) -> Any:
            raise ConnectionError("connection refused")

    scene.client.app.state.jobs = _jobs(scene.engine, scene.reports_dir, Unreachable("down"))  # type: ignore[attr-defined]
    batch_id = _batch_id(_start(scene), scene.campaign_id)
    failed = _batch(scene.engine, batch_id)
    assert failed.status == "failed"
    assert "job queue could not be reached" in (failed.error or "")


# -- real consumers -----------------------------------------------------------------------------


def _wait_until_done(engine: Engine, batch_id: int) -> ReportBatch:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = _batch(engine, batch_id)
        if found.status in ("done", "failed"):
            return found
        time.sleep(0.2)
    pytest.fail(f"batch {batch_id} did not finish in {WAIT_SECONDS} s")


def test_a_consumer_thread_runs_the_batch_from_the_sqlite_queue(
    scene: Scene, tmp_path: Path
) -> None:
    jobs = _jobs(
        scene.engine, scene.reports_dir, SqliteHuey("test", filename=str(tmp_path / "q.sqlite"))
    )
    scene.client.app.state.jobs = jobs  # type: ignore[attr-defined]
    with embedded_consumer(jobs):
        batch_id = _batch_id(_start(scene, "pdf"), scene.campaign_id)
        seen = {_batch(scene.engine, batch_id).status}
        finished = _wait_until_done(scene.engine, batch_id)
    assert seen <= {"queued", "running", "done"}
    assert (finished.status, finished.done, finished.total) == ("done", 4, 4)
    page = scene.client.get(f"/console/campaigns/{scene.campaign_id}/reports/{batch_id}?lang=en")
    assert "4 of 4 reports" in page_text(page.text)
    root = f"campaign-{scene.campaign_id}-reports-en-pdf"
    archive = _archive(scene, batch_id)
    pdfs = [n for n in archive.namelist() if n.endswith(".pdf")]
    assert len(pdfs) == 3
    assert archive.read(f"{root}/organisation.pdf").startswith(b"%PDF")
    assert archive.getinfo(f"{root}/organisation.pdf").compress_type == zipfile.ZIP_STORED


def test_transversal_worker_runs_the_batch(scene: Scene, tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url_of(scene.engine),
        "DATA_DIR": str(tmp_path / "data"),
        "QUEUE_URL": "",
        "REPORT_WORKERS": "1",
    }
    (tmp_path / "data").mkdir()
    queue = SqliteHuey("transversal", filename=str(tmp_path / "data" / "queue.sqlite"))
    jobs = _jobs(scene.engine, tmp_path / "data" / "reports", queue)
    scene.client.app.state.jobs = jobs  # type: ignore[attr-defined]
    batch_id = _batch_id(_start(scene), scene.campaign_id)
    assert _batch(scene.engine, batch_id).status == "queued"
    command = [str(Path(sys.executable).with_name("transversal")), "worker"]
    worker = subprocess.Popen(
        command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        finished = _wait_until_done(scene.engine, batch_id)
    finally:
        worker.send_signal(signal.SIGINT)
        output, _ = worker.communicate(timeout=30)
    assert (finished.status, finished.done, finished.total) == ("done", 4, 4), output
    assert worker.returncode == 0, output
    assert "running the jobs queued in SQLite" in output
    assert (tmp_path / "data" / "reports" / str(scene.campaign_id)).is_dir()
