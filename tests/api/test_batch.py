"""``transversal report``: every team report of a campaign into a folder, resumably, on both
databases.

A campaign of four teams (two eligible, two under the minimum group size) in two departments is
collected once per database; its first run, with two worker processes, is shared, and each test
that changes a folder works on a copy of it. Each content of a campaign is analysed once in
this process (``_each_analysis_once``).
"""

from __future__ import annotations

import gc
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine
from typer.testing import CliRunner

from analysis import simulate_organisation
from api.cli import app
from api.cli.demo_collect import collect_over_http
from api.jobs import batch
from api.jobs.batch import BatchSummary, ReportFormat, input_fingerprint, render_campaign_reports
from api.services.campaigns import CampaignData, load_snapshot
from api.services.errors import NotFound, ValidationFailed
from api.settings import get_settings
from api.store.db import session_scope
from instrument import load_builtin
from reports import render_team_pdf
from tests.api.conftest import database_url_of, each_analysis_once
from tests.conftest import migrated_database

runner = CliRunner()
TEAM_SIZES = (7, 6, 3, 2)
"""Respondents per team: the last two are under the minimum group size of 5. The first team
is alone in its department, the others share the second."""


@dataclass(frozen=True)
class StoredCampaign:
    engine: Engine
    campaign_id: int
    eligible: dict[str, int]
    """Unit id by name of the teams with a report."""
    suppressed: dict[str, int]
    outside: int
    """A unit of the organisation that is not part of the campaign (a department)."""
    departments: dict[str, int]
    """Unit id by name of the departments above the campaign's teams: each has a report."""


@dataclass(frozen=True)
class FirstRun:
    summary: BatchSummary
    folder: Path


@pytest.fixture(autouse=True, scope="module")
def _each_analysis_once() -> Iterator[None]:
    """Every run that renders a report analyses the campaign (up to a second) and the tests
    run the same campaign a dozen times: each content is analysed once
    (``tests.api.conftest.each_analysis_once``)."""
    with each_analysis_once():
        yield


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def stored(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StoredCampaign]:
    """The campaign, collected through the HTTP API with one-time tokens."""
    with migrated_database(request.param, tmp_path_factory.mktemp("db")) as engine:
        instrument = load_builtin()
        simulated = simulate_organisation(
            instrument=instrument, team_sizes=TEAM_SIZES, seed=5, careless_share=0.0
        )
        units = simulated.units
        keys = [str(t) for t in units.loc[units["kind"] == "team", "unit_id"]]
        campaign_id, ids = collect_over_http(
            engine, simulated, instrument=instrument, campaign_name="Spring",
            languages=dict.fromkeys(keys, "en"), seed=5,
        )  # fmt: skip
        names = dict(zip(units["unit_id"].astype(str), units["name"].astype(str), strict=True))
        department = str(units.loc[units["kind"] == "department", "unit_id"].iat[0])
        yield StoredCampaign(
            engine=engine,
            campaign_id=campaign_id,
            eligible={names[k]: ids[k] for k, n in zip(keys, TEAM_SIZES, strict=True) if n >= 5},
            suppressed={names[k]: ids[k] for k, n in zip(keys, TEAM_SIZES, strict=True) if n < 5},
            outside=ids[department],
            departments={
                str(names[p]): ids[p]
                for p in units.loc[units["kind"] == "team", "parent_id"].astype(str)
            },
        )


@pytest.fixture(scope="module")
def first_run(stored: StoredCampaign, tmp_path_factory: pytest.TempPathFactory) -> FirstRun:
    """Every report of the campaign, rendered by two worker processes."""
    folder = tmp_path_factory.mktemp("reports")
    told: list[tuple[int, int, str]] = []
    summary = _run(stored, folder, workers=2, progress=lambda *said: told.append(said))
    total = len(stored.eligible) + len(stored.suppressed) + len(stored.departments) + 1
    assert told[-1][:2] == (total,) * 2
    # The organisation report comes last, once the workers have ended (it is the largest).
    unit_names = set(stored.eligible) | set(stored.suppressed) | set(stored.departments)
    assert told[-1][2] not in unit_names
    assert {name for _, _, name in told[1:-1]} == unit_names
    return FirstRun(summary, folder)


@dataclass(frozen=True)
class OneUnit:
    summary: BatchSummary
    folder: Path
    collector: tuple[tuple[int, int, int], int]
    """The collector's thresholds and frozen objects once the run had returned."""


CALLERS_THRESHOLDS = (900, 11, 12)


@pytest.fixture(scope="module")
def one_unit(stored: StoredCampaign, tmp_path_factory: pytest.TempPathFactory) -> OneUnit:
    """The first eligible team's report alone, rendered by one worker in this process, whose
    collector had thresholds of its own set beforehand (restored after)."""
    folder = tmp_path_factory.mktemp("one-unit")
    before = gc.get_threshold()
    gc.set_threshold(*CALLERS_THRESHOLDS)
    try:
        summary = _run(stored, folder, units=[next(iter(stored.eligible.values()))])
        collector = (gc.get_threshold(), gc.get_freeze_count())
    finally:
        gc.set_threshold(*before)
    return OneUnit(summary, folder, collector)


def _run(stored: StoredCampaign, folder: Path, **options: Any) -> BatchSummary:
    return render_campaign_reports(
        stored.engine, campaign_id=stored.campaign_id, out_dir=folder, **{"workers": 1, **options}
    )


def _copy(first_run: FirstRun, tmp_path: Path) -> Path:
    return Path(shutil.copytree(first_run.folder, tmp_path / "reports"))


def _says(pdf: Path, words: str) -> bool:
    """Whether the PDF's text, its whitespace collapsed, holds ``words``: its pages are read up
    to the first one that completes them, not beyond."""
    read: list[str] = []
    for page in PdfReader(pdf).pages:
        read.append(page.extract_text())
        if words in re.sub(r"\s+", " ", " ".join(read)):
            return True
    return False


def _index(folder: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    return document


def _stamps(folder: Path) -> dict[str, tuple[int, int]]:
    """Inode and modification time of every report: a file written again changes both."""
    return {
        p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.iterdir()
        if p.suffix in (".pdf", ".html") and p.name != "index.html"
    }


def test_every_eligible_team_gets_a_pdf_naming_the_team(
    stored: StoredCampaign, first_run: FirstRun
) -> None:
    written = {e.unit_id: e for e in first_run.summary.with_status("written")}
    for name, unit_id in stored.eligible.items():
        report = first_run.folder / str(written[unit_id].file)
        assert re.fullmatch(rf"{unit_id}-[a-z0-9-]+\.pdf", report.name)
        assert _says(report, name), name
    assert _says(first_run.folder / "organisation.pdf", "Spring")
    assert first_run.summary.rendered == (
        len(stored.eligible) + len(stored.suppressed) + len(stored.departments) + 1
    )
    assert first_run.summary.resumed == 0
    assert not list(first_run.folder.glob(".*")), "no temporary file is left behind"


def test_suppressed_teams_have_no_file_and_their_reason_in_the_index(
    stored: StoredCampaign, first_run: FirstRun
) -> None:
    entries = {e["unit_id"]: e for e in _index(first_run.folder)["reports"]}
    page = (first_run.folder / "index.html").read_text(encoding="utf-8")
    for name, unit_id in stored.suppressed.items():
        entry = entries[unit_id]
        assert entry["status"] == "suppressed"
        assert entry["file"] is None
        assert "fewer than the minimum of 5" in entry["reason"]
        assert not list(first_run.folder.glob(f"{unit_id}-*"))
        assert name in page
        assert entry["reason"] in page
    for unit_id in stored.eligible.values():
        assert entries[unit_id]["status"] == "written"
        assert len(entries[unit_id]["sha256"]) == 64
        assert f'href="{entries[unit_id]["file"]}"' in page
    assert entries[None]["file"] == "organisation.pdf"
    for name, unit_id in stored.departments.items():
        assert entries[unit_id]["kind"] == "department"
        assert entries[unit_id]["status"] == "written"
        report = first_run.folder / entries[unit_id]["file"]
        assert re.fullmatch(rf"department-{unit_id}-[a-z0-9-]+\.pdf", report.name)
        assert _says(report, name), name
    assert {e["fingerprint"] for e in entries.values()} == {first_run.summary.fingerprint}


def test_a_second_run_skips_every_report_and_rewrites_none(
    stored: StoredCampaign, first_run: FirstRun, tmp_path: Path
) -> None:
    folder = _copy(first_run, tmp_path)
    before = _stamps(folder)
    again = _run(stored, folder)
    assert again.rendered == 0
    assert again.resumed == len(first_run.summary.with_status("written"))
    assert _stamps(folder) == before
    assert again.entries == first_run.summary.entries


def test_a_deleted_report_is_the_only_one_rendered_again(
    stored: StoredCampaign, first_run: FirstRun, tmp_path: Path
) -> None:
    folder = _copy(first_run, tmp_path)
    deleted = first_run.summary.with_status("written")[0].file
    assert deleted is not None
    (folder / deleted).unlink()
    before = _stamps(folder)
    again = _run(stored, folder)
    assert again.rendered == 1
    assert again.resumed == len(first_run.summary.with_status("written")) - 1
    assert (folder / deleted).exists()
    assert {k: v for k, v in _stamps(folder).items() if k != deleted} == before


def test_a_changed_report_is_rendered_again(
    stored: StoredCampaign, first_run: FirstRun, tmp_path: Path
) -> None:
    folder = _copy(first_run, tmp_path)
    (folder / "organisation.pdf").write_bytes(b"%PDF-1.7 truncated")
    again = _run(stored, folder)
    assert again.rendered == 1
    assert len(PdfReader(folder / "organisation.pdf").pages) >= 1


def test_force_renders_every_report_again(
    stored: StoredCampaign, first_run: FirstRun, tmp_path: Path
) -> None:
    folder = _copy(first_run, tmp_path)
    before = _stamps(folder)
    again = _run(stored, folder, force=True)
    assert again.rendered == len(first_run.summary.entries)
    assert again.resumed == 0
    after = _stamps(folder)
    assert after.keys() == before.keys()
    assert all(after[name] != before[name] for name in before)


def test_rendering_in_this_process_leaves_the_collector_as_it_found_it(one_unit: OneUnit) -> None:
    # One worker renders here, with the collector tuned; the caller's process must get its own
    # settings back, and nothing left frozen.
    assert one_unit.summary.rendered == 1
    assert one_unit.collector == (CALLERS_THRESHOLDS, 0)


def test_units_renders_only_the_units_named(stored: StoredCampaign, one_unit: OneUnit) -> None:
    name, unit_id = next(iter(stored.eligible.items()))
    summary = one_unit.summary
    assert [(e.unit_id, e.status) for e in summary.entries] == [(unit_id, "written")]
    reports = sorted(p.name for p in one_unit.folder.iterdir() if p.suffix == ".pdf")
    assert reports == [summary.entries[0].file]
    assert _says(one_unit.folder / reports[0], name), name
    assert [e["unit_id"] for e in _index(one_unit.folder)["reports"]] == [unit_id]


def test_an_unknown_unit_is_refused_by_its_id_and_nothing_is_written(
    stored: StoredCampaign, tmp_path: Path
) -> None:
    folder = tmp_path / "reports"
    eligible = next(iter(stored.eligible.values()))
    with pytest.raises(ValidationFailed) as refused:
        _run(stored, folder, units=[eligible, 99_999, stored.outside])
    assert [str(e) for e in refused.value.errors] == [
        f"units[1]: unit 99999 is not part of campaign {stored.campaign_id}",
        f"units[2]: unit {stored.outside} is not part of campaign {stored.campaign_id}",
    ]
    assert not folder.exists()


def test_an_unknown_campaign_or_language_is_refused(stored: StoredCampaign, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        render_campaign_reports(stored.engine, campaign_id=99_999, out_dir=tmp_path / "a")
    with pytest.raises(ValidationFailed, match="'de' is not a language of the campaign"):
        _run(stored, tmp_path / "b", language="de")
    assert list(tmp_path.iterdir()) == []


def test_html_reports_fetch_nothing_but_the_fonts_written_beside_them(
    stored: StoredCampaign, tmp_path: Path
) -> None:
    summary = _run(stored, tmp_path, fmt=ReportFormat.html, language="fr")
    written = summary.with_status("written")
    assert len(written) == len(stored.eligible) + len(stored.departments) + 1
    for entry in written:
        assert entry.file is not None
        assert entry.file.endswith(".html")
        page = (tmp_path / entry.file).read_text(encoding="utf-8")
        assert "reports-static:" not in page
        assert "<style>" in page
        assert entry.name in page
        assert 'lang="fr"' in page
        # Every URL left in the page is a data: URI or a font in the shared assets folder.
        for url in re.findall(r'url\("([^"]+)"\)', page):
            assert url.startswith("data:") or (tmp_path / url).is_file(), url
    assert (tmp_path / "assets" / "fonts" / "DejaVuSans.ttf").is_file()


def test_a_failed_report_is_recorded_and_the_others_still_written(
    stored: StoredCampaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (broken, broken_id), (_, other_id) = list(stored.eligible.items())[:2]

    def failing(view: Any) -> bytes:
        if view.team_name == broken:
            raise RuntimeError("the printer caught fire")
        return render_team_pdf(view)

    monkeypatch.setattr(batch, "render_team_pdf", failing)
    summary = _run(stored, tmp_path, units=[broken_id, other_id])
    failed = summary.with_status("failed")
    assert [(e.name, e.error) for e in failed] == [
        (broken, "RuntimeError: the printer caught fire")
    ]
    assert [e.unit_id for e in summary.with_status("written")] == [other_id]
    monkeypatch.undo()
    again = _run(stored, tmp_path, units=[broken_id, other_id])
    assert again.rendered == 1
    assert not again.with_status("failed")


def test_the_fingerprint_follows_the_answers_not_their_order(stored: StoredCampaign) -> None:
    with session_scope(stored.engine) as session:
        data = load_snapshot(session, campaign_id=stored.campaign_id)
    shuffled = data.responses.sample(frac=1.0, random_state=1).reset_index(drop=True)
    changed = data.responses.copy()
    item = changed.columns[0]
    changed.loc[0, item] = 2.0 if changed.loc[0, item] == 1.0 else 1.0

    def fingerprint(campaign: CampaignData, language: str = "en", fmt: str = "pdf") -> str:
        return input_fingerprint(campaign, language=language, fmt=ReportFormat(fmt))

    assert fingerprint(replace(data, responses=shuffled)) == fingerprint(data)
    assert fingerprint(replace(data, responses=changed)) != fingerprint(data)
    assert fingerprint(replace(data, min_group_size=6)) != fingerprint(data)
    assert fingerprint(data, language="fr") != fingerprint(data)
    assert fingerprint(data, fmt="html") != fingerprint(data)
    # Each team's own language (the one set on its unit, else its respondents'):
    team = str(next(iter(stored.eligible.values())))

    def with_own(language: str) -> str:
        return input_fingerprint(
            data, language="en", fmt=ReportFormat.pdf, team_languages={team: language}
        )

    assert with_own("fr") != fingerprint(data)
    assert with_own("fr") != with_own("en")


@pytest.fixture
def database_url(stored: StoredCampaign, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", database_url_of(stored.engine))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("database_url")
def test_the_command_writes_the_reports_and_names_the_index(
    stored: StoredCampaign, tmp_path: Path
) -> None:
    (name, eligible), (withheld, suppressed) = (
        next(iter(stored.eligible.items())),
        next(iter(stored.suppressed.items())),
    )
    arguments = ["report", "--campaign", str(stored.campaign_id), "--out", str(tmp_path)]
    units = ["--units", f"{eligible},{suppressed}", "--workers", "1"]
    result = runner.invoke(app, [*arguments, *units])
    said = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert f"Index: {tmp_path / 'index.html'}" in said
    assert "1 reports" in said
    assert withheld in said
    assert "fewer than the minimum of 5" in said
    assert [p.name for p in tmp_path.glob("*.pdf")] == [f"{eligible}-" + _slug(name) + ".pdf"]
    again = runner.invoke(app, [*arguments, *units])
    assert again.exit_code == 0, again.output
    assert "1 resumed" in " ".join(again.output.split())


@pytest.mark.usefixtures("database_url")
def test_the_command_refuses_an_unknown_unit_by_its_id(
    stored: StoredCampaign, tmp_path: Path
) -> None:
    folder = tmp_path / "reports"
    arguments = ["report", "--campaign", str(stored.campaign_id), "--out", str(folder)]
    result = runner.invoke(app, [*arguments, "--units", "424242"])
    assert result.exit_code == 1
    assert "unit 424242 is not part of campaign" in " ".join(result.output.split())
    assert not folder.exists()
    bad_format = runner.invoke(app, [*arguments, "--format", "docx"])
    assert bad_format.exit_code == 1
    assert "'docx' is neither pdf nor html" in bad_format.output


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
