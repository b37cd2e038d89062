"""What a respondent's link says and stores: the language the respondent read, whichever way
it was chosen, and nothing of the answers once they are sent."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from api.services.org_chart import UnitImportRow
from api.store.models import Invitation, Response
from instrument import load_builtin
from tests.api.conftest import INSTRUMENT, Org, stage_campaign, table_counts

API = "/api/v1"
ITEMS = load_builtin(INSTRUMENT).item_ids
ALL = dict.fromkeys(ITEMS, 4)


@pytest.fixture
def tokens(org: Org, engine: Engine) -> list[str]:
    """Five invitations to an open bilingual campaign whose first language is English."""
    staged = stage_campaign(
        engine,
        org.organisation_id,
        chart=[UnitImportRow(external_id="t", name="Team")],
        teams=["t"],
        languages=["en", "fr"],
    )
    answer = org.client.post(
        f"{API}/campaigns/{staged.campaign_id}/invitations",
        json={"unit_id": staged.units["t"], "count": 5},
        headers=org.headers(),
    )
    return list(answer.json()["tokens"])


def _languages(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return sorted(language for (language,) in session.execute(select(Response.language)))


def _send(org: Org, token: str, method: str, body: dict[str, Any], query: str = "") -> int:
    path = f"{API}/respond/{token}{'/draft' if method == 'PUT' else ''}{query}"
    return org.client.request(method, path, json=body).status_code


@pytest.mark.parametrize(
    ("steps", "stored"),
    [
        ([("POST", {"answers": ALL}, "?language=fr")], "fr"),
        ([("POST", {"answers": ALL, "language": "fr"}, "")], "fr"),
        ([("PUT", {"answers": {"HA01": 2}}, "?language=fr"), ("POST", {"answers": ALL}, "")], "fr"),
        ([("PUT", {"answers": {}, "language": "fr"}, ""), ("POST", {"answers": ALL}, "")], "fr"),
        (
            [("PUT", {"answers": {}}, "?language=fr"), ("POST", {"answers": ALL}, "?language=en")],
            "en",
        ),
        ([("POST", {"answers": ALL}, "")], "en"),
    ],
    ids=[
        "query-on-submit",
        "body-on-submit",
        "query-on-draft",
        "body-on-draft",
        "switched-back",
        "campaign-first",
    ],
)
def test_the_response_is_stored_in_the_language_the_respondent_read(
    org: Org, engine: Engine, tokens: list[str], steps: list[tuple[str, Any, str]], stored: str
) -> None:
    for method, body, query in steps:
        assert _send(org, tokens[0], method, body, query) in (200, 204)
    assert _languages(engine) == [stored]


def test_a_query_and_a_body_that_disagree_on_the_language_are_refused(
    org: Org, engine: Engine, tokens: list[str]
) -> None:
    before = table_counts(engine)
    refused = org.client.post(
        f"{API}/respond/{tokens[0]}?language=fr", json={"answers": ALL, "language": "en"}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "language", "reason": "the query asks for 'fr' and the body for 'en': give one"}
    ]
    assert table_counts(engine) == before


def test_a_used_link_shows_neither_the_answers_nor_a_draft(
    org: Org, engine: Engine, tokens: list[str]
) -> None:
    token = tokens[0]
    assert _send(org, token, "PUT", {"answers": {"HA01": 7}}) == 200
    assert org.client.get(f"{API}/respond/{token}").json()["answers"] == {"HA01": 7}
    assert _send(org, token, "POST", {"answers": {i: 3 for i in ITEMS if i != "HA01"}}) == 204

    again = org.client.get(f"{API}/respond/{token}")
    assert again.status_code == 409
    assert again.json() == {"detail": "this invitation has already been used to submit answers"}
    with Session(engine) as session:
        drafts = session.exec(select(Invitation.draft, Invitation.draft_language)).all()
    assert all(draft is None and language is None for draft, language in drafts)
