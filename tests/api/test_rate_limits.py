"""Guessing limits: wrong respondent links, wrong API keys and failed sign-ins are answered 429
with ``Retry-After`` once a client (or an account) reaches its limit, and not before; the count
is shared by every replica, in the database (SQLite and PostgreSQL) or in Redis; a correct
credential from elsewhere still works, and the window passes (on a clock of the test's own)."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlmodel import Session

from api.app import create_app
from api.services import accounts
from api.services.accounts import AccountCreate
from api.services.org_chart import UnitImportRow
from api.services.rate_limits import (
    CLAIM_LAPSES,
    DEVICE_COOKIE,
    DEVICE_DAYS,
    DEVICE_MARKS,
    HELD_REFRESH_SECONDS,
    Attempt,
    FailureCounts,
    Kind,
    Limits,
    RateLimiter,
    client_of,
    device_key,
    device_mark,
    rate_limiter,
)
from api.settings import Settings, get_settings
from api.store.models import RateLimitCount, Role
from api.store.rate_limits import Count, DatabaseCounts, RedisCounts
from instrument import load_builtin
from tests.api.conftest import INSTRUMENT, Org, stage_campaign
from tests.api.pages import PASSWORD, form_token, page_text

API = "/api/v1"
REDIS_URL = "redis://127.0.0.1:6379/0"
LIMITS = Limits(
    tokens=3, keys=3, window=60, sign_ins_per_account=3, sign_ins_per_client=5, sign_in_window=120
)
"""Small limits, so that an attack is a few requests. Three failed sign-ins hold an account
before its own lock (``accounts.MAX_FAILURES``, five) would refuse the right password."""
EMAIL = "hr@acme.example"
ATTACKER = ("203.0.113.66", 40000)
RESPONDENT = ("198.51.100.7", 50000)


class Clock:
    """The time the limits read: moved by the test, never slept through."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _limited(app: FastAPI, counts: FailureCounts, clock: Clock) -> FastAPI:
    app.state.rate_limiter = RateLimiter(counts, limits=LIMITS, clock=clock)
    return app


def _client(app: FastAPI, client: tuple[str, int] = ATTACKER, **headers: str) -> TestClient:
    # Over https: the sign-in form's cookie is Secure.
    return TestClient(app, base_url="https://testserver", client=client, headers=headers)


@pytest.fixture
def app(org: Org, engine: Engine, clock: Clock) -> FastAPI:
    """The organisation's app, with the small limits counted in its database."""
    return _limited(org.client.app, DatabaseCounts(engine), clock)  # type: ignore[arg-type]


@pytest.fixture
def token(org: Org, engine: Engine) -> str:
    """A respondent's link to an open campaign."""
    staged = stage_campaign(
        engine,
        org.organisation_id,
        chart=[UnitImportRow(external_id="t", name="Team")],
        teams=["t"],
    )
    answer = org.client.post(
        f"{API}/campaigns/{staged.campaign_id}/invitations",
        json={"unit_id": staged.units["t"], "count": 1},
        headers=org.headers(),
    )
    return str(answer.json()["tokens"][0])


@pytest.fixture
def redis_counts() -> Iterator[RedisCounts]:
    """Counts in the local Redis, under a prefix of this test's own."""
    counts = RedisCounts(REDIS_URL, prefix=f"test:ratelimit:{uuid.uuid4().hex}:")
    try:
        counts.redis.ping()
    except Exception as exc:  # no server: the Redis tests cannot run here
        pytest.skip(f"Redis not reachable: {exc}")
    yield counts
    counts.clear()


def _account(engine: Engine, org: Org, email: str = EMAIL) -> None:
    data = {"email": email, "name": "Hana", "role": Role.admin, "password": PASSWORD}
    with Session(engine) as session:
        accounts.create_account(
            session,
            organisation_id=org.organisation_id,
            data=AccountCreate.model_validate(data),
            actor="test",
        )


def _sign_in(
    app: FastAPI, client: tuple[str, int], email: str, password: str, **headers: str
) -> httpx.Response:
    with _client(app, client, **headers) as browser:
        form = browser.get("/signin")
        return browser.post(
            "/signin",
            data={"csrf": form_token(form.text), "email": email, "password": password},
            follow_redirects=False,
        )


def _assert_held(answer: Any, *, seconds: int, field: str) -> None:
    assert answer.status_code == 429, answer.text[:300]
    assert answer.headers["retry-after"] == str(seconds)
    body = answer.json()
    assert str(seconds) in body["detail"]
    assert [e["field"] for e in body["errors"]] == [field]
    assert body["errors"][0]["reason"]


def _rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(RateLimitCount)).scalar_one()
        )


# -- respondent links ---------------------------------------------------------------------------


def test_wrong_links_are_held_after_the_limit_and_a_right_link_from_elsewhere_is_served(
    app: FastAPI, token: str, clock: Clock
) -> None:
    with _client(app) as attacker, _client(app, RESPONDENT) as respondent:
        for n in range(LIMITS.tokens):
            assert attacker.get(f"{API}/respond/tvi_guess{n}").status_code == 404
            clock.now += 1
        _assert_held(attacker.get(f"{API}/respond/tvi_guess"), seconds=57, field="token")
        # Every link is refused to the held client, a right one too ...
        _assert_held(attacker.get(f"{API}/respond/{token}"), seconds=57, field="token")
        # ... and served to anyone else, many times over: a success is never counted.
        for _ in range(LIMITS.tokens + 2):
            assert respondent.get(f"{API}/respond/{token}").status_code == 200
        clock.now += 57
        assert attacker.get(f"{API}/respond/{token}").status_code == 200
        assert attacker.get(f"{API}/respond/tvi_guess").status_code == 404


def test_a_used_link_is_no_guess(app: FastAPI, token: str, engine: Engine) -> None:
    answers = {"answers": dict.fromkeys(load_builtin(INSTRUMENT).item_ids, 4)}
    with _client(app) as respondent:
        assert respondent.post(f"{API}/respond/{token}", json=answers).status_code == 204
        for _ in range(LIMITS.tokens + 2):
            assert respondent.post(f"{API}/respond/{token}", json=answers).status_code == 409
    assert _rows(engine) == 0


def test_the_pages_of_wrong_links_are_held_in_the_browsers_language(app: FastAPI) -> None:
    with _client(app, **{"Accept-Language": "fr-CH, fr;q=0.9"}) as browser:
        for n in range(LIMITS.tokens):
            assert browser.get(f"/r/tvi_guess{n}").status_code == 404
        held = browser.get("/r/tvi_guess")
        assert held.status_code == 429
        assert held.headers["retry-after"] == "60"
        assert held.headers["content-type"].startswith("text/html")
        assert held.headers["content-security-policy"].startswith("default-src 'none'")
        assert '<html lang="fr">' in held.text
        shown = page_text(held.text)
        assert "Trop de tentatives échouées" in shown
        assert "Réessayez dans 1 minute." in shown
        english = browser.get("/r/tvi_guess?lang=en")
        assert english.status_code == 429
        assert "Try again in 1 minute." in page_text(english.text)


# -- API keys -----------------------------------------------------------------------------------


def test_wrong_keys_are_held_after_the_limit_and_the_right_key_from_elsewhere_works(
    org: Org, app: FastAPI, clock: Clock
) -> None:
    wrong = {"Authorization": "Bearer tvk_not-a-key"}
    with _client(app) as attacker, _client(app, RESPONDENT) as hr:
        # No key at all is no guess.
        for _ in range(LIMITS.keys + 2):
            assert attacker.get(f"{API}/keys").status_code == 401
        for _ in range(LIMITS.keys):
            assert attacker.get(f"{API}/keys", headers=wrong).status_code == 401
        _assert_held(attacker.get(f"{API}/keys", headers=wrong), seconds=60, field="Authorization")
        _assert_held(
            attacker.get(f"{API}/keys", headers=org.headers()), seconds=60, field="Authorization"
        )
        assert hr.get(f"{API}/keys", headers=org.headers()).status_code == 200
        clock.now += 60
        assert attacker.get(f"{API}/keys", headers=org.headers()).status_code == 200


def test_a_revoked_key_counts_as_a_wrong_one(org: Org, app: FastAPI) -> None:
    made = org.client.post(f"{API}/keys", json={"role": "auditor"}, headers=org.headers()).json()
    revoked = org.client.post(f"{API}/keys/{made['id']}/revoke", headers=org.headers())
    assert revoked.status_code == 200, revoked.text
    with _client(app) as script:
        for _ in range(LIMITS.keys):
            assert script.get(f"{API}/keys", headers=org.headers(made["key"])).status_code == 401
        assert script.get(f"{API}/keys", headers=org.headers(made["key"])).status_code == 429


def test_a_successful_request_reads_nothing_but_the_held_buckets_once_a_second(
    org: Org, app: FastAPI, engine: Engine, clock: Clock
) -> None:
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "ratelimit" in statement:
            statements.append(statement.split()[0].upper())

    with _client(app) as hr:
        hr.get(f"{API}/keys", headers=org.headers())  # the app's first request starts it
        event.listen(engine, "before_cursor_execute", seen)
        try:
            for _ in range(5):
                assert hr.get(f"{API}/keys", headers=org.headers()).status_code == 200
            assert statements == []
            clock.now += 1
            for _ in range(5):
                assert hr.get(f"{API}/keys", headers=org.headers()).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    assert statements == ["SELECT"]
    assert _rows(engine) == 0


class _SlowCounts:
    """A store whose read of the held buckets takes a while, counting the reads."""

    def __init__(self) -> None:
        self.reads = 0

    def read(self, buckets: Any, *, now: int) -> dict[str, Count]:
        return {}

    def add(self, opens: Any, *, now: int) -> dict[str, Count]:
        return {}

    def held(self, *, at_least: int, now: int) -> dict[str, Count]:
        self.reads += 1
        time.sleep(0.2)
        return {}


def test_requests_that_find_the_copy_stale_at_once_read_it_once(org: Org, clock: Clock) -> None:
    """Twenty requests at once, at start and again a second later: one read each time, the
    others checked against the copy they have (they used to read it again, every one)."""
    counts = _SlowCounts()
    app = _limited(org.client.app, counts, clock)  # type: ignore[arg-type]

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
            asked = [c.get(f"{API}/keys", headers=org.headers()) for _ in range(20)]
            return [answer.status_code for answer in await asyncio.gather(*asked)]

    with ThreadPoolExecutor(1) as thread:  # a loop of its own, whatever runs in this one
        assert thread.submit(asyncio.run, burst()).result() == [200] * 20
        assert counts.reads == 1
        clock.now += HELD_REFRESH_SECONDS
        assert thread.submit(asyncio.run, burst()).result() == [200] * 20
        assert counts.reads == 2


def test_a_claim_to_read_again_whose_read_never_came_lapses(clock: Clock) -> None:
    limiter = RateLimiter(_SlowCounts(), limits=LIMITS, clock=clock)
    assert limiter.claim_refresh()  # the first: it is to read
    assert not limiter.claim_refresh()  # the others check against the copy they have
    # Its request was cancelled before a thread read anything: the claim lapses in time.
    clock.now += CLAIM_LAPSES * HELD_REFRESH_SECONDS - 0.5
    assert not limiter.claim_refresh()
    clock.now += 1
    assert limiter.claim_refresh()
    limiter.refresh()
    assert not limiter.claim_refresh()  # read: fresh for a second
    clock.now += HELD_REFRESH_SECONDS
    assert limiter.claim_refresh()


# -- sign-in ------------------------------------------------------------------------------------


def test_guesses_at_one_account_from_many_addresses_hold_the_account(
    org: Org, app: FastAPI, engine: Engine, clock: Clock
) -> None:
    _account(engine, org)
    for n in range(LIMITS.sign_ins_per_account):
        refused = _sign_in(app, (f"192.0.2.{n + 1}", 1000), EMAIL, "wrong guess number")
        assert refused.status_code == 401
    # The right password, from an address that never failed: the account is held.
    held = _sign_in(app, RESPONDENT, EMAIL, PASSWORD)
    assert held.status_code == 429
    assert held.headers["retry-after"] == "120"
    assert "session" not in held.headers.get("set-cookie", "")
    # Another account, from the same addresses, is not.
    _account(engine, org, email="auditor@acme.example")
    assert _sign_in(app, ("192.0.2.1", 1000), "auditor@acme.example", PASSWORD).status_code == 303
    clock.now += 120
    signed = _sign_in(app, RESPONDENT, EMAIL, PASSWORD)
    assert signed.status_code == 303, signed.text[:300]


def test_guesses_at_many_accounts_from_one_address_hold_the_address(
    org: Org, app: FastAPI, engine: Engine
) -> None:
    _account(engine, org)
    for n in range(LIMITS.sign_ins_per_client):
        refused = _sign_in(app, ATTACKER, f"person{n}@acme.example", "Spring2027!")
        assert refused.status_code == 401
    held = _sign_in(app, ATTACKER, EMAIL, PASSWORD, **{"Accept-Language": "fr"})
    assert held.status_code == 429
    assert held.headers["retry-after"] == "120"
    assert "la connexion leur est suspendue" in page_text(held.text)
    assert _sign_in(app, RESPONDENT, EMAIL, PASSWORD).status_code == 303


def _browser_sign_in(browser: TestClient, email: str, password: str) -> httpx.Response:
    form = browser.get("/signin")
    return browser.post(
        "/signin",
        data={"csrf": form_token(form.text), "email": email, "password": password},
        follow_redirects=False,
    )


def _signs_in(browser: TestClient, email: str, password: str = PASSWORD) -> int:
    """The status of a sign-in from ``browser``; its session is then forgotten, so that it
    signs in again next time, with the marks it keeps."""
    status = _browser_sign_in(browser, email, password).status_code
    browser.cookies.delete("__Host-transversal-session")
    return status


def _with_mark(app: FastAPI, client: tuple[str, int], mark: str) -> TestClient:
    browser = _client(app, client)
    # The cookie jar files a host without a dot under ".local".
    browser.cookies.set(DEVICE_COOKIE, mark, domain="testserver.local", path="/")
    return browser


def _guess_until_held(app: FastAPI, email: str) -> None:
    """A guesser, from many addresses, until the account is held."""
    for n in range(LIMITS.sign_ins_per_account):
        assert _sign_in(app, (f"192.0.2.{n + 1}", 1000), email, "wrong guess").status_code == 401
    assert _sign_in(app, ("192.0.2.99", 1000), email, PASSWORD).status_code == 429


def test_a_guesser_cannot_hold_the_owner_out_of_a_browser_that_signed_in_before(
    org: Org, app: FastAPI, engine: Engine
) -> None:
    _account(engine, org)
    with _client(app, RESPONDENT) as owner:
        assert _signs_in(owner, EMAIL) == 303
        mark = owner.cookies.get(DEVICE_COOKIE)
        assert mark
        assert EMAIL not in mark  # no account name in the mark
        _guess_until_held(app, EMAIL)
        # Held for a browser that never signed in, even at the owner's address...
        assert _sign_in(app, RESPONDENT, EMAIL, PASSWORD).status_code == 429
        # ...but not for the owner's own, wherever it is.
        assert _signs_in(owner, EMAIL) == 303
    with _with_mark(app, ("192.0.2.1", 1000), mark) as travelling:
        assert _signs_in(travelling, EMAIL) == 303


def test_no_mark_but_a_good_one_for_the_account_lets_a_browser_past_the_hold(
    org: Org, app: FastAPI, engine: Engine
) -> None:
    _account(engine, org)
    _account(engine, org, email="guesser@acme.example")
    with _client(app, ATTACKER) as guesser:
        assert _signs_in(guesser, "guesser@acme.example") == 303
        own = guesser.cookies.get(DEVICE_COOKIE)
    assert own
    _guess_until_held(app, EMAIL)
    key = device_key(engine)
    now = int(time.time())
    issued, _, mac = own.partition(".")
    refused = {
        "the guesser's own mark, for another account": own,
        "a mark moved in time": f"{int(issued) - 1}.{mac}",
        "a forged MAC": f"{now}.{'0' * 64}",
        "a mark older than its days": device_mark(
            key, account=EMAIL, issued=now - DEVICE_DAYS * 86_400 - 1
        ),
        "a mark from the future": device_mark(key, account=EMAIL, issued=now + 3600),
        "another installation's mark": device_mark(b"k" * 32, account=EMAIL, issued=now),
        "no MAC": str(now),
        "junk": "../../etc/passwd;\x00",
    }
    for why, mark in refused.items():
        with _with_mark(app, ATTACKER, mark) as browser:
            assert _signs_in(browser, EMAIL) == 429, why
    # The same construction with this installation's key, for this account, now: let in.
    with _with_mark(app, ATTACKER, device_mark(key, account=EMAIL, issued=now)) as browser:
        assert _signs_in(browser, EMAIL) == 303


def test_a_browser_shared_by_two_people_stays_trusted_for_both(
    org: Org, app: FastAPI, engine: Engine
) -> None:
    _account(engine, org)
    _account(engine, org, email="lead@acme.example")
    with _client(app, RESPONDENT) as shared:
        for email in (EMAIL, "lead@acme.example", EMAIL):  # the first again: one mark each
            assert _signs_in(shared, email) == 303
        marks = shared.cookies.get(DEVICE_COOKIE)
        assert marks
        assert len(marks.split("-")) == 2
        _guess_until_held(app, EMAIL)
        _guess_until_held(app, "lead@acme.example")
        for email in (EMAIL, "lead@acme.example"):
            assert _signs_in(shared, email) == 303, email
        # Past the number of marks kept, the oldest account is no longer trusted there.
        for n in range(DEVICE_MARKS):
            _account(engine, org, email=f"person{n}@acme.example")
            assert _signs_in(shared, f"person{n}@acme.example") == 303
        assert _signs_in(shared, "lead@acme.example") == 429


def test_a_trusted_browser_is_held_by_its_own_failures_and_holds_nobody_else(
    org: Org, app: FastAPI, engine: Engine, clock: Clock
) -> None:
    _account(engine, org)
    with _client(app, RESPONDENT) as owner:
        assert _signs_in(owner, EMAIL) == 303
        for _ in range(LIMITS.sign_ins_per_account):
            assert _signs_in(owner, EMAIL, "a wrong one") == 401
        held = _browser_sign_in(owner, EMAIL, PASSWORD)
        assert held.status_code == 429
        assert held.headers["retry-after"] == str(LIMITS.sign_in_window)
        # Its failures counted for it alone: another browser at the same address signs in.
        assert _sign_in(app, RESPONDENT, EMAIL, PASSWORD).status_code == 303
        clock.now += LIMITS.sign_in_window
        assert _signs_in(owner, EMAIL) == 303


# -- replicas -----------------------------------------------------------------------------------


def test_two_replicas_on_one_database_share_the_count(
    org: Org, engine: Engine, clock: Clock
) -> None:
    first = _limited(create_app(engine), DatabaseCounts(engine), clock)
    second = _limited(create_app(engine), DatabaseCounts(engine), clock)
    _shared_between(first, second, org, clock)


def test_two_replicas_on_one_redis_share_the_count(
    org: Org, engine: Engine, clock: Clock, redis_counts: RedisCounts
) -> None:
    first = _limited(create_app(engine), redis_counts, clock)
    other = RedisCounts(REDIS_URL, prefix=redis_counts.prefix)
    second = _limited(create_app(engine), other, clock)
    _shared_between(first, second, org, clock)
    assert _rows(engine) == 0, "with Redis the database holds no count"
    clock.now += 60
    with _client(first) as script:
        assert script.get(f"{API}/keys", headers=org.headers()).status_code == 200


def _shared_between(first: FastAPI, second: FastAPI, org: Org, clock: Clock) -> None:
    wrong = {"Authorization": "Bearer tvk_not-a-key"}
    with _client(first) as one, _client(second) as two:
        replicas = [one, two]
        for n in range(LIMITS.keys):
            assert replicas[n % 2].get(f"{API}/keys", headers=wrong).status_code == 401
        # The replica that counted the last failure holds the client at once; the other once
        # its copy of the held buckets is a second old.
        last, other = replicas[(LIMITS.keys - 1) % 2], replicas[LIMITS.keys % 2]
        _assert_held(
            last.get(f"{API}/keys", headers=org.headers()), seconds=60, field="Authorization"
        )
        assert other.get(f"{API}/keys", headers=org.headers()).status_code == 200
        clock.now += HELD_REFRESH_SECONDS
        for replica in replicas:
            _assert_held(
                replica.get(f"{API}/keys", headers=org.headers()), seconds=59, field="Authorization"
            )


def test_the_account_is_held_through_redis_until_the_window_passes(
    org: Org, engine: Engine, clock: Clock, redis_counts: RedisCounts
) -> None:
    app = _limited(create_app(engine), redis_counts, clock)
    _account(engine, org)
    for n in range(LIMITS.sign_ins_per_account):
        assert _sign_in(app, (f"192.0.2.{n + 1}", 1), EMAIL, "wrong guess again").status_code == 401
    assert _sign_in(app, RESPONDENT, EMAIL, PASSWORD).status_code == 429
    clock.now += 119
    assert _sign_in(app, RESPONDENT, EMAIL, PASSWORD).headers["retry-after"] == "1"
    clock.now += 1
    assert _sign_in(app, RESPONDENT, EMAIL, PASSWORD).status_code == 303


# -- the stores ---------------------------------------------------------------------------------


def _add_at_once(counts: FailureCounts, *, threads: int, each: int) -> None:
    def add() -> None:
        for _ in range(each):
            counts.add(
                {"both": 2_000_000_000, f"own-{threading.get_ident()}": 2_000_000_000}, now=1
            )

    workers = [threading.Thread(target=add) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def test_failures_added_at_once_are_all_counted(engine: Engine) -> None:
    counts = DatabaseCounts(engine)
    _add_at_once(counts, threads=4, each=10)
    assert counts.read(["both"], now=1)["both"].failures == 40


def test_failures_added_at_once_in_redis_are_all_counted(redis_counts: RedisCounts) -> None:
    _add_at_once(redis_counts, threads=4, each=10)
    assert redis_counts.read(["both"], now=1)["both"].failures == 40


def test_a_failure_after_the_window_opens_a_new_one_and_ended_rows_go(engine: Engine) -> None:
    counts = DatabaseCounts(engine)
    counts.add({"a": 100, "b": 100}, now=0)
    counts.add({"a": 100}, now=50)
    assert counts.read(["a", "b"], now=50) == {"a": Count(2, 100), "b": Count(1, 100)}
    assert counts.read(["a", "b"], now=100) == {}
    # The next failure opens a new window, and the rows of ended windows are deleted.
    after = counts.add({"a": 200}, now=100)
    assert (after["a"].failures, after["a"].reset_at) == (1, 200)
    with engine.connect() as connection:
        left = connection.execute(text("select bucket from ratelimit")).scalars().all()
    assert left == ["a"]


# -- settings -----------------------------------------------------------------------------------


def test_the_settings_set_the_limits_and_zero_turns_one_off(
    org: Org, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RATE_LIMIT_KEYS", "2")
    monkeypatch.setenv("RATE_LIMIT_TOKENS", "0")
    get_settings.cache_clear()
    app = create_app(engine)
    wrong = {"Authorization": "Bearer tvk_not-a-key"}
    with _client(app) as attacker:
        for n in range(LIMITS.tokens + 3):
            assert attacker.get(f"{API}/respond/tvi_guess{n}").status_code == 404
        assert _rows(engine) == 0
        assert [attacker.get(f"{API}/keys", headers=wrong).status_code for _ in range(3)] == [
            401,
            401,
            429,
        ]
    assert isinstance(app.state.rate_limiter.counts, DatabaseCounts)
    get_settings.cache_clear()


def test_redis_is_used_when_the_settings_name_it() -> None:
    limiter = rate_limiter(Settings(rate_limit_url=REDIS_URL), create_engine("sqlite://"))
    assert isinstance(limiter.counts, RedisCounts)
    with pytest.raises(ValueError, match="RATE_LIMIT_URL"):
        Settings(rate_limit_url="memcached://localhost")
    with pytest.raises(ValueError, match="RATE_LIMIT_"):
        Settings(rate_limit_keys=-1)


@pytest.mark.parametrize(
    ("host", "client"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        (None, "unknown"),
        ("testclient", "testclient"),
    ],
)
def test_a_client_is_its_address_or_its_ipv6_network(host: str | None, client: str) -> None:
    assert client_of(host) == client


def test_a_store_that_cannot_be_reached_refuses_nobody() -> None:
    limiter = RateLimiter(RedisCounts("redis://127.0.0.1:1/0"), limits=LIMITS)
    attempt = Attempt(Kind.key, "203.0.113.9")
    limiter.fail(attempt)
    assert limiter.check(attempt) is None
