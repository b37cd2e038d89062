"""The response table keeps no order of submission: the attack is to read which stored
response came last, from SQLite's rowid or from PostgreSQL's physical order and ``xmin``."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from api.services import campaigns as services
from api.services.org_chart import UnitImportRow
from api.store.models import ResponseCreate
from tests.api.conftest import Org, stage_campaign


def _campaign_answered_one_by_one(org: Org, engine: Engine, count: int) -> tuple[int, list[int]]:
    """An open campaign that received ``count`` responses, one submission at a time; the
    value of HA01 tells the order they came in (1 first)."""
    staged = stage_campaign(
        engine,
        org.organisation_id,
        chart=[UnitImportRow(external_id="t", name="Team")],
        teams=["t"],
    )
    with Session(engine, expire_on_commit=False) as session:
        for order in range(1, count + 1):
            services.submit_responses(
                session,
                campaign_id=staged.campaign_id,
                responses=[
                    ResponseCreate(unit_id=staged.units["t"], answers={"HA01": order % 7 + 1})
                ],
            )
    campaign_id = staged.campaign_id
    return campaign_id, [order % 7 + 1 for order in range(1, count + 1)]


def _physical_order(engine: Engine) -> list[tuple[str, int, str]]:
    """(id, HA01, xmin) of every response, in the order PostgreSQL stores them."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, answers ->> 'HA01', xmin::text FROM response ORDER BY ctid")
        )
        return [(row[0], int(row[1]), row[2]) for row in rows]


def test_sqlite_keeps_no_rowid_to_read_the_order_from(org: Org, engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's rowid")
    _campaign_answered_one_by_one(org, engine, 3)
    with engine.connect() as connection:
        ddl = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'response'")
        ).scalar_one()
        assert "WITHOUT ROWID" in ddl.upper()
        with pytest.raises(OperationalError, match="no such column: rowid"):
            connection.execute(text("SELECT rowid FROM response")).all()


def test_closing_rewrites_postgresql_rows_in_the_order_of_their_random_ids(
    org: Org, engine: Engine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's physical order")
    campaign_id, submitted = _campaign_answered_one_by_one(org, engine, 12)
    # While the campaign is open the attack works, as docs/confidentiality.md says: the
    # physical order is the order of submission, and each row has its own transaction.
    open_rows = _physical_order(engine)
    assert [answer for _, answer, _ in open_rows] == submitted
    assert len({xmin for _, _, xmin in open_rows}) == 12

    with Session(engine, expire_on_commit=False) as session:
        services.close_campaign(session, campaign_id=campaign_id)

    closed_rows = _physical_order(engine)
    assert [row_id for row_id, _, _ in closed_rows] == sorted(row_id for row_id, _, _ in open_rows)
    assert len({xmin for _, _, xmin in closed_rows}) == 1, "one transaction wrote them all"
    # The same responses, ids and answers, are kept.
    assert {(i, a) for i, a, _ in closed_rows} == {(i, a) for i, a, _ in open_rows}
