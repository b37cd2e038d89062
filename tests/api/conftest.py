"""HTTP fixtures: the app on a fresh database (SQLite or PostgreSQL), an organisation with an
admin key, and helpers to talk to it as HR, as a leader and as a respondent."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlmodel import Session, SQLModel

from api.app import create_app
from api.services import campaigns as services
from api.services import org_chart
from api.services.access import init_organisation
from api.services.campaigns import CampaignData
from api.services.org_chart import UnitImportRow
from api.store.models import CampaignCreate, OrganisationCreate

INSTRUMENT = "transversal-core@1.0.0"


@dataclass(frozen=True)
class Org:
    """An organisation on a running app: its id and its first admin key."""

    client: TestClient
    organisation_id: int
    admin_key: str

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.admin_key}"}


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine)) as test_client:
        yield test_client


@pytest.fixture
def org(client: TestClient, engine: Engine) -> Org:
    with Session(engine, expire_on_commit=False) as session:
        organisation, key = init_organisation(session, OrganisationCreate(name="Acme"))
    assert organisation.id is not None
    return Org(client=client, organisation_id=organisation.id, admin_key=key.key)


COUNTERS = frozenset({"ratelimit"})
"""Tables of bookkeeping, not of anything stored for someone: a refused request with a wrong
key or link is counted there (``api.services.rate_limits``), and that is all it changes."""


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table but the counters: compare before and after a refused request."""
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
            if table.name not in COUNTERS
        }


def database_url_of(engine: Engine) -> str:
    """A DATABASE_URL for the CLI that reaches the same database, and on PostgreSQL the test's
    own schema (through libpq's ``options``)."""
    if engine.dialect.name != "postgresql":
        return engine.url.render_as_string(hide_password=False)
    with engine.connect() as connection:
        schema = connection.execute(text("select current_schema()")).scalar_one()
    url = engine.url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@dataclass(frozen=True)
class Staged:
    """A campaign staged through the services: its id and its units' ids by external id."""

    campaign_id: int
    units: dict[str, int]


def stage_campaign(
    engine: Engine,
    organisation_id: int,
    *,
    chart: Sequence[UnitImportRow],
    teams: Sequence[str],
    open_it: bool = True,
    **fields: Any,
) -> Staged:
    """Import ``chart``, create a campaign over the ``teams`` (external ids) and open it:
    scenery for tests whose subject is what comes after."""
    with Session(engine, expire_on_commit=False) as session:
        made = org_chart.import_units(session, organisation_id=organisation_id, rows=list(chart))
        units = {u.external_id or "": u.id or 0 for u in made}
        campaign = services.create_campaign(
            session,
            organisation_id=organisation_id,
            data=CampaignCreate.model_validate(
                {
                    "name": "Spring",
                    "instrument": INSTRUMENT,
                    "unit_ids": [units[t] for t in teams],
                    **fields,
                }
            ),
        )
        assert campaign.id is not None
        if open_it:
            services.open_campaign(session, campaign_id=campaign.id)
    return Staged(campaign_id=campaign.id, units=units)


_ANALYSES: dict[tuple[Any, ...], bytes] = {}
"""The campaign analyses made in this process, pickled, by everything ``CampaignData.analyse``
reads."""


@contextmanager
def each_analysis_once() -> Iterator[None]:
    """While it lasts, ``CampaignData.analyse`` computes an analysis once per content of what
    it reads (the answers in any order, as the app's own cache of analyses takes them,
    ``api.services.analysis_cache``; the instrument, the minimum group size and the chart) and
    hands every caller a fresh copy. For test modules that analyse one campaign many times."""
    real = CampaignData.analyse

    def analyse(data: CampaignData) -> Any:
        responses = data.responses
        rows = pd.util.hash_pandas_object(responses, index=False).to_numpy()
        rows.sort()
        key = (
            data.instrument.ref,
            data.min_group_size,
            tuple(sorted(data.chart().items())),
            tuple(map(str, responses.columns)),
            tuple(map(str, responses.dtypes)),
            hashlib.sha256(rows.tobytes()).digest(),
        )
        if key not in _ANALYSES:
            _ANALYSES[key] = pickle.dumps(real(data), protocol=pickle.HIGHEST_PROTOCOL)
        return pickle.loads(_ANALYSES[key])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CampaignData, "analyse", analyse)
        yield
