"""Answer export (CSV, SPSS, codebook) and import over HTTP, on both databases: the codes, the
labels, the folding of small units, who may, and that a refused import stores nothing."""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pyreadstat
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from analysis.scoring import score_scales
from api.services import campaigns as services
from api.services.access import init_organisation
from api.store import repositories as repo
from api.store.models import OrganisationCreate, Response, ResponseCreate
from instrument import load_builtin
from tests.api.conftest import INSTRUMENT, Org, table_counts

CORE = load_builtin(INSTRUMENT)
ITEMS = CORE.item_ids
SCORES = [f"score_{s.id}" for s in CORE.scales] + [f"score_{c.id}" for c in CORE.composites]
COLUMNS = [*("unit_id", "unit_name", "unit_pooled", "language"), *ITEMS, *SCORES]
COLUMNS += ["careless", "careless_rules"]
"""The export's columns: the unit's, the items, the scale scores, the careless flag."""
CSV_HEADERS = {"Content-Type": "text/csv"}
ROUTES = [
    ("GET", "export.csv"),
    ("GET", "export.sav"),
    ("GET", "codebook"),
    ("GET", "codebook?format=csv"),
    ("POST", "import"),
]


# -- the database ---------------------------------------------------------------------------------


@pytest.fixture
def engine(emptied_database: Engine) -> Engine:
    """The module's database, migrated once and emptied before each test (tests/conftest.py)."""
    return emptied_database


# -- helpers ------------------------------------------------------------------------------------


def _unit(
    org: Org,
    name: str,
    *,
    parent: int | None = None,
    external_id: str | None = None,
    kind: str | None = None,
) -> int:
    """A unit: the organisation at the root, a team under a parent, or the ``kind`` given (a
    department, which may have units under it)."""
    kind = kind or ("organisation" if parent is None else "team")
    answer = org.client.post(
        "/api/v1/units",
        json={"name": name, "kind": kind, "parent_id": parent, "external_id": external_id},
        headers=org.headers(),
    )
    assert answer.status_code == 201, answer.text
    unit_id: int = answer.json()["id"]
    return unit_id


def _campaign(
    org: Org,
    unit_ids: Sequence[int],
    *,
    min_group_size: int = 5,
    languages: Sequence[str] = ("en", "fr"),
    open_it: bool = True,
) -> int:
    answer = org.client.post(
        "/api/v1/campaigns",
        json={
            "name": "Spring",
            "instrument": INSTRUMENT,
            "unit_ids": list(unit_ids),
            "languages": list(languages),
            "min_group_size": min_group_size,
        },
        headers=org.headers(),
    )
    assert answer.status_code == 201, answer.text
    campaign_id: int = answer.json()["id"]
    if open_it:
        opened = org.client.post(f"/api/v1/campaigns/{campaign_id}/open", headers=org.headers())
        assert opened.status_code == 200, opened.text
    return campaign_id


def _answers(seed: int) -> dict[str, int | None]:
    """A full, distinct set of answers for each seed."""
    return {item_id: (seed * 3 + index) % 7 + 1 for index, item_id in enumerate(ITEMS)}


def _submit(engine: Engine, campaign_id: int, responses: Sequence[ResponseCreate]) -> None:
    with Session(engine, expire_on_commit=False) as session:
        services.submit_responses(session, campaign_id=campaign_id, responses=responses)


def _fill(engine: Engine, campaign_id: int, sizes: Mapping[int, int]) -> None:
    """``sizes[unit]`` full responses in each unit."""
    _submit(
        engine,
        campaign_id,
        [
            ResponseCreate(unit_id=unit_id, answers=_answers(unit_id * 100 + n))
            for unit_id, count in sizes.items()
            for n in range(count)
        ],
    )


def _get(org: Org, campaign_id: int, path: str, key: str | None = None) -> httpx.Response:
    """An output of the campaign, once HR has closed it (outputs come from closed campaigns
    only; closing one already closed is refused, and changes nothing)."""
    org.client.post(f"/api/v1/campaigns/{campaign_id}/close", headers=org.headers())
    return org.client.get(f"/api/v1/campaigns/{campaign_id}/{path}", headers=org.headers(key))


def _import(org: Org, campaign_id: int, body: str, key: str | None = None) -> httpx.Response:
    return org.client.post(
        f"/api/v1/campaigns/{campaign_id}/import",
        content=body.encode(),
        headers={**org.headers(key), **CSV_HEADERS},
    )


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _stored(engine: Engine, campaign_id: int) -> list[tuple[int, str, dict[str, Any]]]:
    with Session(engine) as session:
        rows = repo.response_contents(session, campaign_id=campaign_id)
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))


def _errors(answer: httpx.Response) -> list[str]:
    return [f"{e['field']}: {e['reason']}" for e in answer.json()["errors"]]


@pytest.fixture
def team(org: Org) -> dict[str, int]:
    """A root with one team under it; an open campaign (en, fr) over the team."""
    root = _unit(org, "Acme")
    night = _unit(org, "Night shift", parent=root, external_id="NIGHT")
    return {"root": root, "night": night, "campaign": _campaign(org, [night])}


# -- export -------------------------------------------------------------------------------------


def test_the_csv_export_codes_does_not_apply_as_minus_nine_and_unanswered_as_blank(
    org: Org, engine: Engine, team: dict[str, int]
) -> None:
    night, campaign = team["night"], team["campaign"]
    partial = ResponseCreate(unit_id=night, language="fr", answers={"HA01": 7, "HA02": None})
    _submit(
        engine,
        campaign,
        [partial, *(ResponseCreate(unit_id=night, answers=_answers(n)) for n in range(4))],
    )

    answer = _get(org, campaign, "export.csv")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    header = answer.text.splitlines()[0].split(",")
    assert header == COLUMNS
    rows = _rows(answer.text)
    assert len(rows) == 5
    (row,) = [r for r in rows if r["language"] == "fr"]
    assert (row["unit_id"], row["unit_name"]) == (str(night), "Night shift")
    assert (row["HA01"], row["HA02"]) == ("7", "-9")
    assert all(row[item] == "" for item in ITEMS[2:])
    full = [r for r in rows if r["language"] == "en"]
    assert all(r[item] in {"1", "2", "3", "4", "5", "6", "7"} for r in full for item in ITEMS)


def test_a_unit_name_that_looks_like_a_formula_is_exported_as_text(
    org: Org, engine: Engine
) -> None:
    root = _unit(org, "Acme")
    team = _unit(org, '=HYPERLINK("http://x")', parent=root)
    campaign = _campaign(org, [team])
    _submit(engine, campaign, [ResponseCreate(unit_id=team, answers=_answers(n)) for n in range(5)])

    rows = _rows(_get(org, campaign, "export.csv").text)

    assert {r["unit_name"] for r in rows} == {'\'=HYPERLINK("http://x")'}
    assert all(r["HA01"].lstrip("-").isdigit() for r in rows)  # numbers stay numbers


def test_the_export_holds_neither_response_ids_nor_submission_days(
    org: Org, engine: Engine, team: dict[str, int]
) -> None:
    _fill(engine, team["campaign"], {team["night"]: 5})
    with Session(engine) as session:
        stored = list(session.exec(select(Response)))
    text = _get(org, team["campaign"], "export.csv").text
    assert not {"id", "submitted_on"} & set(text.splitlines()[0].split(","))
    assert not any(r.id in text or r.submitted_on.isoformat() in text for r in stored)


def test_row_order_follows_the_answers_and_never_the_order_of_submission(
    org: Org, engine: Engine
) -> None:
    root = _unit(org, "Acme")
    day, night = _unit(org, "Day shift", parent=root), _unit(org, "Night shift", parent=root)
    responses = [
        ResponseCreate(unit_id=unit_id, answers=_answers(seed))
        for unit_id in (night, day)
        for seed in (4, 1, 6, 2, 5)
    ]
    first, second = _campaign(org, [day, night]), _campaign(org, [day, night])
    _submit(engine, first, responses)
    _submit(engine, second, list(reversed(responses)))

    exported = [_get(org, c, "export.csv").text for c in (first, second)]

    assert exported[0] == exported[1]
    rows = _rows(exported[0])
    assert [r["unit_name"] for r in rows] == ["Day shift"] * 5 + ["Night shift"] * 5
    keys = [tuple(int(r[item]) for item in ITEMS) for r in rows[:5]]
    assert keys == sorted(keys)


def test_the_spss_file_carries_labels_in_the_first_language_and_minus_nine_as_user_missing(
    org: Org, engine: Engine, tmp_path: Path
) -> None:
    root = _unit(org, "Acme")
    night = _unit(org, "Night shift", parent=root)
    campaign = _campaign(org, [night], languages=["fr", "en"])
    partial = ResponseCreate(unit_id=night, language="fr", answers={"HA01": 2, "HA02": None})
    _submit(
        engine,
        campaign,
        [partial, *(ResponseCreate(unit_id=night, answers=_answers(n)) for n in range(4))],
    )

    answer = _get(org, campaign, "export.sav")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/x-spss-sav"
    path = tmp_path / "answers.sav"
    path.write_bytes(answer.content)
    kept, meta = pyreadstat.read_sav(path, user_missing=True)
    dropped, _ = pyreadstat.read_sav(path)
    assert list(kept.columns) == COLUMNS
    assert meta.column_names_to_labels["HA01"] == CORE.item("HA01").text["fr"]
    assert meta.column_names_to_labels["unit_name"] == "Nom de l'unité"
    scale = CORE.response_scale
    assert meta.variable_value_labels["HA01"] == {
        **{float(v): label for v, label in zip(scale.values, scale.labels["fr"], strict=True)},
        -9.0: scale.not_applicable["fr"],
    }
    assert meta.variable_value_labels["unit_id"] == {float(night): "Night shift"}
    assert meta.missing_ranges["HA02"] == [{"lo": -9.0, "hi": -9.0}]
    assert meta.variable_measure["HA01"] == "ordinal"
    row = kept.index[kept["language"] == "fr"][0]
    assert (kept.at[row, "HA01"], kept.at[row, "HA02"]) == (2.0, -9.0)
    assert math.isnan(kept.at[row, "HA03"])
    assert math.isnan(dropped.at[row, "HA02"])
    assert kept.loc[kept["language"] == "en", list(ITEMS)].notna().all().all()


def test_the_codebook_describes_every_variable_in_every_campaign_language(
    org: Org, engine: Engine, team: dict[str, int]
) -> None:
    _fill(engine, team["campaign"], {team["night"]: 5})

    book = _get(org, team["campaign"], "codebook").json()

    assert book["instrument"] == INSTRUMENT
    assert book["languages"] == ["en", "fr"]
    assert book["folding"] == []
    variables = {v["name"]: v for v in book["variables"]}
    assert list(variables) == COLUMNS
    reverse = variables["HA04"]
    assert CORE.item("HA04").reverse
    assert reverse["reverse"] is True
    assert variables["HA01"]["reverse"] is False
    assert reverse["label"] == {lang: CORE.item("HA04").text[lang] for lang in ("en", "fr")}
    assert reverse["scale_id"] == "HA"
    assert reverse["scale_name"] == {
        "en": "Horizontal accountability",
        "fr": "Redevabilité horizontale",
    }
    assert reverse["measure"] == "ordinal"
    assert [v["value"] for v in reverse["values"]] == [1, 2, 3, 4, 5, 6, 7]
    assert reverse["values"][0]["label"] == {
        "en": "Strongly disagree",
        "fr": "Pas du tout d'accord",
    }
    assert reverse["missing"] == [{"value": -9, "label": CORE.response_scale.not_applicable}]
    assert variables["unit_id"]["values"] == [
        {"value": team["night"], "label": {"en": "Night shift", "fr": "Night shift"}}
    ]


def test_the_codebook_comes_as_csv_with_a_column_per_language(
    org: Org, engine: Engine, team: dict[str, int]
) -> None:
    _fill(engine, team["campaign"], {team["night"]: 5})

    answer = _get(org, team["campaign"], "codebook?format=csv")

    assert answer.headers["content-type"].startswith("text/csv")
    rows = {r["name"]: r for r in _rows(answer.text)}
    assert list(rows) == COLUMNS
    assert rows["HA04"]["label_fr"] == CORE.item("HA04").text["fr"]
    assert (rows["HA04"]["scale_id"], rows["HA04"]["reverse"]) == ("HA", "true")
    assert rows["HA04"]["values_en"].startswith("1=Strongly disagree; 2=Disagree")
    # Text that starts like a formula reaches a spreadsheet as text: -9 is a code in the text.
    assert rows["HA04"]["missing_fr"] == f"'-9={CORE.response_scale.not_applicable['fr']}"


def test_a_campaign_without_responses_exports_its_columns_only(
    org: Org, team: dict[str, int], tmp_path: Path
) -> None:
    campaign = team["campaign"]
    assert _get(org, campaign, "export.csv").text == ",".join(COLUMNS) + "\r\n"
    path = tmp_path / "empty.sav"
    path.write_bytes(_get(org, campaign, "export.sav").content)
    frame, _ = pyreadstat.read_sav(path)
    assert frame.shape == (0, len(COLUMNS))
    assert _get(org, campaign, "codebook").json()["folding"] == []


# -- labels: the campaign's disclosure decision --------------------------------------------------


def _counts(text: str) -> Counter[tuple[str, str]]:
    return Counter((row["unit_name"], row["unit_pooled"]) for row in _rows(text))


def test_small_units_are_pooled_up_the_chart_until_the_pool_reaches_the_minimum(
    org: Org, engine: Engine
) -> None:
    acme = _unit(org, "Acme")
    operations = _unit(org, "Operations", parent=acme, kind="department")
    night = _unit(org, "Night shift", parent=operations)
    day = _unit(org, "Day shift", parent=operations)
    sales = _unit(org, "Sales", parent=acme, kind="department")
    field = _unit(org, "Field", parent=sales)
    units = [acme, operations, night, day, sales, field]
    campaign = _campaign(org, units, min_group_size=6)
    # Day shift and Operations' own 6 are teams of their own. Night shift's 2 wait at
    # Operations; Sales' 2 and Field's 3 are short together; all of them reach the minimum at
    # the root, with its own 4: one pool of 11 under "Acme".
    _fill(engine, campaign, {acme: 4, operations: 6, night: 2, day: 6, sales: 2, field: 3})

    exported = _get(org, campaign, "export.csv")
    book = _get(org, campaign, "codebook").json()

    assert _counts(exported.text) == {
        ("Acme", "1"): 11,
        ("Operations", "0"): 6,
        ("Day shift", "0"): 6,
    }
    assert {r["unit_id"] for r in _rows(exported.text)} == {str(acme), str(operations), str(day)}
    assert [(f["unit_name"], f["folded_into_unit_name"]) for f in book["folding"]] == [
        ("Field", "Acme"),
        ("Night shift", "Acme"),
        ("Sales", "Acme"),
    ]
    assert (book["withheld"], book["withheld_rows"]) == ([], 0)
    csv_book = {r["name"]: r for r in _rows(_get(org, campaign, "codebook?format=csv").text)}
    assert csv_book["unit_id"]["notes_en"] == (
        f"snapshot: {book['snapshot']}; folded: Field into Acme; Night shift into Acme;"
        " Sales into Acme"
    )
    assert csv_book["unit_pooled"]["values_en"].startswith("0=the unit's own rows; 1=")


def test_a_department_short_on_its_own_is_a_pool_with_its_small_team(
    org: Org, engine: Engine
) -> None:
    acme = _unit(org, "Acme")
    sales = _unit(org, "Sales", parent=acme, kind="department")
    field = _unit(org, "Field", parent=sales)
    campaign = _campaign(org, [sales, field], min_group_size=5)
    _fill(engine, campaign, {sales: 2, field: 3})

    assert _counts(_get(org, campaign, "export.csv").text) == {("Sales", "1"): 5}
    assert [
        (f["unit_name"], f["folded_into_unit_name"])
        for f in _get(org, campaign, "codebook").json()["folding"]
    ] == [("Field", "Sales")]


def test_rows_that_reach_no_pool_are_withheld_and_counted_in_the_codebook(
    org: Org, engine: Engine
) -> None:
    acme = _unit(org, "Acme")
    big = _unit(org, "Big", parent=acme)
    small = _unit(org, "Small", parent=acme)
    campaign = _campaign(org, [big, small], min_group_size=5)
    _fill(engine, campaign, {big: 7, small: 3})

    assert _counts(_get(org, campaign, "export.csv").text) == {("Big", "0"): 7}
    book = _get(org, campaign, "codebook").json()
    assert book["withheld"] == [{"unit_id": small, "unit_name": "Small"}]
    assert book["withheld_rows"] == 3
    notes = {r["name"]: r for r in _rows(_get(org, campaign, "codebook?format=csv").text)}
    assert notes["unit_id"]["notes_en"].endswith("; withheld: 3 rows of Small")
    assert notes["unit_id"]["notes_fr"].endswith("; retenues : 3 réponses de Small")


@pytest.mark.parametrize("path", ["export.csv", "export.sav", "codebook", "codebook?format=csv"])
def test_the_export_is_refused_when_no_row_reaches_the_minimum(
    org: Org, engine: Engine, team: dict[str, int], path: str
) -> None:
    _fill(engine, team["campaign"], {team["night"]: 3})

    answer = _get(org, team["campaign"], path)

    assert answer.status_code == 409
    assert answer.json()["detail"] == (
        "the export would single out respondents: no unit, even pooled with the units around"
        " it up to the top of the organisation chart, has as many responses as the minimum"
        " group size of 5"
    )


def test_hr_cannot_peel_a_published_team_off_an_export_label(org: Org, engine: Engine) -> None:
    """The second attack: the export folded T1 and T5 into their departments while the
    results published T1's and T5's means, so HR matched T1's rows under a department's name
    and was left with the rows of T3 (2 people) and T7 (3). Now both follow one decision:
    every team the results show carries its own name in the export, with exactly the
    results' respondents, and the small teams' rows are one pool of at least the minimum."""
    acme = _unit(org, "Acme")
    dept_a = _unit(org, "Dept A", parent=acme, kind="department")
    dept_b = _unit(org, "Dept B", parent=acme, kind="department")
    t1, t3 = _unit(org, "T1", parent=dept_a), _unit(org, "T3", parent=dept_a)
    t5, t7 = _unit(org, "T5", parent=dept_b), _unit(org, "T7", parent=dept_b)
    campaign = _campaign(org, [t1, t3, t5, t7], min_group_size=5)
    _fill(engine, campaign, {t1: 6, t3: 2, t5: 6, t7: 3})

    rows = _rows(_get(org, campaign, "export.csv").text)
    results = _get(org, campaign, "results").json()
    shown = {u["name"]: u for u in results["units"] if not u["suppressed"]}
    assert set(shown) == {"T1", "T5"}
    labels = Counter((r["unit_name"], r["unit_pooled"]) for r in rows)
    assert labels == {("T1", "0"): 6, ("T5", "0"): 6, ("Acme", "1"): 5}
    for name, unit in shown.items():
        # HR can recompute the published means from the rows under the team's own name:
        # nothing is left over to subtract from any other label.
        assert labels[(name, "0")] == unit["respondents"]
        answers = pd.DataFrame(
            [{i: float(r[i]) for i in ITEMS} for r in rows if r["unit_name"] == name]
        )
        recomputed = score_scales(answers.replace(-9.0, np.nan), instrument=CORE).mean()
        for score in unit["scores"]:
            assert math.isclose(recomputed[score["scale"]], score["mean"]), score["scale"]
    assert all(count >= 5 for count in labels.values())


# -- who may ------------------------------------------------------------------------------------


def _call(
    org: Org, team: dict[str, int], method: str, path: str, key: str | None
) -> httpx.Response:
    """The route, with a body an admin's import would store."""
    if method == "POST":
        return _import(org, team["campaign"], f"unit_id,HA01\n{team['night']},3\n", key=key)
    # Refused before anything is looked at: the campaign may stay open.
    return org.client.get(f"/api/v1/campaigns/{team['campaign']}/{path}", headers=org.headers(key))


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_leader_may_neither_export_nor_import_raw_answers(
    org: Org, engine: Engine, team: dict[str, int], method: str, path: str
) -> None:
    _fill(engine, team["campaign"], {team["night"]: 5})
    issued = org.client.post(
        "/api/v1/keys", json={"role": "leader", "unit_id": team["root"]}, headers=org.headers()
    )
    before = table_counts(engine)

    answer = _call(org, team, method, path, issued.json()["key"])

    assert answer.status_code == 403
    assert answer.json()["detail"] == "this needs an admin key"
    assert table_counts(engine) == before


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_another_organisations_campaign_does_not_exist_for_export_or_import(
    org: Org, engine: Engine, team: dict[str, int], method: str, path: str
) -> None:
    _fill(engine, team["campaign"], {team["night"]: 5})
    with Session(engine, expire_on_commit=False) as session:
        _, other = init_organisation(session, OrganisationCreate(name="Globex"))
    before = table_counts(engine)

    answer = _call(org, team, method, path, other.key)

    assert answer.status_code == 404
    assert answer.json()["detail"] == f"campaign {team['campaign']} does not exist"
    assert table_counts(engine) == before


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_export_and_import_need_a_key(
    org: Org, team: dict[str, int], method: str, path: str
) -> None:
    url = f"/api/v1/campaigns/{team['campaign']}/{path}"
    answer = org.client.request(method, url, content=b"unit_id,HA01\n1,3\n", headers=CSV_HEADERS)
    assert answer.status_code == 401


# -- import -------------------------------------------------------------------------------------


def test_an_export_imported_into_another_campaign_gives_back_the_same_answers(
    org: Org, engine: Engine
) -> None:
    root = _unit(org, "Acme")
    day, night = _unit(org, "Day shift", parent=root), _unit(org, "Night shift", parent=root)
    source = _campaign(org, [day, night])
    odd = [
        ResponseCreate(unit_id=day, language="fr", answers={"HA01": 1, "VA02": None}),
        ResponseCreate(unit_id=night, answers={**_answers(9), "TR01": None}),
    ]
    _submit(engine, source, odd)
    _fill(engine, source, {day: 5, night: 6})
    exported = _get(org, source, "export.csv").text
    target = _campaign(org, [day, night])

    answer = _import(org, target, exported)

    assert answer.status_code == 201, answer.text
    assert answer.json() == {"imported": 13}
    assert _get(org, target, "export.csv").text == exported
    assert _stored(engine, target) == _stored(engine, source)


def test_an_import_takes_a_spreadsheets_csv_with_external_ids_na_and_the_default_language(
    org: Org, engine: Engine, team: dict[str, int]
) -> None:
    body = "\ufeffunit_external_id;HA02;HA01\r\nNIGHT;na;7\r\nNIGHT;;-9\r\n"

    answer = _import(org, team["campaign"], body)

    assert answer.status_code == 201, answer.text
    assert answer.json() == {"imported": 2}
    night = team["night"]
    assert _stored(engine, team["campaign"]) == sorted(
        [(night, "en", {"HA01": 7, "HA02": None}), (night, "en", {"HA01": None})],
        key=lambda row: json.dumps(row, sort_keys=True),
    )


def test_an_import_with_bad_rows_lists_every_problem_by_line_and_stores_nothing(
    org: Org, engine: Engine, team: dict[str, int]
) -> None:
    night, root = team["night"], team["root"]
    body = "\n".join(
        [
            "unit_id,unit_name,language,HA01,HA02,HA03",
            f"{night},Night shift,en,7,na,",
            f"{night},Night shift,en,seven,1,2",
            f"{night},Night shift,fr,8,0,1",
            f"{root},Acme,en,1,1,1",
            f"{night},Night shift,de,1,1,1",
            f"{night},Night shift,en,,,",
            ",Night shift,en,1,2,3",
            f"{night},Night shift,en,1,2",
            "",
            f"x{night},Night shift,en,1,2,3",
        ]
    )
    before = table_counts(engine)

    answer = _import(org, team["campaign"], body)

    assert answer.status_code == 422
    assert _errors(answer) == [
        "rows[3].HA01: 'seven' is not an integer, -9 or na",
        "rows[4].HA01: 8 is outside the scale 1..7",
        "rows[4].HA02: 0 is outside the scale 1..7",
        f"rows[5].unit_id: unit {root} is not part of the campaign",
        "rows[6].language: 'de' is not a language of the campaign",
        "rows[7]: no item is answered: give -9 or na for 'does not apply'",
        "rows[8].unit_id: is required",
        "rows[9]: has 5 cells, the header 6",
        f"rows[11].unit_id: 'x{night}' is not a unit id (a whole number)",
    ]
    assert table_counts(engine) == before


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "language,HA01,HA01,XX99,\nen,1,2,3,\n",
            [
                "rows[1].HA01: duplicate column: also column 2",
                "rows[1].XX99: unknown column: not an item of transversal-core@1.0.0, nor one of"
                " unit_id, unit_name, unit_pooled, language, unit_external_id",
                "rows[1].(column 5): the column has no name",
                "rows[1].unit_id: missing column: unit_id or unit_external_id",
            ],
        ),
        (
            "unit_id,unit_external_id,HA01\n{night},NIGHT,3\n",
            ["rows[1].unit_external_id: give unit_id or unit_external_id, not both"],
        ),
        (
            "unit_external_id,HA01\nDAY,3\n",
            ["rows[2].unit_external_id: no unit of the organisation has the external id 'DAY'"],
        ),
        ("unit_id,HA01\n", ["rows: no rows: the file has a header line and nothing under it"]),
        (
            "\n \n",
            [
                "header: the file is empty: it needs a header line naming the columns, and rows"
                " under it"
            ],
        ),
        (
            'unit_id,HA01\n"' + "x" * 131_073 + '",1\n',
            ["rows[2]: a cell holds more than 10,000 characters, the most a cell may hold"],
        ),
    ],
    ids=["header", "two-unit-columns", "unknown-external-id", "no-rows", "empty", "not-csv"],
)
def test_an_import_problem_is_named_by_line_and_column(
    org: Org, engine: Engine, team: dict[str, int], body: str, expected: list[str]
) -> None:
    before = table_counts(engine)

    answer = _import(org, team["campaign"], body.format(night=team["night"]))

    assert answer.status_code == 422
    assert _errors(answer) == expected
    assert table_counts(engine) == before


def test_a_draft_campaign_takes_no_imported_answers(
    org: Org, engine: Engine, team: dict[str, int]
) -> None:
    draft = _campaign(org, [team["night"]], open_it=False)
    before = table_counts(engine)

    answer = _import(org, draft, f"unit_id,HA01\n{team['night']},3\n")

    assert answer.status_code == 409
    assert "draft" in answer.json()["detail"]
    assert table_counts(engine) == before


def test_a_closed_campaign_takes_no_more_answers(
    org: Org, engine: Engine, team: dict[str, int]
) -> None:
    """Paper answers added after close would change a snapshot whose results may have been
    read, and count over 100 % of the invited: refused, and nothing stored."""
    closed = org.client.post(f"/api/v1/campaigns/{team['campaign']}/close", headers=org.headers())
    assert closed.status_code == 200
    before = table_counts(engine)

    answer = _import(org, team["campaign"], f"unit_id,HA01\n{team['night']},3\n")

    assert answer.status_code == 409
    assert answer.json()["detail"] == (
        f"campaign {team['campaign']} is closed: answers can be imported only while it is open"
        " (a closed campaign's results are frozen in its snapshot)"
    )
    assert table_counts(engine) == before
