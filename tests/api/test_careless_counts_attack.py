"""The withheld-group attack on the careless counts, over HTTP on both databases.

A team of 2 reaches no group of the minimum, even pooled up the chart: its rows are withheld
from the export, which flags the careless among the rows it carries. HR wants to know whether
one of the two withheld respondents answered carelessly. With only what an admin can download
(the export, the codebook, the results, the disclosure decision, the validity report), it
subtracts the exported flags from every count of careless respondents the other files give,
and the kept respondents the reliability counts from the rows the export carries. Before the
counts were taken over the disclosed respondents only, the results' ``excluded`` and the
validity report's counts were over every respondent, and the difference was the number of
careless respondents among the withheld (``docs/confidentiality.md``, rule 9)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from api.services import results as result_services
from api.services.access import Principal
from api.store.models import ResponseCreate, Role
from tests.api.conftest import Org
from tests.api.test_exchange import ITEMS, _answers, _campaign, _get, _rows, _submit, _unit
from tests.api.test_exports_analyst import _downloads, _lines


@pytest.fixture
def engine(emptied_database: Engine) -> Engine:
    """The module's database, migrated once and emptied before each test (tests/conftest.py)."""
    return emptied_database


WORLDS = {
    # One of the two withheld respondents answered 4 throughout (the longstring rule excludes
    # them), or answered attentively.
    "a careless withheld respondent": dict.fromkeys(ITEMS, 4),
    "no careless withheld respondent": _answers(77),
}


def _chart(org: Org) -> tuple[int, int, int]:
    """Big 1, Big 2 and Small, teams of Acme."""
    acme = _unit(org, "Acme")
    big1, big2, small = (_unit(org, name, parent=acme) for name in ("Big 1", "Big 2", "Small"))
    return big1, big2, small


def _closed_campaign(
    org: Org, engine: Engine, units: tuple[int, int, int], withheld_answer: dict[str, int | None]
) -> int:
    """Big 1 (6) and Big 2 (7) are shown; Small (2) reaches no group of 5 at the top of the
    chart, so its rows are withheld. One careless respondent among the exported ones."""
    big1, big2, small = units
    campaign = _campaign(org, [big1, big2, small], min_group_size=5)
    _submit(
        engine,
        campaign,
        [
            *(ResponseCreate(unit_id=big1, answers=_answers(n)) for n in range(5)),
            ResponseCreate(unit_id=big1, answers=dict.fromkeys(ITEMS, 2)),
            *(ResponseCreate(unit_id=big2, answers=_answers(20 + n)) for n in range(7)),
            ResponseCreate(unit_id=small, answers=_answers(50)),
            ResponseCreate(unit_id=small, answers=withheld_answer),
        ],
    )
    return campaign


def _validity_counts(org: Org, engine: Engine, campaign: int) -> dict[str, Any]:
    """The careless counts the validity report prints (HR downloads it from the console)."""
    admin = Principal(
        key_id=0, organisation_id=org.organisation_id, role=Role.admin, unit_id=None,
        units=frozenset(),
    )  # fmt: skip
    with Session(engine, expire_on_commit=False) as session:
        view = result_services.validity_report_view(
            session, principal=admin, campaign_id=campaign, language="en"
        )
    return {
        "respondents": view.n_respondents,
        "excluded": view.n_excluded,
        "analysed": view.n_analysed,
        "rules": [(r.rule, r.flagged, r.excluded_by) for r in view.screening],
    }


def _attack(org: Org, engine: Engine, campaign: int) -> dict[str, int]:
    """What HR computes of the withheld respondents' careless count, from each file."""
    rows = _rows(_get(org, campaign, "export.csv").text)
    book = _get(org, campaign, "codebook").json()
    results = _get(org, campaign, "results").json()
    validity = _validity_counts(org, engine, campaign)
    exported_careless = sum(r["careless"] == "1" for r in rows)
    # Every answer is complete: the reliability's n is every kept respondent it pools.
    reliability_n = {s["n"] for s in results["scales"]}
    assert len(reliability_n) == 1
    (kept,) = reliability_n
    exported_kept = len(rows) - exported_careless
    withheld = book["withheld_rows"]
    return {
        "results' excluded less the flags": results["excluded"] - exported_careless,
        "validity's excluded less the flags": validity["excluded"] - exported_careless,
        "withheld less the reliability's kept": withheld - (kept - exported_kept),
    }


def test_hr_cannot_count_the_careless_among_the_withheld_respondents(
    org: Org, engine: Engine, tmp_path: Path
) -> None:
    attacks, downloads, validity = {}, {}, {}
    units = _chart(org)
    for world, answers in WORLDS.items():
        campaign = _closed_campaign(org, engine, units, answers)
        attacks[world] = _attack(org, engine, campaign)
        downloads[world] = _downloads(org, campaign, tmp_path)
        validity[world] = _validity_counts(org, engine, campaign)

    careless, attentive = WORLDS
    rows = _rows(downloads[careless]["export.csv"])
    # The files hold what the attack uses: 13 rows with one flag, 2 withheld rows.
    assert len(rows) == 13
    assert [r["careless_rules"] for r in rows if r["careless"] == "1"] == ["longstring"]
    assert downloads[careless]["codebook"]["withheld_rows"] == 2
    # Every figure the attack computes comes out the same whether or not a withheld
    # respondent was careless (1 in one world, 0 in the other): none of them counts them.
    assert attacks[careless] == attacks[attentive]
    # The careless counts are over the exported rows: their flags add up to them.
    assert attacks[careless]["results' excluded less the flags"] == 0
    assert attacks[careless]["validity's excluded less the flags"] == 0
    assert downloads[careless]["results"]["excluded"] == 1
    assert validity[careless] == validity[attentive]
    assert validity[careless]["respondents"] == 13
    assert validity[careless]["excluded"] == 1
    # And no other file HR downloads tells the two worlds apart.
    assert _lines(downloads[careless]) == _lines(downloads[attentive])
