"""What an analyst gets beside the raw answers, over HTTP on both databases: the careless flag
(the respondents the analysis excludes, their answers kept, and the rules that excluded them),
the scale scores as the results compute them, labels in every language of the campaign (the
SPSS file in the language asked for, the codebook in all of them), and an attack: with every
file HR can download, tell which pooled respondents belong to which small team."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from sqlalchemy import Engine

from analysis import screen_respondents, simulate_organisation
from analysis.scoring import score_scales
from api.store.models import ResponseCreate
from tests.api.conftest import Org
from tests.api.test_exchange import (
    COLUMNS,
    CORE,
    ITEMS,
    SCORES,
    _answers,
    _campaign,
    _get,
    _rows,
    _submit,
    _unit,
)

SCALES = [s.id for s in CORE.scales] + [c.id for c in CORE.composites]


@pytest.fixture
def engine(emptied_database: Engine) -> Engine:
    """The module's database, migrated once and emptied before each test (tests/conftest.py)."""
    return emptied_database


def _same_answers(value: int) -> dict[str, int | None]:
    """Every item answered ``value``: the longstring rule excludes it."""
    return dict.fromkeys(ITEMS, value)


def _frame(rows: Sequence[Mapping[str, str]]) -> pd.DataFrame:
    """The exported items as the analysis reads them: -9 and blank are missing."""
    return pd.DataFrame(
        [{i: float(r[i]) if r[i] not in ("", "-9") else np.nan for i in ITEMS} for r in rows]
    )


def _sav(content: bytes, tmp_path: Path, name: str) -> tuple[pd.DataFrame, Any]:
    path = tmp_path / name
    path.write_bytes(content)
    return pyreadstat.read_sav(path, user_missing=True)


@pytest.fixture
def night(org: Org, engine: Engine) -> dict[str, int]:
    """A campaign (French first, then English) over one team of 8: 6 attentive respondents,
    one who answered 4 throughout, one who answered one scale's first item only."""
    root = _unit(org, "Acme")
    team = _unit(org, "Night shift", parent=root)
    campaign = _campaign(org, [team], languages=["fr", "en"])
    _submit(
        engine,
        campaign,
        [
            *(ResponseCreate(unit_id=team, answers=_answers(n)) for n in range(6)),
            ResponseCreate(unit_id=team, answers=_same_answers(4)),
            ResponseCreate(unit_id=team, language="en", answers={"HA01": 7, "HA02": None}),
        ],
    )
    return {"team": team, "campaign": campaign}


# -- the careless flag ------------------------------------------------------------------------


def test_a_respondent_the_analysis_excludes_is_flagged_with_the_rule_and_keeps_the_answers(
    org: Org, night: dict[str, int]
) -> None:
    rows = _rows(_get(org, night["campaign"], "export.csv").text)
    results = _get(org, night["campaign"], "results").json()

    assert len(rows) == 8
    flagged = [r for r in rows if r["careless"] == "1"]
    assert [(r["careless_rules"], r["HA01"], r["SR03"]) for r in flagged] == [
        ("longstring", "4", "4")
    ]
    assert all(r[i] == "4" for r in flagged for i in ITEMS)  # the answers are kept
    kept = [r for r in rows if r["careless"] == "0"]
    assert len(kept) == 7
    assert all(r["careless_rules"] == "" for r in kept)
    assert results["excluded"] == 1


def test_the_flag_is_the_analysis_exclusion_row_by_row_with_its_rules(
    org: Org, engine: Engine
) -> None:
    """A simulated organisation of 216, 5 % of them careless: enough respondents for the
    Mahalanobis rule. Each exported row's flag and rules are the screening's for its answers,
    computed here apart from the service."""
    simulated = simulate_organisation(instrument=CORE, n_teams=24, seed=3).responses
    root = _unit(org, "Acme")
    teams = [_unit(org, f"Team {n}", parent=root) for n in range(3)]
    campaign = _campaign(org, teams)
    answers = simulated[list(ITEMS)]
    _submit(
        engine,
        campaign,
        [
            ResponseCreate(
                unit_id=teams[n % 3],
                answers={i: int(v) for i, v in row.items() if not math.isnan(v)},
            )
            for n, (_, row) in enumerate(answers.iterrows())
        ],
    )
    screened = screen_respondents(answers, instrument=CORE).respondents
    expected = {
        tuple(None if math.isnan(v) else int(v) for v in row): (
            int(flags["excluded"]),
            ", ".join(
                r for r in ("longstring", "mahalanobis") if flags["excluded"] and flags[f"flag_{r}"]
            ),
        )
        for row, (_, flags) in zip(
            answers.itertuples(index=False, name=None), screened.iterrows(), strict=True
        )
    }

    rows = _rows(_get(org, campaign, "export.csv").text)

    assert len(rows) == len(simulated)
    found = {
        tuple(None if r[i] in ("", "-9") else int(r[i]) for i in ITEMS): (
            int(r["careless"]),
            r["careless_rules"],
        )
        for r in rows
    }
    assert found == expected
    rules = [r["careless_rules"] for r in rows if r["careless"] == "1"]
    assert "mahalanobis" in {rule for text in rules for rule in text.split(", ")}
    assert "longstring" in {rule for text in rules for rule in text.split(", ")}
    assert (
        sum(r["careless"] == "1" for r in rows) == _get(org, campaign, "results").json()["excluded"]
    )


# -- scale scores -----------------------------------------------------------------------------


def test_scale_scores_stand_beside_the_items_as_the_results_compute_them(
    org: Org, night: dict[str, int]
) -> None:
    rows = _rows(_get(org, night["campaign"], "export.csv").text)
    results = _get(org, night["campaign"], "results").json()

    assert list(rows[0]) == COLUMNS
    expected = score_scales(_frame(rows), instrument=CORE)
    for index, row in enumerate(rows):
        for scale in SCALES:
            cell, value = row[f"score_{scale}"], expected.at[index, scale]
            if math.isnan(value):
                assert cell == "", (scale, cell)
            else:
                assert float(cell) == value, (scale, cell, value)
    # HA01 alone is under the four answers HA needs: no score, and none of the others either.
    (partial,) = [r for r in rows if r["HA02"] == "-9"]
    assert all(partial[f"score_{scale}"] == "" for scale in SCALES)
    # Their means are the team's published means, careless respondent included.
    (unit,) = results["units"]
    for score in unit["scores"]:
        cells = [float(r[f"score_{score['scale']}"]) for r in rows if r[f"score_{score['scale']}"]]
        assert math.isclose(sum(cells) / len(cells), score["mean"]), score["scale"]


# -- labels in the campaign's languages ---------------------------------------------------------


def test_the_spss_file_comes_in_each_language_of_the_campaign_with_the_scores_and_the_flag(
    org: Org, night: dict[str, int], tmp_path: Path
) -> None:
    campaign = night["campaign"]
    default = _get(org, campaign, "export.sav")
    english = _get(org, campaign, "export.sav?language=en")
    csv_rows = _rows(_get(org, campaign, "export.csv").text)

    assert english.headers["content-disposition"].endswith('-answers-en.sav"')
    frames = {}
    for language, answer in (("fr", default), ("en", english)):
        assert answer.status_code == 200, answer.text
        frame, meta = _sav(answer.content, tmp_path, f"{language}.sav")
        frames[language] = frame
        assert list(frame.columns) == COLUMNS
        labels = meta.column_names_to_labels
        assert labels["HA01"] == CORE.item("HA01").text[language]
        assert labels["score_HA"] == (
            "Score : Redevabilité horizontale" if language == "fr"
            else "Score: Horizontal accountability"
        )  # fmt: skip
        assert labels["score_LC"].endswith(CORE.composites[0].name[language])
        assert labels["careless"].startswith(
            "Exclu pour réponses négligentes" if language == "fr" else "Excluded as careless"
        )
        assert meta.variable_value_labels["careless"] == (
            {0.0: "conservé", 1.0: "exclu pour réponses négligentes"} if language == "fr"
            else {0.0: "kept", 1.0: "excluded as careless"}
        )  # fmt: skip
        assert meta.variable_value_labels["HA01"][1.0] == CORE.response_scale.labels[language][0]
        assert meta.variable_measure["score_HA"] == "scale"
        assert meta.variable_measure["careless"] == "nominal"
    pd.testing.assert_frame_equal(frames["fr"], frames["en"])
    # The same values as the CSV, row by row: scores system-missing where blank.
    frame = frames["fr"]
    for index, row in enumerate(csv_rows):
        assert int(frame.at[index, "careless"]) == int(row["careless"])
        assert frame.at[index, "careless_rules"] == row["careless_rules"]
        for column in SCORES:
            value = frame.at[index, column]
            assert (math.isnan(value) and row[column] == "") or value == float(row[column])
    assert frame["careless"].tolist().count(1) == 1


@pytest.mark.parametrize("language", ["de", "", "EN"])
def test_a_language_the_campaign_lacks_is_refused_with_the_field_named(
    org: Org, night: dict[str, int], language: str
) -> None:
    answer = _get(org, night["campaign"], f"export.sav?language={language}")

    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {
            "field": "language",
            "reason": f"{language!r} is not a language of the campaign: give one of fr, en",
        }
    ]


def test_the_codebook_gives_every_text_in_every_language_and_the_keying_in_both_forms(
    org: Org, night: dict[str, int]
) -> None:
    book = _get(org, night["campaign"], "codebook").json()
    table = _rows(_get(org, night["campaign"], "codebook?format=csv").text)

    variables = {v["name"]: v for v in book["variables"]}
    assert list(variables) == COLUMNS
    assert set(book["not_answered"]) == {"fr", "en"}
    assert book["not_answered"]["fr"].startswith("sans réponse")
    for name, variable in variables.items():
        assert set(variable["label"]) == {"fr", "en"}, name
        assert len(set(variable["label"].values())) == 2 or name.startswith("unit_id"), name
    score = variables["score_HA"]
    assert (score["scale_id"], score["measure"], score["type"]) == ("HA", "scale", "numeric")
    assert score["notes"]["en"] == (
        "mean of the answered items (HA01 HA02 HA03 HA04 HA05 HA06) after reverse keying,"
        " HA04 reversed as 8 - answer; blank with fewer than 4 answered"
    )
    assert score["notes"]["fr"].startswith("moyenne des items répondus")
    assert variables["score_LC"]["notes"]["en"].endswith("blank with fewer than 4 of them")
    careless = variables["careless"]
    assert [(v["value"], v["label"]["fr"]) for v in careless["values"]] == [
        (0, "conservé"),
        (1, "exclu pour réponses négligentes"),
    ]
    assert careless["notes"]["en"].startswith(
        "longstring: the longest run of identical answers covers at least 80% of the items"
    )
    assert "p < 0.001" in careless["notes"]["fr"]
    # The CSV form: a column per language for every text, the keying of every item as in JSON.
    header = list(table[0])
    for text in ("label", "scale_name", "values", "missing", "notes"):
        assert [c for c in header if c.startswith(f"{text}_")] == [f"{text}_fr", f"{text}_en"]
    by_name = {r["name"]: r for r in table}
    for item in ITEMS:
        keyed = "true" if variables[item]["reverse"] else "false"
        assert by_name[item]["reverse"] == keyed, item
        assert keyed == ("true" if CORE.item(item).reverse else "false")
    assert by_name["score_HA"]["notes_en"] == score["notes"]["en"]
    assert by_name["careless"]["values_fr"] == "0=conservé; 1=exclu pour réponses négligentes"
    assert by_name["unit_id"]["notes_fr"] == f"instantané : {book['snapshot']}"


def test_an_export_with_its_scores_and_flag_imports_back_as_the_same_answers(
    org: Org, engine: Engine, night: dict[str, int]
) -> None:
    """The derived columns are read again from the answers, never taken from the file."""
    exported = _get(org, night["campaign"], "export.csv").text
    target = _campaign(org, [night["team"]], languages=["fr", "en"])
    tampered = exported.replace(",1,longstring\r\n", ",0,\r\n")
    assert tampered != exported

    answer = org.client.post(
        f"/api/v1/campaigns/{target}/import",
        content=tampered.encode(),
        headers={**org.headers(), "Content-Type": "text/csv"},
    )

    assert answer.status_code == 201, answer.text
    assert _get(org, target, "export.csv").text == exported


# -- the attack ---------------------------------------------------------------------------------


def _downloads(org: Org, campaign: int, tmp_path: Path) -> dict[str, Any]:
    """Everything HR can download about a closed campaign through the API, with the campaign's
    id and its snapshot's fingerprint (which differ between two campaigns by construction)
    taken out, and the figures of the results to 6 decimals and 3 significant digits: the
    rows are read in the order of their random ids, and an iterative fit (omega's) ends a few
    millionths apart from another starting order."""
    files: dict[str, Any] = {}
    snapshot = _get(org, campaign, "codebook").json()["snapshot"]
    for path in ("export.csv", "codebook?format=csv"):
        files[path] = _get(org, campaign, path).text.replace(snapshot, "<snapshot>")
    for path in ("codebook", "results", "disclosure"):
        answer = _get(org, campaign, path)
        assert answer.status_code == 200, (path, answer.text)
        files[path] = _rounded(answer.json())
    for language in ("en", "fr"):
        frame, meta = _sav(
            _get(org, campaign, f"export.sav?language={language}").content, tmp_path, language
        )
        files[f"sav {language}"] = (
            frame.to_csv(),
            meta.column_names_to_labels,
            meta.variable_value_labels,
            meta.file_label,
        )
    return files


def _lines(value: Any) -> list[str]:
    """A download as lines of text, for a readable difference."""
    return json.dumps(value, indent=1, default=str, ensure_ascii=False).splitlines()


def _rounded(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items() if k not in ("snapshot", "campaign_id")}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, float):
        return float(f"{round(value, 6):.3g}")
    return value


def test_hr_cannot_tell_which_pooled_respondents_belong_to_which_small_team(
    org: Org, engine: Engine, tmp_path: Path
) -> None:
    """Two small teams (2 and 3 people) are pooled into one label of 5. HR wants to know which
    of the 5 rows are whose: say, whether the careless respondent is in Small 1. Two
    campaigns hold the same answers, but one respondent of each small team changes places,
    the careless one among them. Every file HR can download, the scores and flags with it, is
    the same for both: no attack on them, whatever it computes, can tell the two apart, so
    none can recover a small team's members or a figure of its own."""
    acme = _unit(org, "Acme")
    department = _unit(org, "Operations", parent=acme, kind="department")
    big1, big2 = (_unit(org, f"Big {n}", parent=department) for n in (1, 2))
    small1, small2 = (_unit(org, f"Small {n}", parent=department) for n in (1, 2))
    units = [big1, big2, small1, small2]
    pooled = [_answers(41), _same_answers(2), _answers(43), _answers(44), _answers(45)]
    worlds = {
        "careless in Small 1": [small1, small1, small2, small2, small2],
        "careless in Small 2": [small1, small2, small1, small2, small2],
    }
    downloads = {}
    for world, members in worlds.items():
        campaign = _campaign(org, units, min_group_size=5)
        _submit(
            engine,
            campaign,
            [
                *(ResponseCreate(unit_id=big1, answers=_answers(n)) for n in range(6)),
                *(ResponseCreate(unit_id=big2, answers=_answers(20 + n)) for n in range(7)),
                *(
                    ResponseCreate(unit_id=unit, answers=answers)
                    for unit, answers in zip(members, pooled, strict=True)
                ),
            ],
        )
        downloads[world] = _downloads(org, campaign, tmp_path)

    first, second = downloads.values()
    rows = _rows(first["export.csv"])
    pool = [r for r in rows if r["unit_pooled"] == "1"]
    # The files hold what the attack would use: the pool's scores and its careless row.
    assert {r["unit_name"] for r in pool} == {"Operations"}
    assert len(pool) == 5
    assert [r["careless_rules"] for r in pool if r["careless"] == "1"] == ["longstring"]
    assert all(r["score_HA"] for r in pool)
    assert {u["name"] for u in first["results"]["units"] if u["suppressed"]} == {
        "Small 1",
        "Small 2",
    }
    for name in first:
        assert _lines(first[name]) == _lines(second[name]), name
    assert not {"Small 1", "Small 2"} & {r["unit_name"] for r in rows}
