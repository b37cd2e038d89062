"""The OpenAPI description tells the truth: schemathesis generates requests from it for every
operation under ``/api/v1`` and checks each answer against it (a server error, a status it does
not declare, a body or a content type other than the one declared, a request it declares valid
refused, one it declares invalid accepted, an operation that answers without the key it asks
for), in process, against a staged organisation on both databases.

Each operation is called by an admin, a leader, an auditor and a caller without a key (the
respondent's operations with the link's token, the report assets with nothing), with path
parameters that are real objects of the staged world (a closed, an open, an unread and a draft
campaign, teams, departments, keys, the respondent's token) as well as drawn ones, and bodies
whose ids are real units. An operation that writes starts from the world as staged: the rows
are put back after it.

A request that fits the schema may still be refused with 422 for a rule no schema can state
(a unit that does not exist, a chart rule, the campaign's own languages and items):
``DATA_RULES`` lists those rules, and the 422 must name one of them, field and reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import Engine, Table
from sqlmodel import SQLModel

from api.app import API_PREFIX, create_app
from instrument import load_builtin
from tests.api.conftest import INSTRUMENT
from tests.api.matrix_support import DATABASES, World, staged_world

EXAMPLES = {"admin": 12, "respondent": 12, "leader_in": 4, "auditor": 4, "none": 2}
"""Requests per operation and caller: the admin is let through everywhere, the respondent's
token opens the respondent's operations; the others are mostly refused early."""

OPERATIONS = sorted(
    (method.upper(), path)
    for path, operations in create_app().openapi()["paths"].items()
    if path.startswith(f"{API_PREFIX}/")
    for method in operations
)
RESPONDENT = f"{API_PREFIX}/respond/"
ASSETS = f"{API_PREFIX}/report-assets/"

REAL_PATH_PARAMETERS = {
    "campaign_id": ("closed", "open", "unread", "draft"),
    "unit_id": ("night", "weekend", "ops", "bench", "north"),
    "key_id": ("spare_key", "revoked_key"),
    "token": ("token",),
    "name": ("asset",),
}
"""For each path parameter, the names in ``World.ids`` of the real objects it is drawn from
(half of the requests; the others have drawn values)."""

UNIT_FIELDS = ("unit_id", "parent_id")
"""Body fields holding a unit's id: a real unit of the organisation in half of the requests."""


@dataclass(frozen=True)
class DataRule:
    """A rule the schema cannot state, by which a request that fits it is refused (422):
    the operations, the field and the reason, each a regular expression (the reason's is
    searched, the others must match whole)."""

    operations: str
    field: str
    reason: str

    def explains(self, operation: str, problem: dict[str, str]) -> bool:
        return (
            re.fullmatch(self.operations, operation) is not None
            and re.fullmatch(self.field, problem["field"]) is not None
            and re.search(self.reason, problem["reason"]) is not None
        )


_IDS = r"unit_id|parent_id|previous_campaign_id|unit_ids(\[\d+\])?"

DATA_RULES = [
    # Ids that name nothing of the organisation, or a unit that may not take part.
    DataRule(r".*", _IDS, r"does not exist|is archived|is not part of the campaign"),
    DataRule(r".*", r"unit_ids", r"a campaign takes at most"),
    # The org chart: organisation > department > team, one root, no cycles.
    DataRule(r"(POST|PATCH) .*/units.*", r"parent_id|kind", r""),
    # The previous wave: an earlier campaign on the same instrument.
    DataRule(r".*/campaigns.*", r"previous_campaign_id", r"created before|used .*, not"),
    # The instruments the server ships, their languages and items.
    DataRule(r".*", r"instrument", r""),
    DataRule(r".*", r"languages\[\d+\]|language", r"is not a language of"),
    DataRule(r".* .*/respond/.*", r"language", r"give one"),
    DataRule(r".* .*/respond/.*", r"answers\..*", r""),
    # Times between 2000 and 9998 in UTC, in order, to come.
    DataRule(r".*", r"opens_at|closes_at|times\[\d+\]", r""),
    # Text the databases cannot store (a NUL character, half of a surrogate pair), in a value
    # or in the name of a field: a JSON schema's string cannot leave it out but by a pattern on
    # every string and every object of the description.
    DataRule(r".*", r".*", r"which cannot be stored|surrogate pair, which is no character"),
    # The content of a CSV file (its schema: a string).
    DataRule(r"POST .*/(units/import|import|roster)", r".*", r""),
]
"""The rules; a 422 on a request the schema allows must name only problems they explain."""


def _restore_rows(engine: Engine) -> Callable[[], None]:
    """Puts back every table's rows as they are now."""
    tables: list[Table] = list(SQLModel.metadata.sorted_tables)
    with engine.connect() as connection:
        rows = {
            table.name: [
                dict(row._mapping)
                for row in connection.execute(table.select().order_by(*table.primary_key))
            ]
            for table in tables
        }

    def restore() -> None:
        with engine.begin() as connection:
            for table in reversed(tables):
                connection.execute(table.delete())
            for table in tables:
                # One row at a time, in the order of their keys: a unit after its parent.
                for row in rows[table.name]:
                    connection.execute(table.insert(), row)

    return restore


@dataclass(frozen=True)
class Fuzzed:
    world: World
    schema: schemathesis.BaseSchema
    restore: Callable[[], None]


@pytest.fixture(scope="module", params=DATABASES)
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzed]:
    for world in staged_world(request, tmp_path_factory.mktemp("db")):
        schema = schemathesis.openapi.from_asgi("/openapi.json", world.client.app)
        yield Fuzzed(world=world, schema=schema, restore=_restore_rows(world.engine))


KNOWN_SERVER_ERRORS: dict[tuple[str, str, str], str] = {}
"""(``METHOD path``, caller, database) cases where the code, not the description, is wrong,
with the failing request: xfail, not strict (another change fixes them)."""


def _callers(method: str, path: str) -> Iterator[str]:
    if path.startswith(RESPONDENT):
        yield "respondent"
    elif path.startswith(ASSETS):
        yield "none"
    else:
        yield from ("admin", "leader_in", "auditor", "none")


def _cases() -> Iterator[Any]:
    for method, path in OPERATIONS:
        for caller in _callers(method, path):
            yield pytest.param(method, path, caller, id=f"{method} {path} {caller}")


def _known_server_error(request: pytest.FixtureRequest, operation: str, caller: str) -> None:
    database = request.node.callspec.params["fuzzed"]
    reason = KNOWN_SERVER_ERRORS.get((operation, caller, database))
    if reason:
        request.applymarker(pytest.mark.xfail(strict=False, reason=reason))


def _csv_bodies(world: World, path: str) -> list[str]:
    """Files a CSV operation reads: one it takes and one with a bad row."""
    ids = world.ids
    if path.endswith("/units/import"):
        return [
            "external_id,name,parent_external_id\nnewteam,New team,ops\n",
            "external_id,name,parent_external_id,kind\nx,,nowhere,planet\n",
        ]
    if path.endswith("/import"):
        items = load_builtin(INSTRUMENT).item_ids
        header = f"unit_id,{','.join(items)}"
        return [
            f"{header}\n{ids['bench']},{','.join('4' for _ in items)}\n",
            f"{header}\n{ids['north']},{','.join('9' for _ in items)}\n",
        ]
    if path.endswith("/roster"):
        return [
            f"email,unit,language\nsomeone@acme.example,{ids['bench']},en\n",
            "email,unit,language\nnot an address,nowhere,xx\n",
        ]
    return []


def _strategy(
    fuzzed: Fuzzed, method: str, path: str, headers: dict[str, str]
) -> st.SearchStrategy[Any]:
    operation = fuzzed.schema[path][method]
    ids = fuzzed.world.ids
    real = {
        name: [ids[ref] for ref in REAL_PATH_PARAMETERS[name]]
        for name in (p.name for p in operation.path_parameters)
    }
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    drawn = [operation.as_strategy(mode, headers=headers) for mode in modes]
    chosen: list[st.SearchStrategy[Any]] = []
    for values in _combinations(real):
        chosen += [
            operation.as_strategy(mode, path_parameters=values, headers=headers) for mode in modes
        ]
        chosen += [
            operation.as_strategy(
                path_parameters=values, headers=headers, body=body, media_type="text/csv"
            )
            for body in _csv_bodies(fuzzed.world, path)
        ]
    if not chosen:
        return st.one_of(*drawn)
    return st.one_of(st.one_of(*drawn), st.one_of(*chosen))


def _combinations(real: dict[str, list[Any]]) -> list[dict[str, Any]]:
    combos: list[dict[str, Any]] = [{}]
    for name, values in real.items():
        combos = [{**combo, name: value} for combo in combos for value in values]
    return combos if real else []


def _explained_refusal(operation: str, response: Any) -> bool:
    """Whether a 422 names only rules of ``DATA_RULES``."""
    try:
        problems = response.json()["errors"]
    except (ValueError, KeyError, TypeError):
        return False
    return bool(problems) and all(
        any(rule.explains(operation, problem) for rule in DATA_RULES) for problem in problems
    )


def _schema_valid_request_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis's ``positive_data_acceptance``, but for a 422 naming rules of
    ``DATA_RULES`` only."""
    if response.status_code == 422 and _explained_refusal(case.operation.label, response):
        return None
    result: bool | None = positive_data_acceptance(ctx, response, case)
    return result


@pytest.mark.parametrize(("method", "path", "caller"), list(_cases()))
def test_the_operation_answers_as_its_description_says(
    fuzzed: Fuzzed, method: str, path: str, caller: str, request: pytest.FixtureRequest
) -> None:
    _known_server_error(request, f"{method} {path}", caller)
    world = fuzzed.world
    key = None if caller == "respondent" else world.keys[caller]
    # The key is sent as it is, in every request: never left out or spoilt as a negative case.
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    strategy = _strategy(fuzzed, method, path, headers)
    units = [world.ids[name] for name in ("night", "bench", "ops", "north", "acme")]
    admin_key = world.ids["admin_key"]

    @settings(
        max_examples=EXAMPLES[caller],
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def answers_as_described(data: st.DataObject) -> None:
        case = data.draw(strategy)
        # The caller's own key is never revoked or rotated: the requests after would be 401s.
        if case.path_parameters and case.path_parameters.get("key_id") == admin_key:
            case.path_parameters["key_id"] = world.ids["spare_key"]
        if isinstance(case.body, dict) and case.meta.generation.mode.is_positive:
            for field in UNIT_FIELDS:
                if isinstance(case.body.get(field), int) and data.draw(st.booleans()):
                    case.body[field] = data.draw(st.sampled_from(units))
        case.call_and_validate(
            excluded_checks=[positive_data_acceptance],
            additional_checks=[_schema_valid_request_accepted],
        )

    try:
        answers_as_described()
    finally:
        if method != "GET" and caller in ("admin", "respondent"):
            fuzzed.restore()


def test_the_description_declares_the_error_body_of_every_refusal() -> None:
    description = create_app().openapi()
    schemas = description["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas
    for method, path in OPERATIONS:
        operation = description["paths"][path][method.lower()]
        responses = operation["responses"]
        refusals = {int(s) for s in responses if int(s) >= 400}
        for status in refusals:
            content = responses[str(status)]["content"]
            assert content == {
                "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}
            }, (method, path, status)
        keyed = "security" in operation
        assert (401 in refusals) == keyed, (method, path)
        if keyed:
            assert "WWW-Authenticate" in responses["401"]["headers"]
        if keyed or path.startswith(RESPONDENT):
            assert "Retry-After" in responses["429"]["headers"], (method, path)
        if "requestBody" in operation:
            assert {400, 413, 422} <= refusals, (method, path)
        if operation.get("parameters") or "requestBody" in operation:
            assert 422 in refusals, (method, path)
