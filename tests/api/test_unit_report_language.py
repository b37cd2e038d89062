"""A unit's report language over HTTP, on SQLite and on PostgreSQL: set when the unit is
created, changed, kept and cleared by ``PATCH``, imported with the chart's CSV, and refused with
its field and reason when it is not a language of the instruments, with nothing stored."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text
from sqlmodel import Session

from api.app import create_app
from api.store.db import alembic_config, database_revision, head_revision
from api.store.models import Unit, report_language_choices
from instrument import builtin_refs, load_builtin
from tests.api.conftest import Org

API = "/api/v1"
CSV = {"Content-Type": "text/csv"}
NOT_A_LANGUAGE = "'{}' is not a language of the instruments: give one of en, fr, or null"


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _refused(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"]
    return [(e["field"], e["reason"]) for e in body["errors"]]


def _languages(engine: Engine) -> dict[str, str | None]:
    with Session(engine) as session:
        return {unit.name: unit.report_language for unit in session.scalars(select(Unit)).all()}


def _language_changes(org: Org) -> list[int | None]:
    """The units whose report language the audit log says was changed, in order."""
    log = _ok(org.client.get(f"{API}/audit", headers=org.headers()))
    return [e["unit_id"] for e in log if e["action"] == "unit_report_language_changed"]


def _organisation(org: Org) -> int:
    acme = _ok(
        org.client.post(
            f"{API}/units", json={"name": "Acme", "kind": "organisation"}, headers=org.headers()
        ),
        201,
    )
    return int(acme["id"])


def test_the_choices_are_the_languages_of_the_instruments() -> None:
    shipped = {lang for ref in builtin_refs() for lang in load_builtin(ref).languages}
    assert set(report_language_choices()) == shipped == {"en", "fr"}


def test_the_description_names_the_languages_a_unit_may_set() -> None:
    schemas = create_app().openapi()["components"]["schemas"]
    for model in ("UnitCreate", "UnitUpdate", "UnitPublic"):
        field = schemas[model]["properties"]["report_language"]
        assert field["anyOf"] == [
            {"type": "string", "enum": ["en", "fr"], "maxLength": 10},
            {"type": "null"},
        ], model
        assert "respondents answered in" in field["description"]


def test_a_unit_is_created_with_a_report_language_or_without_one(org: Org, engine: Engine) -> None:
    acme = _organisation(org)
    ward = _ok(
        org.client.post(
            f"{API}/units",
            json={"name": "Ward", "parent_id": acme, "report_language": "fr"},
            headers=org.headers(),
        ),
        201,
    )
    assert ward["report_language"] == "fr"
    listed = _ok(org.client.get(f"{API}/units", headers=org.headers()))
    assert {u["name"]: u["report_language"] for u in listed} == {"Acme": None, "Ward": "fr"}
    assert _languages(engine) == {"Acme": None, "Ward": "fr"}


@pytest.mark.parametrize("language", ["de", "EN", "", "english"])
def test_a_unit_created_with_another_language_is_refused_by_its_field(
    org: Org, engine: Engine, language: str
) -> None:
    acme = _organisation(org)
    refused = org.client.post(
        f"{API}/units",
        json={"name": "Ward", "parent_id": acme, "report_language": language},
        headers=org.headers(),
    )
    assert _refused(refused) == [
        ("report_language", f"{NOT_A_LANGUAGE.format(language)}"
         " for the language most of its respondents answered in")
    ]  # fmt: skip
    assert _languages(engine) == {"Acme": None}


def test_patch_sets_keeps_and_clears_the_report_language(org: Org, engine: Engine) -> None:
    acme = _organisation(org)
    ward = _ok(
        org.client.post(
            f"{API}/units", json={"name": "Ward", "parent_id": acme}, headers=org.headers()
        ),
        201,
    )
    url = f"{API}/units/{ward['id']}"
    assert (
        _ok(org.client.patch(url, json={"report_language": "en"}, headers=org.headers()))[
            "report_language"
        ]
        == "en"
    )
    # Left out: kept.
    renamed = _ok(org.client.patch(url, json={"name": "Night ward"}, headers=org.headers()))
    assert (renamed["name"], renamed["report_language"]) == ("Night ward", "en")
    # A wrong value: refused by its field, the language stored kept.
    refused = org.client.patch(url, json={"report_language": "xx"}, headers=org.headers())
    assert [field for field, _ in _refused(refused)] == ["report_language"]
    assert NOT_A_LANGUAGE.format("xx") in refused.json()["errors"][0]["reason"]
    assert _languages(engine)["Night ward"] == "en"
    # Null clears it: the language most of its respondents answered in.
    cleared = _ok(org.client.patch(url, json={"report_language": None}, headers=org.headers()))
    assert cleared["report_language"] is None
    assert _languages(engine)["Night ward"] is None
    # Set and cleared: each change in the audit log, the refused one and the rename not.
    assert _language_changes(org) == [ward["id"], ward["id"]]


def test_the_chart_csv_sets_the_report_language_and_a_blank_cell_keeps_it(
    org: Org, engine: Engine
) -> None:
    header = "external_id,name,parent_external_id,kind,report_language\n"
    first = header + "acme,Acme,,organisation,\nnight,Night ward,acme,,fr\nday,Day ward,acme,,\n"
    _ok(
        org.client.post(f"{API}/units/import", content=first, headers={**CSV, **org.headers()}), 201
    )
    assert _languages(engine) == {"Acme": None, "Night ward": "fr", "Day ward": None}
    again = header + "night,Night ward,acme,,\nday,Day ward,acme,,en\n"
    preview = _ok(
        org.client.post(
            f"{API}/units/import?dry_run=true", content=again, headers={**CSV, **org.headers()}
        )
    )
    assert preview["counts"]["report_language_changed"] == 1
    assert [
        (x["external_id"], x["before"]["report_language"], x["report_language"])
        for x in preview["report_language_changed"]
    ] == [("day", None, "en")]
    assert [x["external_id"] for x in preview["unchanged"]] == ["night"]
    _ok(
        org.client.post(f"{API}/units/import", content=again, headers={**CSV, **org.headers()}), 201
    )
    assert _languages(engine) == {"Acme": None, "Night ward": "fr", "Day ward": "en"}
    # The change of an imported unit is in the audit log (a new unit's first is not a change).
    day = org.client.get(f"{API}/units", headers=org.headers()).json()
    assert _language_changes(org) == [u["id"] for u in day if u["external_id"] == "day"]


def test_a_chart_csv_with_another_language_is_refused_by_line_and_column(
    org: Org, engine: Engine
) -> None:
    text = (
        "external_id,name,parent_external_id,kind,report_language\n"
        "acme,Acme,,organisation,\nnight,Night ward,acme,,de\nday,Day ward,acme,,fr\n"
    )
    refused = org.client.post(f"{API}/units/import", content=text, headers={**CSV, **org.headers()})
    problems = _refused(refused)
    assert [field for field, _ in problems] == ["rows[3].report_language"]
    # The model's reason in full, as the API's body gives it, without pydantic's prefix.
    assert problems[0][1].startswith(NOT_A_LANGUAGE.format("de"))
    assert _languages(engine) == {}


def test_the_migration_adds_the_column_to_the_units_there_and_takes_it_away_again(
    engine: Engine,
) -> None:
    assert head_revision() == "0014"
    command.downgrade(alembic_config(engine), "0013")
    assert "report_language" not in {c["name"] for c in inspect(engine).get_columns("unit")}
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO organisation (id, name, created_at) VALUES (1, 'Acme', :now)"),
            {"now": "2026-01-01 00:00:00+00:00"},
        )
        connection.execute(
            text(
                "INSERT INTO unit (id, organisation_id, name, kind)"
                " VALUES (1, 1, 'Acme', 'organisation')"
            )
        )
    command.upgrade(alembic_config(engine), "head")
    assert database_revision(engine) == "0014"
    columns = {c["name"]: c for c in inspect(engine).get_columns("unit")}
    assert columns["report_language"]["nullable"] is True
    assert _languages(engine) == {"Acme": None}
