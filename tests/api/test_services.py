"""The use cases on both databases: what they store, what they refuse, and that a refusal
leaves the database exactly as it was."""

from __future__ import annotations

import math
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select
from sqlmodel import Session, SQLModel

from api.services import campaigns as services
from api.services import org_chart
from api.services.errors import Conflict, NotFound, ValidationFailed
from api.services.org_chart import UnitImportRow
from api.store.models import (
    CampaignCreate,
    CampaignStatus,
    OrganisationCreate,
    Response,
    ResponseCreate,
    Unit,
    UnitKind,
)
from instrument import load_builtin

INSTRUMENT = "transversal-core@1.0.0"


def _session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)


def _closed_snapshot(session: Session, campaign_id: int) -> services.CampaignData:
    """The campaign's data as its outputs read it: closed, from its snapshot."""
    services.close_campaign(session, campaign_id=campaign_id)
    return services.load_snapshot(session, campaign_id=campaign_id)


def _table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


def _chart() -> list[UnitImportRow]:
    return [
        UnitImportRow(external_id="org", name="Acme", kind=UnitKind.organisation),
        UnitImportRow(
            external_id="ops", name="Operations", kind=UnitKind.department, parent_external_id="org"
        ),
        UnitImportRow(external_id="t1", name="Night shift", parent_external_id="ops"),
        UnitImportRow(external_id="t2", name="Day shift", parent_external_id="ops"),
    ]


@pytest.fixture
def campaign(engine: Engine) -> dict[str, int]:
    """An organisation with two teams and an open campaign over them."""
    with _session(engine) as session:
        organisation = services.create_organisation(session, OrganisationCreate(name="Acme"))
        assert organisation.id is not None
        units = org_chart.import_units(session, organisation_id=organisation.id, rows=_chart())
        ids = {u.external_id: u.id for u in units}
        created = services.create_campaign(
            session,
            organisation_id=organisation.id,
            data=CampaignCreate(
                name="Spring",
                instrument=INSTRUMENT,
                unit_ids=[ids["t1"], ids["t2"]],
                languages=["en", "fr"],
            ),
        )
        assert created.id is not None
        services.open_campaign(session, campaign_id=created.id)
    return {
        "organisation": organisation.id,
        "campaign": created.id,
        "t1": ids["t1"] or 0,
        "t2": ids["t2"] or 0,
    }


def test_migrations_build_exactly_the_schema_the_models_describe(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


def test_a_response_row_holds_nothing_that_identifies_a_person(engine: Engine) -> None:
    columns = {c["name"] for c in inspect(engine).get_columns("response")}
    assert columns == {"id", "campaign_id", "unit_id", "language", "submitted_on", "answers"}


def test_import_units_builds_the_tree_with_parents_given_after_children(engine: Engine) -> None:
    rows = list(reversed(_chart()))
    with _session(engine) as session:
        organisation = services.create_organisation(session, OrganisationCreate(name="Acme"))
        assert organisation.id is not None
        units = org_chart.import_units(session, organisation_id=organisation.id, rows=rows)
    by_external = {u.external_id: u for u in units}
    assert by_external["t1"].parent_id == by_external["ops"].id
    assert by_external["ops"].parent_id == by_external["org"].id
    assert by_external["org"].parent_id is None


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [UnitImportRow(external_id="a", name="A"), UnitImportRow(external_id="a", name="B")],
            ["rows[2].external_id: 'a' is already used by row 1"],
        ),
        (
            [UnitImportRow(external_id="a", name="A", parent_external_id="nowhere")],
            ["rows[1].parent_external_id: unknown parent 'nowhere'"],
        ),
        (
            [
                UnitImportRow(external_id="a", name="A", parent_external_id="c"),
                UnitImportRow(external_id="b", name="B", parent_external_id="a"),
                UnitImportRow(external_id="c", name="C", parent_external_id="b"),
            ],
            ["rows: rows 1, 3, 2 form a cycle: a -> c -> b -> a"],
        ),
    ],
    ids=["duplicate", "unknown-parent", "cycle"],
)
def test_a_broken_org_chart_is_refused_whole_with_its_row_numbers(
    engine: Engine, rows: list[UnitImportRow], expected: list[str]
) -> None:
    with _session(engine) as session:
        organisation = services.create_organisation(session, OrganisationCreate(name="Acme"))
        assert organisation.id is not None
        before = _table_counts(engine)
        with pytest.raises(ValidationFailed) as refused:
            org_chart.import_units(session, organisation_id=organisation.id, rows=rows)
    assert [str(e) for e in refused.value.errors] == expected
    assert _table_counts(engine) == before


def test_a_campaign_freezes_the_instrument_version(
    campaign: dict[str, int], engine: Engine
) -> None:
    with _session(engine) as session:
        data = _closed_snapshot(session, campaign["campaign"])
    assert data.instrument.ref == INSTRUMENT
    assert data.min_group_size == 5


def test_a_campaign_with_an_unknown_instrument_language_or_unit_is_refused(
    campaign: dict[str, int], engine: Engine
) -> None:
    before = _table_counts(engine)
    with _session(engine) as session, pytest.raises(ValidationFailed) as refused:
        services.create_campaign(
            session,
            organisation_id=campaign["organisation"],
            data=CampaignCreate(name="X", instrument="transversal-core@9.9.9", unit_ids=[1]),
        )
    assert [e.field for e in refused.value.errors] == ["instrument"]
    with _session(engine) as session, pytest.raises(ValidationFailed) as refused:
        services.create_campaign(
            session,
            organisation_id=campaign["organisation"],
            data=CampaignCreate(
                name="X", instrument=INSTRUMENT, unit_ids=[campaign["t1"], 999], languages=["de"]
            ),
        )
    assert [str(e) for e in refused.value.errors] == [
        f"languages[0]: 'de' is not a language of {INSTRUMENT}",
        "unit_ids[1]: unit 999 does not exist",
    ]
    assert _table_counts(engine) == before


def test_a_campaign_for_a_missing_organisation_is_not_found(engine: Engine) -> None:
    with (
        _session(engine) as session,
        pytest.raises(NotFound, match="organisation 42 does not exist"),
    ):
        services.create_campaign(
            session,
            organisation_id=42,
            data=CampaignCreate(name="X", instrument=INSTRUMENT, unit_ids=[1]),
        )


def test_submitted_answers_come_back_as_a_wide_frame(
    campaign: dict[str, int], engine: Engine
) -> None:
    instrument = load_builtin(INSTRUMENT)
    first, second = instrument.item_ids[:2]
    with _session(engine) as session:
        stored = services.submit_responses(
            session,
            campaign_id=campaign["campaign"],
            responses=[
                ResponseCreate(unit_id=campaign["t1"], answers={first: 7, second: None}),
                ResponseCreate(unit_id=campaign["t2"], language="fr", answers={first: 1}),
            ],
            submitted_on=date(2026, 3, 4),
        )
        data = _closed_snapshot(session, campaign["campaign"])
    assert stored == 2
    frame = data.responses.sort_values(first)
    assert list(frame.columns) == [*instrument.item_ids, "team"]
    assert frame[first].tolist() == [1.0, 7.0]
    assert math.isnan(frame[second].iloc[1])  # 'does not apply' is missing, never a number
    assert frame["team"].tolist() == [str(campaign["t2"]), str(campaign["t1"])]
    with engine.connect() as connection:
        days = connection.execute(select(Response.submitted_on)).scalars().all()
    assert set(days) == {date(2026, 3, 4)}


def test_response_ids_are_random_so_they_do_not_reveal_the_order_of_submission(
    campaign: dict[str, int], engine: Engine
) -> None:
    item = load_builtin(INSTRUMENT).item_ids[0]
    with _session(engine) as session:
        services.submit_responses(
            session,
            campaign_id=campaign["campaign"],
            responses=[ResponseCreate(unit_id=campaign["t1"], answers={item: 4})] * 20,
        )
    with engine.connect() as connection:
        ids = connection.execute(select(Response.id)).scalars().all()
    assert len(set(ids)) == 20
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    # Sequential keys would share their leading digits; random ones almost never do.
    assert len({i[:8] for i in ids}) == 20


def test_bad_answers_are_all_listed_and_nothing_is_stored(
    campaign: dict[str, int], engine: Engine
) -> None:
    item = load_builtin(INSTRUMENT).item_ids[0]
    good = ResponseCreate(unit_id=campaign["t1"], answers={item: 5})
    before = _table_counts(engine)
    with _session(engine) as session, pytest.raises(ValidationFailed) as refused:
        services.submit_responses(
            session,
            campaign_id=campaign["campaign"],
            responses=[
                good,
                ResponseCreate(unit_id=campaign["t1"], answers={"XX99": 3, item: 8}),
                ResponseCreate(unit_id=999, language="de", answers={item: 0}),
            ],
        )
    assert [str(e) for e in refused.value.errors] == [
        "responses[1].answers.XX99: unknown item",
        f"responses[1].answers.{item}: 8 is outside the scale 1..7",
        "responses[2].unit_id: unit 999 is not part of the campaign",
        "responses[2].language: 'de' is not a language of the campaign",
        f"responses[2].answers.{item}: 0 is outside the scale 1..7",
    ]
    assert _table_counts(engine) == before


def test_answers_to_a_campaign_that_is_not_open_are_refused(
    campaign: dict[str, int], engine: Engine
) -> None:
    item = load_builtin(INSTRUMENT).item_ids[0]
    with _session(engine) as session:
        closed = services.close_campaign(session, campaign_id=campaign["campaign"])
        assert closed.status == CampaignStatus.closed
        before = _table_counts(engine)
        with pytest.raises(Conflict, match="is closed, not open"):
            services.submit_responses(
                session,
                campaign_id=campaign["campaign"],
                responses=[ResponseCreate(unit_id=campaign["t1"], answers={item: 5})],
            )
        with pytest.raises(Conflict, match="is closed; it must be draft to become open"):
            services.open_campaign(session, campaign_id=campaign["campaign"])
    assert _table_counts(engine) == before


def test_invitation_counts_are_checked_and_stored(campaign: dict[str, int], engine: Engine) -> None:
    with _session(engine) as session:
        services.set_invited(
            session, campaign_id=campaign["campaign"], invited={campaign["t1"]: 12}
        )
        with pytest.raises(ValidationFailed) as refused:
            services.set_invited(
                session, campaign_id=campaign["campaign"], invited={campaign["t2"]: -1, 999: 3}
            )
        data = _closed_snapshot(session, campaign["campaign"])
    assert [str(e) for e in refused.value.errors] == [
        "invited.999: unit is not part of the campaign",
        f"invited.{campaign['t2']}: must be zero or more",
    ]
    assert data.invited == {campaign["t1"]: 12, campaign["t2"]: 0}


def test_units_of_an_organisation_are_its_own(campaign: dict[str, int], engine: Engine) -> None:
    with _session(engine) as session:
        other = services.create_organisation(session, OrganisationCreate(name="Other"))
        assert other.id is not None
        org_chart.import_units(
            session, organisation_id=other.id, rows=[UnitImportRow(external_id="org", name="O")]
        )
        data = _closed_snapshot(session, campaign["campaign"])
    assert {u.name for u in data.units} == {"Acme", "Operations", "Night shift", "Day shift"}
    assert all(isinstance(u, Unit) for u in data.units)
