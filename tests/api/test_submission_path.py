"""The submission's path: bounds on the answer set checked before any database work, the
campaign's schedule still settled on the short path, one token used once under concurrency; and
the outputs that results polling is served from, made once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select, update
from sqlmodel import Session

from api.services import collection
from api.services.analysis_cache import OutputCache
from api.services.collection import MAX_ANSWERS, MAX_ITEM_ID_LENGTH, AnswersIn
from api.services.errors import Conflict
from api.services.org_chart import UnitImportRow
from api.store.models import Campaign, Invitation, Response, utc_now
from instrument import load_builtin
from tests.api.conftest import INSTRUMENT, Org, stage_campaign, table_counts

API = "/api/v1"
ALL = dict.fromkeys(load_builtin(INSTRUMENT).item_ids, 4)


@pytest.fixture
def staged(org: Org, engine: Engine) -> tuple[int, list[str]]:
    """An open campaign of one team, and four of its tokens."""
    campaign = stage_campaign(
        engine,
        org.organisation_id,
        chart=[UnitImportRow(external_id="t", name="Team")],
        teams=["t"],
    )
    answer = org.client.post(
        f"{API}/campaigns/{campaign.campaign_id}/invitations",
        json={"unit_id": campaign.units["t"], "count": 4},
        headers=org.headers(),
    )
    return campaign.campaign_id, list(answer.json()["tokens"])


def test_a_huge_answer_set_is_refused_before_the_token_is_looked_up(
    org: Org, engine: Engine, staged: tuple[int, list[str]]
) -> None:
    huge = {**ALL, **{f"X{n:04}": 1 for n in range(MAX_ANSWERS + 1 - len(ALL))}}
    before = table_counts(engine)
    # An unknown token would be 404 once looked up: the body is refused first.
    for token in ("not-a-token", staged[1][0]):
        refused = org.client.post(f"{API}/respond/{token}", json={"answers": huge})
        assert refused.status_code == 422
        assert [e["field"] for e in refused.json()["errors"]] == ["answers"]
    assert table_counts(engine) == before
    # The token was not used up: the answers alone are accepted.
    assert (
        org.client.post(f"{API}/respond/{staged[1][0]}", json={"answers": ALL}).status_code == 204
    )


def test_an_item_id_longer_than_the_bound_is_refused() -> None:
    with pytest.raises(ValueError, match=f"at most {MAX_ITEM_ID_LENGTH} characters"):
        AnswersIn.model_validate({"answers": {"H" * (MAX_ITEM_ID_LENGTH + 1): 4}})
    # At the bound the id passes the model, and the instrument's check names it unknown.
    assert AnswersIn.model_validate({"answers": {"H" * MAX_ITEM_ID_LENGTH: 4}}).answers


def test_a_campaign_still_open_past_its_close_takes_no_submission(
    org: Org, engine: Engine, staged: tuple[int, list[str]]
) -> None:
    campaign_id, tokens = staged
    with Session(engine) as session:
        session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id)  # type: ignore[arg-type]
            .values(closes_at=utc_now() - timedelta(minutes=1))
        )
        session.commit()
    refused = org.client.post(f"{API}/respond/{tokens[0]}", json={"answers": ALL})
    assert refused.status_code == 409
    assert "closed" in refused.json()["detail"]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 0
        assert not session.scalar(select(func.count()).where(Invitation.used))  # type: ignore[arg-type]


def test_one_token_submitted_at_once_from_many_threads_is_stored_once(
    engine: Engine, staged: tuple[int, list[str]]
) -> None:
    token = staged[1][1]
    data = AnswersIn(answers=ALL)

    def submit(_: int) -> str:
        try:
            collection.submit_with(engine, token=token, data=data)
        except Conflict:
            return "conflict"
        return "stored"

    with ThreadPoolExecutor(6) as pool:
        outcomes = sorted(pool.map(submit, range(6)))
    assert outcomes == ["conflict"] * 5 + ["stored"]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 1
        used = session.scalar(select(func.count()).where(Invitation.used))  # type: ignore[arg-type]
        assert used == 1


def test_an_output_asked_for_by_many_requests_at_once_is_made_once() -> None:
    outputs = OutputCache(size=2)
    made: list[str] = []

    def make(key: str) -> str:
        time.sleep(0.05)  # the others ask meanwhile
        made.append(key)
        return f"output of {key}"

    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(lambda _: outputs.get("a", lambda: make("a")), range(4)))
    assert found == ["output of a"] * 4
    assert made == ["a"]
    # A new key (a new snapshot) is made anew; the oldest beyond the size is forgotten.
    outputs.get("b", lambda: make("b"))
    outputs.get("c", lambda: make("c"))
    outputs.get("a", lambda: make("a"))
    assert made == ["a", "b", "c", "a"]
