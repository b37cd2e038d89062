# ruff: noqa: F811 (the fixtures imported from test_web_console are parameters here)
"""Editing a unit of the org chart in HR's console: renaming it, giving it another kind and
moving it, every rule of the chart refused beside its field in the page's language with nothing
stored, and archiving after a page that says what it does; admins only, every post with the
session's anti-forgery token. On both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import Engine, select
from sqlmodel import Session, SQLModel

from api.services import campaigns as campaign_services
from api.services import org_chart
from api.services.access import init_organisation
from api.services.errors import FieldError
from api.services.org_chart import UnitImportRow
from api.store.models import OrganisationCreate, Unit, UnitCreate, UnitKind
from api.web.console.chart_reasons import Problem, archive_problem, edit_problem
from api.web.i18n import Translator, catalogue
from tests.api.conftest import Org
from tests.api.test_web_console import (  # noqa: F401 (the fixtures)
    _csrf,
    _sign_in,
    _text,
    browser,
    people,
)

EN = catalogue("en")
FR = catalogue("fr")
MISSING = 999_999


def _rows(engine: Engine) -> dict[str, list[str]]:
    with engine.connect() as connection:
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            for table in SQLModel.metadata.sorted_tables
        }


@contextmanager
def unchanged(engine: Engine) -> Iterator[None]:
    """The block leaves every row of every table as it found it."""
    before = _rows(engine)
    yield
    assert _rows(engine) == before


def _hr(client: TestClient) -> str:
    """Sign HR in; the session's anti-forgery token."""
    _sign_in(client, "hr@acme.example")
    return _csrf(client.get("/console/chart").text)


def _ids(people: dict[str, Any]) -> dict[str, int]:
    """Acme (org), Nursing (d), and its teams Night ward (t1) and Day ward (t2)."""
    units: dict[str, int] = people["staged"].units
    return units


def _save(
    client: TestClient, csrf: str, unit_id: int | str, lang: str = "en", **typed: str
) -> httpx.Response:
    response: httpx.Response = client.post(
        f"/console/chart/units/{unit_id}?lang={lang}",
        data={"csrf": csrf, **typed},
        follow_redirects=False,
    )
    return response


def _add(engine: Engine, org: Org, name: str, parent: int, kind: str = "department") -> int:
    with Session(engine, expire_on_commit=False) as session:
        unit = org_chart.create_unit(
            session,
            organisation_id=org.organisation_id,
            data=UnitCreate(name=name, kind=UnitKind(kind), parent_id=parent),
        )
    assert unit.id is not None
    return unit.id


def _stored(engine: Engine, unit_id: int) -> Unit:
    with Session(engine, expire_on_commit=False) as session:
        unit = session.get(Unit, unit_id)
    assert unit is not None
    return unit


def _summary(html: str) -> list[tuple[str, str]]:
    """The error summary's links: the field each goes to, and its text."""
    box = html[html.index('class="error-summary"') :]
    box = box[: box.index("</ul>")]
    return [(f, _text(m)) for f, m in re.findall(r'<a href="#(\w+)">(.*?)</a>', box, re.S)]


def _field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="error-message" id="{field}-error">(.*?)</p>', html, re.S)
    assert found, field
    return _text(found.group(1))


def _options(html: str, select: str = "parent") -> list[tuple[str, str, bool]]:
    """The options of a select (the parent's, unless named): value, text, selected."""
    select_ = html[html.index(f'id="{select}" name="{select}"') :]
    select_ = select_[: select_.index("</select>")]
    return [
        (value, _text(text), bool(selected))
        for value, selected, text in re.findall(
            r'<option value="(\w*)"(?: lang="\w+")?( selected)?>(.*?)</option>', select_, re.S
        )
    ]


def _tree(html: str) -> str:
    """The chart's tree, as text."""
    return _text(html[html.index('id="tree-heading"') : html.index(EN["chart.import_heading"])])


# -- the tree and the unit's page ----------------------------------------------------------


def test_every_unit_in_the_tree_links_to_its_page_by_name(
    browser: TestClient, people: dict[str, Any]
) -> None:
    _hr(browser)
    page = browser.get("/console/chart")
    for external_id, name in (("org", "Acme"), ("d", "Nursing"), ("t1", "Night ward")):
        link = re.search(
            rf'<a href="/console/chart/units/{_ids(people)[external_id]}\?lang=en">(.*?)</a>',
            page.text,
        )
        assert link, name
        assert _text(link.group(1)) == f"{EN['chart_edit.change']} {name}"
        assert f'<span class="visually-hidden"> {name}</span>' in link.group(1)


def test_the_units_page_keeps_its_values_and_offers_only_the_parents_it_may_take(
    browser: TestClient, people: dict[str, Any], engine: Engine, org: Org
) -> None:
    _hr(browser)
    ids = _ids(people)
    wards = _add(engine, org, "Wards", ids["d"])
    night = browser.get(f"/console/chart/units/{ids['t1']}")
    assert night.status_code == 200
    assert 'aria-current="page"' in night.text
    assert re.search(r'id="name" name="name" type="text" value="Night ward"', night.text)
    assert re.search(r'id="kind-team" name="kind" value="team" checked', night.text)
    assert "t1" in _text(night.text)  # its id in the CSV, shown, not editable
    # No top of the chart (Acme is there), no team, not itself; each unit by its path.
    assert _options(night.text) == [
        (str(ids["org"]), "Acme (organisation)", False),
        (str(ids["d"]), "Acme › Nursing (department)", True),
        (str(wards), "Acme › Nursing › Wards (department)", False),
    ]
    # Nursing may not go under Wards, which is under it.
    nursing = browser.get(f"/console/chart/units/{ids['d']}")
    assert _options(nursing.text) == [(str(ids["org"]), "Acme (organisation)", True)]
    # The organisation at the top keeps the top, and nothing is above it.
    acme = browser.get(f"/console/chart/units/{ids['org']}")
    assert _options(acme.text) == [("", EN["chart_edit.parent_top"], True)]
    assert f'href="/console/chart/units/{ids["org"]}/archive?lang=en"' in acme.text


# -- changes stored ----------------------------------------------------------------------------


def test_rename_move_and_change_of_kind_are_stored_audited_and_shown_in_the_tree(
    browser: TestClient, people: dict[str, Any], engine: Engine, org: Org
) -> None:
    csrf = _hr(browser)
    ids = _ids(people)
    pharmacy = _add(engine, org, "Pharmacy", ids["org"])
    renamed = _save(
        browser, csrf, ids["t1"], name=" Night shift ", kind="team", parent=str(ids["d"])
    )
    assert renamed.status_code == 303
    assert renamed.headers["location"] == f"/console/chart?lang=en&saved={ids['t1']}"
    chart = browser.get(renamed.headers["location"])
    assert EN["chart_edit.notice_saved"].format(name="Night shift") in _text(chart.text)
    assert "Night shift" in _tree(chart.text)
    assert "Night ward" not in _tree(chart.text)
    moved = _save(browser, csrf, ids["t2"], name="Day ward", kind="team", parent=str(pharmacy))
    assert moved.status_code == 303
    kind = _save(
        browser, csrf, ids["t1"], name="Night shift", kind="department", parent=str(ids["d"])
    )
    assert kind.status_code == 303
    assert _stored(engine, ids["t1"]).name == "Night shift"
    assert _stored(engine, ids["t1"]).kind == UnitKind.department
    assert _stored(engine, ids["t2"]).parent_id == pharmacy
    tree = browser.get("/console/chart").text
    # Day ward now sits in the list inside Pharmacy's item.
    pharmacy_at = tree.index("<strong>Pharmacy</strong>")
    assert tree.index("<strong>Day ward</strong>") > pharmacy_at
    assert tree[pharmacy_at : tree.index("<strong>Day ward</strong>")].count("<ul") == 1
    assert 'Night shift</strong> <span class="hint">department' in tree
    with Session(engine, expire_on_commit=False) as session:
        log = campaign_services.audit_log(session, organisation_id=org.organisation_id)
    events = [(str(e.action), e.unit_id, e.actor) for e in log if str(e.action).startswith("unit_")]
    actor = f"admin account {people['accounts']['admin'].id}"
    assert events == [
        ("unit_renamed", ids["t1"], actor),
        ("unit_moved", ids["t2"], actor),
        ("unit_kind_changed", ids["t1"], actor),
    ]


def test_the_report_language_is_set_and_cleared_through_the_units_page(
    browser: TestClient, people: dict[str, Any], engine: Engine
) -> None:
    csrf = _hr(browser)
    ids = _ids(people)
    page = browser.get(f"/console/chart/units/{ids['t1']}")
    majority = EN["chart_edit.report_language_majority"]
    assert EN["chart_edit.report_language_label"] in _text(page.text)
    assert _options(page.text, "report_language") == [
        ("", majority, True),
        ("en", "English", False),
        ("fr", "Français", False),
    ]
    unit = {"name": "Night ward", "kind": "team", "parent": str(ids["d"])}
    saved = _save(browser, csrf, ids["t1"], **unit, report_language="fr")
    assert saved.status_code == 303
    assert _stored(engine, ids["t1"]).report_language == "fr"
    page = browser.get(f"/console/chart/units/{ids['t1']}")
    assert ("fr", "Français", True) in _options(page.text, "report_language")
    # A form without the field (a page from before it) keeps the language.
    assert _save(browser, csrf, ids["t1"], **unit).status_code == 303
    assert _stored(engine, ids["t1"]).report_language == "fr"
    cleared = _save(browser, csrf, ids["t1"], **unit, report_language="")
    assert cleared.status_code == 303
    assert _stored(engine, ids["t1"]).report_language is None


def test_a_report_language_not_offered_is_refused_beside_its_field(
    browser: TestClient, people: dict[str, Any], engine: Engine
) -> None:
    csrf = _hr(browser)
    ids = _ids(people)
    unit = {"name": "Night ward", "kind": "team", "parent": str(ids["d"])}
    for lang, texts in (("en", EN), ("fr", FR)):
        with unchanged(engine):
            refused = _save(browser, csrf, ids["t1"], lang, **unit, report_language="de")
        assert refused.status_code == 422
        message = texts["chart_edit.error_report_language"]
        assert (
            _field_error(refused.text, "report_language")
            == f"{_text(texts['common.error_prefix'])} {message}"
        )
        assert _summary(refused.text) == [("report_language", message)]
        assert 'aria-describedby="report_language-hint report_language-error"' in refused.text
        # The other fields keep what was typed.
        assert re.search(r'id="name" name="name" type="text" value="Night ward"', refused.text)


# -- the chart's rules, beside their fields ---------------------------------------------------


def test_a_second_root_is_refused_beside_the_parent_and_nothing_is_stored(
    browser: TestClient, people: dict[str, Any], engine: Engine
) -> None:
    csrf = _hr(browser)
    ids = _ids(people)
    with unchanged(engine):
        refused = _save(browser, csrf, ids["d"], name="Nursing", kind="organisation", parent="")
    assert refused.status_code == 422
    message = EN["chart_edit.error_root_taken"].format(root="Acme")
    assert _summary(refused.text) == [("parent", message)]
    assert _field_error(refused.text, "parent") == f"{EN['common.error_prefix']} {message}"
    assert 'aria-describedby="parent-hint parent-error"' in refused.text
    # What was typed is kept: the kind chosen, and the top of the chart.
    assert re.search(r'value="organisation" checked', refused.text)
    assert _options(refused.text)[0] == ("", EN["chart_edit.parent_top"], True)
    assert refused.text.count("error-summary__list") == 1
    assert "<title>" + EN["common.title_error_prefix"] in refused.text


def test_a_department_under_a_team_is_refused_and_nothing_is_stored(
    browser: TestClient, people: dict[str, Any], engine: Engine, org: Org
) -> None:
    csrf = _hr(browser)
    ids = _ids(people)
    kitchen = _add(engine, org, "Kitchen", ids["org"], kind="team")
    with unchanged(engine):
        refused = _save(
            browser, csrf, ids["d"], name="Nursing", kind="department", parent=str(kitchen)
        )
    assert refused.status_code == 422
    message = EN["chart_edit.error_parent_team"].format(parent="Kitchen")
    assert _summary(refused.text) == [("parent", message)]
    # The team typed is kept as chosen, though a team is not offered.
    assert (str(kitchen), "Acme › Kitchen (team)", True) in _options(refused.text)


def test_a_unit_cannot_move_under_itself_or_one_of_its_own_units(
    browser: TestClient, people: dict[str, Any], engine: Engine, org: Org
) -> None:
    csrf = _hr(browser)
    ids = _ids(people)
    wards = _add(engine, org, "Wards", ids["d"])
    with unchanged(engine):
        under_own = _save(
            browser, csrf, ids["d"], name="Nursing", kind="department", parent=str(wards)
        )
        itself = _save(
            browser, csrf, ids["d"], name="Nursing", kind="department", parent=str(ids["d"])
        )
    assert under_own.status_code == itself.status_code == 422
    assert _summary(under_own.text) == [
        ("parent", EN["chart_edit.error_under_own"].format(parent="Wards"))
    ]
    assert _summary(itself.text) == [("parent", EN["chart_edit.error_own_parent"])]


def test_an_empty_name_an_unknown_kind_or_parent_are_refused_by_their_fields(
    browser: TestClient, people: dict[str, Any], engine: Engine
) -> None:
    csrf = _hr(browser)
    ids = _ids(people)
    with unchanged(engine):
        empty = _save(browser, csrf, ids["t1"], name="   ", kind="squad", parent="up")
        long = _save(browser, csrf, ids["t1"], name="x" * 201, kind="team", parent=str(ids["d"]))
        missing = _save(
            browser, csrf, ids["t1"], name="Night ward", kind="team", parent=str(MISSING)
        )
        nothing = _save(browser, csrf, ids["t1"])
    assert (
        empty.status_code == long.status_code == missing.status_code == nothing.status_code == 422
    )
    assert _summary(empty.text) == [
        ("name", EN["chart_edit.error_name_missing"]),
        ("kind", EN["chart_edit.error_kind_missing"]),
        ("parent", EN["chart_edit.error_no_parent"]),
    ]
    assert 'id="name" name="name" type="text" value=""' in empty.text
    assert 'aria-describedby="name-error"' in empty.text
    assert 'aria-describedby="kind-hint kind-error"' in empty.text
    assert _summary(long.text) == [("name", EN["chart_edit.error_name_long"].format(most=200))]
    assert f'value="{"x" * 201}"' in long.text
    assert _summary(missing.text) == [("parent", EN["chart_edit.error_no_parent"])]
    assert [field for field, _ in _summary(nothing.text)] == ["name", "kind"]


def test_every_other_rule_of_the_chart_is_said_in_the_pages_words(
    browser: TestClient, people: dict[str, Any], engine: Engine, org: Org
) -> None:
    csrf = _hr(browser)
    ids = _ids(people)
    gone = _add(engine, org, "Old wing", ids["org"])
    with Session(engine, expire_on_commit=False) as session:
        org_chart.archive_unit(session, organisation_id=org.organisation_id, unit_id=gone)
    cases = [
        ({"kind": "department", "parent": ""}, "parent", EN["chart_edit.error_needs_parent"]),
        (
            {"kind": "organisation", "parent": str(ids["org"])},
            "parent",
            EN["chart_edit.error_organisation_root"],
        ),
        (
            {"kind": "team", "parent": str(ids["org"])},
            "kind",
            EN["chart_edit.error_team_has_units.other"].format(units="Night ward, Day ward"),
        ),
        (
            {"kind": "department", "parent": str(gone)},
            "parent",
            EN["chart_edit.error_parent_archived"],
        ),
    ]
    for typed, field, message in cases:
        with unchanged(engine):
            refused = _save(browser, csrf, ids["d"], name="Nursing", **typed)
        assert refused.status_code == 422, typed
        assert _summary(refused.text) == [(field, message)], typed
        # The service's English reason (which names units by id) is not what the page says.
        assert "(unit " not in _text(refused.text), typed
        assert 'lang="en"><span' not in refused.text


def test_a_reason_the_page_does_not_know_is_shown_as_the_service_wrote_it_in_english() -> None:
    texts = Translator("fr")
    unit = Unit(id=1, organisation_id=1, name="Acme", kind=UnitKind.organisation)
    new_rule = FieldError("parent_id", "a rule added since")
    assert edit_problem(new_rule, texts=texts, units=[unit], unit=unit, parent_id=None) == Problem(
        "parent", "a rule added since", lang="en"
    )
    assert archive_problem(
        "unit 1 is busy", texts=texts, units=[unit], unit=unit, campaigns=[]
    ) == Problem("archive", "unit 1 is busy", lang="en")


def test_the_french_page_says_the_rules_in_french(
    browser: TestClient, people: dict[str, Any], engine: Engine, org: Org
) -> None:
    csrf = _hr(browser)
    ids = _ids(people)
    kitchen = _add(engine, org, "Kitchen", ids["org"], kind="team")
    form = browser.get(f"/console/chart/units/{ids['d']}?lang=fr")
    assert '<html lang="fr">' in form.text
    assert FR["chart_edit.title"].format(name="Nursing") in _text(form.text)
    with unchanged(engine):
        empty = _save(browser, csrf, ids["d"], lang="fr", name="", parent=str(kitchen))
        refused = _save(
            browser, csrf, ids["d"], lang="fr", name="Soins", kind="department", parent=str(kitchen)
        )
    assert empty.status_code == refused.status_code == 422
    assert _summary(empty.text) == [
        ("name", FR["chart_edit.error_name_missing"]),
        ("kind", FR["chart_edit.error_kind_missing"]),
    ]
    message = FR["chart_edit.error_parent_team"].format(parent="Kitchen")
    assert _summary(refused.text) == [("parent", _text(message))]
    assert str(escape(message)) in refused.text  # with its narrow no-break space before ":"
    assert _field_error(refused.text, "parent").startswith(_text(FR["common.error_prefix"]))
    assert FR["errors.summary"] in _text(refused.text)
    assert "is a team" not in refused.text
    assert 'action="/console/chart/units/' + str(ids["d"]) + '?lang=fr"' in refused.text
    with unchanged(engine):
        archive = browser.post(
            f"/console/chart/units/{ids['d']}/archive?lang=fr", data={"csrf": csrf}
        )
    assert archive.status_code == 409
    message = FR["chart_edit.error_refused_units.other"].format(
        name="Nursing", units="Night ward, Day ward"
    )
    assert _summary(archive.text) == [("archive", _text(message))]


# -- archiving ---------------------------------------------------------------------------------


def test_archiving_asks_first_then_takes_the_unit_out_of_the_chart(
    browser: TestClient, people: dict[str, Any], engine: Engine, org: Org
) -> None:
    csrf = _hr(browser)
    ids = _ids(people)
    pharmacy = _add(engine, org, "Pharmacy", ids["org"])
    with unchanged(engine):
        asked = browser.get(f"/console/chart/units/{pharmacy}/archive")
    assert asked.status_code == 200
    text = _text(asked.text)
    assert EN["chart_edit.archive_title"].format(name="Pharmacy") in text
    for key in ("tree", "campaigns", "results", "frozen", "final", "when"):
        assert EN[f"chart_edit.archive_{key}"] in text, key
    assert re.search(
        r'<button class="button button--warning" type="submit" id="archive">', asked.text
    )
    assert f'href="/console/chart/units/{pharmacy}?lang=en"' in asked.text  # cancel
    done = browser.post(
        f"/console/chart/units/{pharmacy}/archive", data={"csrf": csrf}, follow_redirects=False
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/console/chart?archived={pharmacy}"
    chart = browser.get(done.headers["location"])
    assert EN["chart_edit.notice_archived"].format(name="Pharmacy") in _text(chart.text)
    assert "Pharmacy" not in _tree(chart.text)
    assert _stored(engine, pharmacy).archived_at is not None
    with Session(engine, expire_on_commit=False) as session:
        log = campaign_services.audit_log(session, organisation_id=org.organisation_id)
    assert [(str(e.action), e.unit_id) for e in log][-1] == ("unit_archived", pharmacy)
    # Out of the chart: no page of its own, not offered for a new campaign nor as a parent.
    assert browser.get(f"/console/chart/units/{pharmacy}").status_code == 404
    assert f'id="unit-{pharmacy}"' not in browser.get("/console/campaigns/new").text
    offered = _options(browser.get(f"/console/chart/units/{ids['t1']}").text)
    assert str(pharmacy) not in [value for value, _, _ in offered]
    # Pressed twice: nothing more happens.
    with unchanged(engine):
        again = browser.post(
            f"/console/chart/units/{pharmacy}/archive", data={"csrf": csrf}, follow_redirects=False
        )
    assert again.status_code == 303


def test_archiving_is_refused_with_the_services_reason_while_it_has_units_or_open_campaigns(
    browser: TestClient, people: dict[str, Any], engine: Engine
) -> None:
    csrf = _hr(browser)
    ids = _ids(people)
    with unchanged(engine):
        nursing = browser.post(f"/console/chart/units/{ids['d']}/archive", data={"csrf": csrf})
        night = browser.post(f"/console/chart/units/{ids['t1']}/archive", data={"csrf": csrf})
    assert nursing.status_code == night.status_code == 409
    assert _summary(nursing.text) == [
        (
            "archive",
            EN["chart_edit.error_refused_units.other"].format(
                name="Nursing", units="Night ward, Day ward"
            ),
        )
    ]
    assert _summary(night.text) == [
        (
            "archive",
            EN["chart_edit.error_refused_campaigns.one"].format(
                name="Night ward", campaigns="Spring"
            ),
        )
    ]
    assert 'id="archive"' in night.text


# -- who may, and forgeries ----------------------------------------------------------------


@pytest.mark.parametrize("who", ["lead", "works"])
def test_leaders_and_auditors_find_no_unit_page(
    browser: TestClient, people: dict[str, Any], engine: Engine, who: str
) -> None:
    ids = _ids(people)
    _sign_in(browser, f"{who}@acme.example")
    home = browser.get("/portal" if who == "lead" else "/console")
    csrf = _csrf(home.text)
    missing = browser.get(f"/console/chart/units/{MISSING}")
    assert missing.status_code == 404
    with unchanged(engine):
        for path in (
            f"/console/chart/units/{ids['t1']}",
            f"/console/chart/units/{ids['t1']}/archive",
        ):
            page = browser.get(path)
            assert page.status_code == 404
            assert page.text == missing.text.replace(
                f"/units/{MISSING}", path.removeprefix("/console/chart")
            )
            posted = browser.post(
                path, data={"csrf": csrf, "name": "X", "kind": "team", "parent": str(ids["d"])}
            )
            assert posted.status_code == 404


def test_an_unknown_or_another_organisations_unit_has_no_page(
    browser: TestClient, people: dict[str, Any], engine: Engine
) -> None:
    csrf = _hr(browser)
    with Session(engine, expire_on_commit=False) as session:
        other, _ = init_organisation(session, OrganisationCreate(name="Other"))
        assert other.id is not None
        (theirs,) = org_chart.import_units(
            session,
            organisation_id=other.id,
            rows=[UnitImportRow(external_id="o", name="Theirs", kind="organisation")],
        )
    for unit_id in (str(MISSING), "abc", "9" * 40, str(theirs.id)):
        assert browser.get(f"/console/chart/units/{unit_id}").status_code == 404, unit_id
        assert browser.get(f"/console/chart/units/{unit_id}/archive").status_code == 404
    with unchanged(engine):
        typed = {"name": "Mine now", "kind": "organisation", "parent": ""}
        assert _save(browser, csrf, str(theirs.id), **typed).status_code == 404
        archived = browser.post(f"/console/chart/units/{theirs.id}/archive", data={"csrf": csrf})
        assert archived.status_code == 404


def test_a_forged_or_cross_site_post_changes_nothing(
    browser: TestClient, people: dict[str, Any], engine: Engine
) -> None:
    csrf = _hr(browser)
    ids = _ids(people)
    typed = {"name": "Forged", "kind": "team", "parent": str(ids["d"])}
    with unchanged(engine):
        for path in (
            f"/console/chart/units/{ids['t2']}",
            f"/console/chart/units/{ids['t2']}/archive",
        ):
            assert browser.post(path, data=typed).status_code == 403
            assert browser.post(path, data={"csrf": "nope", **typed}).status_code == 403
            crossed = browser.post(
                path, data={"csrf": csrf, **typed}, headers={"Sec-Fetch-Site": "cross-site"}
            )
            assert crossed.status_code == 403


def test_signed_out_a_units_page_leads_to_the_sign_in_form(
    browser: TestClient, people: dict[str, Any]
) -> None:
    path = f"/console/chart/units/{_ids(people)['d']}"
    asked = browser.get(path, follow_redirects=False)
    assert asked.status_code == 303
    assert asked.headers["location"] == f"/signin?next={path}"
