"""Names and times a campaign or a unit cannot have, on both databases: a name of white space,
a time that cannot be brought to UTC or lies beyond the year 9998, a language named twice.
Each is answered 422 naming the field and the reason, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from tests.api.conftest import INSTRUMENT, Org, table_counts

API = "/api/v1"


def _unit(org: Org) -> int:
    made = org.client.post(f"{API}/units", json={"name": "Night ward"}, headers=org.headers())
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"name": " \t "}, "name", "is only white space"),
        ({"opens_at": "0001-01-01T00:00:00+14:00"}, "opens_at", "is out of range"),
        ({"closes_at": "9999-12-31T23:59:59-14:00"}, "closes_at", "is out of range"),
        ({"languages": ["en", "fr", "en"]}, "languages", "names a language twice"),
        ({"languages": ["en"] * 10_000}, "languages", "at most 10"),
    ],
)
def test_a_campaign_refused_for_its_name_times_or_languages(
    org: Org, engine: Engine, change: dict[str, Any], field: str, reason: str
) -> None:
    unit = _unit(org)
    body = {"name": "Spring", "instrument": INSTRUMENT, "unit_ids": [unit], **change}
    before = table_counts(engine)
    refused = org.client.post(f"{API}/campaigns", json=body, headers=org.headers())
    assert refused.status_code == 422, refused.text
    errors = {e["field"]: e["reason"] for e in refused.json()["errors"]}
    assert reason in errors[field], errors
    assert table_counts(engine) == before


def test_a_campaign_changed_to_a_blank_name_or_a_time_out_of_range_is_refused(
    org: Org, engine: Engine
) -> None:
    unit = _unit(org)
    body = {"name": "Spring", "instrument": INSTRUMENT, "unit_ids": [unit]}
    made = org.client.post(f"{API}/campaigns", json=body, headers=org.headers())
    assert made.status_code == 201, made.text
    url = f"{API}/campaigns/{made.json()['id']}"
    for change, field in (
        ({"name": "   "}, "name"),
        ({"opens_at": "0001-01-01T00:00:00+14:00"}, "opens_at"),
    ):
        refused = org.client.patch(url, json=change, headers=org.headers())
        assert refused.status_code == 422, refused.text
        assert field in {e["field"] for e in refused.json()["errors"]}
    assert org.client.get(url, headers=org.headers()).json()["name"] == "Spring"


def test_a_unit_of_white_space_is_refused(org: Org, engine: Engine) -> None:
    before = table_counts(engine)
    refused = org.client.post(f"{API}/units", json={"name": "   "}, headers=org.headers())
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [
        {"field": "name", "reason": "is only white space: give a name"}
    ]
    assert table_counts(engine) == before
    unit = _unit(org)
    renamed = org.client.patch(f"{API}/units/{unit}", json={"name": ""}, headers=org.headers())
    assert renamed.status_code == 422
