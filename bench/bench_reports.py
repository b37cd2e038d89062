"""How fast are the team reports rendered, one and a thousand at a time? (speed target)

Targets: a team report (about 8-12 pages with its charts) built and rendered in at most 0.5 s
(median) on a 2-core machine; 1,000 team reports in at most 5 minutes on the 2 cores, with the
peak memory of the whole process tree under 2 GB.

Run by hand: ``.venv/bin/python bench/bench_reports.py [--teams 1000 --workers 2 --format pdf]``.
It simulates an organisation with ``--teams`` eligible teams and a few small ones, stores it in a
temporary SQLite database through the services (as ``bench_analysis.py`` does; not timed), then
(a) times ``build_team_view`` and ``render_team_pdf`` (or the standalone HTML) of one team
``--repeat`` times and prints the medians and the page count, with the default garbage
collector (as the API renders) and with the batch workers' tuned one, and (b) runs
``render_campaign_reports`` over every team with ``--workers`` processes and prints the wall
time, the reports per second and the peak memory: the largest sum of the resident sets of this
process and its children, sampled from /proc every 0.2 s, beside ``getrusage``'s peaks.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path

from bench_analysis import _store
from pypdf import PdfReader
from sqlalchemy import Engine

from analysis import CampaignAnalysis, simulate_organisation
from api.collector import rendering
from api.jobs.batch import ReportFormat, render_campaign_reports
from api.services.campaigns import CampaignData, close_campaign, load_snapshot
from api.store.db import make_engine, session_scope
from instrument import load_builtin
from reports import UnitInfo, build_team_view, render_team_html, render_team_pdf
from reports.standalone import standalone_html

SMALL_TEAMS = 10
"""Teams under the minimum group size: suppressed, as in a real campaign."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--teams", type=int, default=1_000, help="eligible teams")
    parser.add_argument("--team-size", type=int, default=9)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--format", choices=("pdf", "html"), default="pdf")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    fmt = ReportFormat(args.format)

    instrument = load_builtin()
    sizes = [args.team_size] * args.teams + [3] * SMALL_TEAMS
    simulated = simulate_organisation(
        instrument=instrument, team_sizes=sizes, seed=args.seed, careless_share=0.0
    )
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        started = time.perf_counter()
        campaign_id = _store(url, simulated.units, simulated.responses, instrument)
        print(
            f"stored {len(simulated.responses):,} respondents in {len(sizes):,} teams"
            f" ({args.teams:,} eligible) in SQLite ({time.perf_counter() - started:.1f} s,"
            " not timed)"
        )
        engine = make_engine(url)
        with session_scope(engine) as session:  # reports are made of a closed campaign
            close_campaign(session, campaign_id=campaign_id)
        _time_one_report(engine, campaign_id, fmt=fmt, repeat=args.repeat)
        _time_every_report(engine, campaign_id, Path(folder), fmt=fmt, workers=args.workers)
        engine.dispose()


def _time_one_report(engine: Engine, campaign_id: int, *, fmt: ReportFormat, repeat: int) -> None:
    with session_scope(engine) as session:
        data = load_snapshot(session, campaign_id=campaign_id)
    started = time.perf_counter()
    analysis = data.analyse()
    print(f"analysed the campaign in {time.perf_counter() - started:.1f} s (once, not timed)")
    team_id = str(analysis.team_sizes.loc[analysis.team_sizes["eligible"], "team"].iat[0])
    units, invited = data.report_units(), data.invited_by_team()
    for collector, tuning in (("default", nullcontext()), ("tuned", rendering())):
        with tuning:
            _time_team_report(data, analysis, team_id, units, invited, fmt, repeat, collector)


def _time_team_report(
    data: CampaignData,
    analysis: CampaignAnalysis,
    team_id: str,
    units: dict[str, UnitInfo],
    invited: dict[str, int],
    fmt: ReportFormat,
    repeat: int,
    collector: str,
) -> None:
    builds, renders, content = [], [], b""
    for _ in range(repeat):
        started = time.perf_counter()
        view = build_team_view(
            analysis, instrument=data.instrument, team_id=team_id, units=units,
            organisation_name=data.organisation_name, campaign_name=data.campaign_name,
            language="en", generated_at=datetime.now(UTC), invited=invited,
        )  # fmt: skip
        built = time.perf_counter()
        if fmt == ReportFormat.pdf:
            content = render_team_pdf(view)
        else:
            content = standalone_html(render_team_html(view)).encode("utf-8")
        renders.append(time.perf_counter() - built)
        builds.append(built - started)
    total = [b + r for b, r in zip(builds, renders, strict=True)]
    pages = len(PdfReader(io.BytesIO(content)).pages) if fmt == ReportFormat.pdf else "-"
    print(
        f"\none team report ({fmt}), {repeat} times, {collector} garbage collector"
        f" ({'as in a batch worker' if collector == 'tuned' else 'as in the API'}):"
        f"\n  build_team_view median  {statistics.median(builds):7.3f} s"
        f"\n  render median           {statistics.median(renders):7.3f} s"
        f"\n  build + render median   {statistics.median(total):7.3f} s  (target 0.5 s)"
        f"   min {min(total):.3f}  max {max(total):.3f}"
        f"\n  pages {pages}, {len(content) / 1024:.0f} KiB"
    )


def _time_every_report(
    engine: Engine, campaign_id: int, folder: Path, *, fmt: ReportFormat, workers: int
) -> None:
    out = folder / "reports"

    def told(done: int, total: int, _name: str) -> None:
        if done % 100 == 0 or done == total:
            print(f"  {done:5d} / {total} ({time.perf_counter() - started:6.1f} s)", flush=True)

    print(f"\nevery report of the campaign, {workers} workers:")
    with _tree_memory() as peak:
        started = time.perf_counter()
        summary = render_campaign_reports(
            engine, campaign_id=campaign_id, out_dir=out, fmt=fmt,
            workers=workers, progress=told,
        )  # fmt: skip
        wall = time.perf_counter() - started
    written = len(summary.with_status("written"))
    teams = written - 1  # the organisation report
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"  {teams:,} team reports and the organisation's in {wall:.1f} s (target 300 s),"
        f" {written / wall:.2f} reports/s;"
        f" {len(summary.with_status('suppressed'))} suppressed,"
        f" {len(summary.with_status('failed'))} failed"
        f"\n  peak RSS of the process tree (sampled)  {peak[0]:7.0f} MB  (target 2048)"
        f"\n  getrusage peak: this process {own:.0f} MB, largest child {children:.0f} MB"
        f"\n  on disk: {sum(p.stat().st_size for p in out.iterdir()) / 2**20:.0f} MiB"
    )


@contextmanager
def _tree_memory(every: float = 0.2) -> Iterator[list[float]]:
    """The largest sum of the resident sets of this process and its descendants, in MB, seen
    while the block runs (``peak[0]``)."""
    peak = [0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(every):
            peak[0] = max(peak[0], _tree_rss_mb(os.getpid()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        stop.set()
        sampler.join()


def _tree_rss_mb(root: int) -> float:
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            resident = int((entry / "statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
        parents[int(entry.name)] = int(stat[1])
        rss[int(entry.name)] = resident * page
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0) for pid in tree) / 2**20


if __name__ == "__main__":
    main()
