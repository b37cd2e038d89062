"""How long does the whole analysis of a large campaign take, from the database on? (speed target)

Target: 100,000 respondents in 5,000 teams analysed in at most 10 s and 2 GB on a 2-core machine,
loading included; team statistics at least 20x faster than pingouin called once per team.

Run by hand: ``.venv/bin/python bench/bench_analysis.py [--respondents 100000 --teams 5000]
[--database sqlite|postgresql] [--profile]``. It simulates the organisation (not timed), stores
its responses through ``repositories.insert_responses`` (timed apart, reported), then, in a fresh
process so that its peak memory is the analysis' own, times: loading the campaign into the wide
frame, ``analyse_campaign`` (scoring, reliability, ICC, team statistics, agreement, comparisons),
an EFA of every item with the number of factors chosen by parallel analysis (``efa`` with its
defaults: 20 simulated data sets), and the CFA of every scale (``fit_scales_cfa``). Parallel
analysis with psych's resampled reference too is timed but kept out of the total. Last, team
statistics are computed by ``team_statistics`` and by ``pingouin.ttest`` once per team on a
subset of teams, extrapolated linearly to every team.
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import pstats
import resource
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import text

from analysis import (
    analyse_campaign,
    efa,
    fit_scales_cfa,
    parallel_analysis,
    reverse_key,
    score_scales,
    simulate_organisation,
    team_statistics,
)
from analysis.aggregation import compare_to_rest, icc
from analysis.confidentiality import decide
from analysis.interrater import scale_agreement
from analysis.reliability import scale_reliability
from api.services import campaigns as services
from api.store import repositories as repo
from api.store.db import make_engine, session_scope, upgrade_database
from api.store.models import CampaignCreate, Organisation, ResponseCreate, Unit, UnitKind
from instrument import Instrument, load_builtin

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BATCH = 10_000


@dataclass
class Timings:
    """Seconds per stage, in the order run; ``in_total`` marks what the target counts."""

    seconds: dict[str, float] = field(default_factory=dict)
    in_total: dict[str, bool] = field(default_factory=dict)
    peak_rss_mb: float = 0.0

    @contextmanager
    def stage(self, name: str, *, in_total: bool = True) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - started
        self.in_total[name] = in_total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--teams", type=int, default=5_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--parallel-iterations", type=int, default=20)
    parser.add_argument("--pingouin-teams", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile the timed stages")
    parser.add_argument("--skip-store", action="store_true", help="analyse the simulated frame")
    args = parser.parse_args()

    instrument = load_builtin()
    size, extra = divmod(args.respondents, args.teams)
    sizes = [size + (t < extra) for t in range(args.teams)]
    started = time.perf_counter()
    simulated = simulate_organisation(instrument=instrument, team_sizes=sizes, seed=args.seed)
    print(
        f"simulated {len(simulated.responses):,} respondents x {len(instrument.item_ids)} items"
        f" in {args.teams:,} teams ({time.perf_counter() - started:.1f} s, not timed)"
    )
    with _database(args) as (url, cleanup):
        campaign_id = None
        if not args.skip_store:
            started = time.perf_counter()
            campaign_id = _store(url, simulated.units, simulated.responses, instrument)
            print(
                f"stored them in {args.database} through insert_responses"
                f" ({time.perf_counter() - started:.1f} s, not timed)"
            )
        frame = simulated.responses if args.skip_store else None
        timings = _in_fresh_process(
            _timed_analysis,
            url=url,
            campaign_id=campaign_id,
            frame=frame,
            parallel_iterations=args.parallel_iterations,
            profile=args.profile,
        )
        cleanup()
    _print_timings(timings)
    _compare_with_pingouin(simulated.responses, instrument, subset=args.pingouin_teams)


@contextmanager
def _database(args: argparse.Namespace) -> Iterator[tuple[str, Callable[[], None]]]:
    """A fresh database URL, and how to get rid of it afterwards."""
    if args.database == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite'}", lambda: None
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(args.postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{args.postgres_url}?options=-csearch_path%3D{schema}"

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

    try:
        yield url, drop
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _store(url: str, units: pd.DataFrame, responses: pd.DataFrame, instrument: Instrument) -> int:
    """An organisation with the simulated units, an open campaign, and every response."""
    engine = make_engine(url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        with session.begin():
            database_ids = _store_units(session, units)
        team_ids = [database_ids[u] for u in units.loc[units["kind"] == "team", "unit_id"]]
        organisation_id = database_ids[units["unit_id"].iloc[0]]
        campaign = services.create_campaign(
            session,
            organisation_id=organisation_id,
            data=CampaignCreate(name="Bench", instrument=instrument.ref, unit_ids=team_ids),
        )
        assert campaign.id is not None
        services.open_campaign(session, campaign_id=campaign.id)
        _store_responses(session, campaign.id, responses, database_ids, instrument)
    engine.dispose()
    return campaign.id


def _store_units(session: Any, units: pd.DataFrame) -> dict[str, int]:
    organisation = Organisation(name=str(units["name"].iloc[0]))
    repo.add(session, organisation)
    assert organisation.id is not None
    database_ids: dict[str, int] = {}
    for kind in ("organisation", "department", "team"):
        rows = units[units["kind"] == kind]
        made = [
            Unit(
                name=str(row.name),
                kind=UnitKind(kind),
                external_id=str(row.unit_id),
                organisation_id=organisation.id,
                parent_id=None if row.parent_id is None else database_ids[str(row.parent_id)],
            )
            for row in rows.itertuples()
        ]
        session.add_all(made)
        session.flush()
        database_ids |= {str(u.external_id): int(u.id) for u in made if u.id is not None}
    return database_ids


def _store_responses(
    session: Any,
    campaign_id: int,
    responses: pd.DataFrame,
    database_ids: dict[str, int],
    instrument: Instrument,
) -> None:
    items = list(instrument.item_ids)
    values = responses[items].to_numpy(dtype=np.float64)
    units = [database_ids[str(t)] for t in responses["team"]]
    with session.begin():
        for start in range(0, len(values), BATCH):
            batch = [
                # The simulation does not tell skipped from "does not apply": all skipped.
                ResponseCreate.model_construct(
                    unit_id=units[r],
                    language="en",
                    answers={
                        item: int(v) for item, v in zip(items, values[r], strict=True) if v == v
                    },
                )
                for r in range(start, min(start + BATCH, len(values)))
            ]
            repo.insert_responses(
                session, campaign_id=campaign_id, responses=batch, day=date.today()
            )


def _in_fresh_process(target: Callable[..., Timings], **kwargs: Any) -> Timings:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        result: Timings = pool.apply(target, kwds=kwargs)
    return result


def _timed_analysis(
    *,
    url: str,
    campaign_id: int | None,
    frame: pd.DataFrame | None,
    parallel_iterations: int,
    profile: bool,
) -> Timings:
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    timings = Timings()
    instrument = load_builtin()
    chart: dict[str, str | None] | None = None
    if campaign_id is not None:
        engine = make_engine(url)
        # Outputs are made of a closed campaign's snapshot: closing it is part of the path.
        closing = "close: snapshot, fingerprint, rows by id"
        with timings.stage(closing, in_total=False), session_scope(engine) as session:
            services.close_campaign(session, campaign_id=campaign_id)
    with timings.stage("load from the database"):
        if campaign_id is None:
            assert frame is not None
            responses = frame
        else:
            with session_scope(engine) as session:
                data = services.load_snapshot(session, campaign_id=campaign_id)
            engine.dispose()
            responses, chart = data.responses, data.chart()
    with timings.stage("analyse_campaign"):
        analysis = analyse_campaign(
            responses, instrument=instrument, min_group_size=5, parents=chart
        )
    keyed = reverse_key(responses, instrument=instrument)[list(instrument.item_ids)]
    with timings.stage("EFA, factors by parallel analysis, oblimin"):
        explored = efa(keyed)
    assert explored.parallel is not None
    print(f"the EFA's parallel analysis retained {explored.parallel.n_factors} factors")
    with timings.stage("CFA, every scale (fit_scales_cfa)"):
        cfa = fit_scales_cfa(responses, instrument=instrument)
    timings.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stage = f"parallel analysis with resampling, {parallel_iterations} iterations"
    with timings.stage(stage, in_total=False):
        parallel_analysis(keyed, iterations=parallel_iterations)
    _time_parts(timings, responses, instrument, chart=chart)
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    assert cfa.converged, "the CFA did not converge"
    assert len(analysis.teams) > 0
    return timings


def _time_parts(
    timings: Timings,
    responses: pd.DataFrame,
    instrument: Instrument,
    *,
    chart: dict[str, str | None] | None,
) -> None:
    """The parts of analyse_campaign, each alone (already counted in its total)."""
    teams = responses["team"]
    with timings.stage("  of which scoring", in_total=False):
        scores = score_scales(responses, instrument=instrument)
    with timings.stage("  of which the disclosure decision", in_total=False):
        decide(teams, min_group_size=5, parents=chart, scored=scores.notna())
    with timings.stage("  of which reliability", in_total=False):
        scale_reliability(responses, instrument=instrument)
    with timings.stage("  of which team statistics", in_total=False):
        team_statistics(scores, teams=teams)
    with timings.stage("  of which ICC", in_total=False):
        icc(scores, teams=teams)
    with timings.stage("  of which agreement (rwg_j)", in_total=False):
        scale_agreement(responses, teams=teams, instrument=instrument)
    with timings.stage("  of which comparisons to the rest", in_total=False):
        compare_to_rest(scores, teams=teams)


def _print_timings(timings: Timings) -> None:
    print(f"\n{'stage':44} {'seconds':>8}")
    for name, seconds in timings.seconds.items():
        note = "" if timings.in_total[name] else "  (not in total)"
        print(f"{name:44} {seconds:8.2f}{note}")
    total = sum(s for name, s in timings.seconds.items() if timings.in_total[name])
    print(f"{'TOTAL (target 10 s)':44} {total:8.2f}")
    print(f"{'peak RSS of the analysis process, MB':44} {timings.peak_rss_mb:8.0f}  (target 2048)")


def _compare_with_pingouin(responses: pd.DataFrame, instrument: Instrument, *, subset: int) -> None:
    """Team n, mean, SD and t interval: ours on every team vs pingouin.ttest once per team."""
    import pingouin

    scores = score_scales(responses, instrument=instrument)
    teams = responses["team"]
    started = time.perf_counter()
    ours = team_statistics(scores, teams=teams)
    vectorised = time.perf_counter() - started
    all_teams = sorted(teams.unique())
    chosen = set(all_teams[:subset])
    rows = []
    started = time.perf_counter()
    for team, members in scores[teams.isin(chosen)].groupby(teams, sort=True):
        for scale in scores.columns:
            values = members[scale].dropna().to_numpy()
            test = pingouin.ttest(values, 0, confidence=0.95)
            low, high = test["CI95"].iloc[0]
            rows.append((team, scale, len(values), values.mean(), values.std(ddof=1), low, high))
    per_team = (time.perf_counter() - started) / len(chosen)
    theirs = pd.DataFrame(rows, columns=["team", "scale", "n", "mean", "sd", "ci_low", "ci_high"])
    check = ours.merge(theirs, on=["team", "scale"], suffixes=("", "_pg"))
    # pingouin rounds its interval to two decimals.
    worst = float(
        np.nanmax(
            np.abs(
                check[["ci_low", "ci_high"]].to_numpy()
                - check[["ci_low_pg", "ci_high_pg"]].to_numpy()
            )
        )
    )
    extrapolated = per_team * len(all_teams)
    print(
        f"\nteam statistics, {len(all_teams):,} teams x {scores.shape[1]} scores:"
        f"\n  vectorised team_statistics        {vectorised:8.3f} s"
        f"\n  pingouin.ttest once per team      {extrapolated:8.1f} s"
        f"  (timed on {len(chosen)} teams, {per_team * 1e3:.1f} ms a team, x {len(all_teams):,})"
        f"\n  speed ratio                       {extrapolated / vectorised:8.0f} x  (target 20 x)"
        f"\n  largest CI difference             {worst:8.4f}    (pingouin rounds to 0.01)"
    )


if __name__ == "__main__":
    main()
