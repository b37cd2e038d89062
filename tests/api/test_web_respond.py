"""The respondent's form as plain HTML, without a browser (the browser walks are in tests/web):
every page type and its status, save and resume, the language switch, problems shown with
every answer kept, and the guards of a page whose URL holds a secret. On both databases."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.services.access import digest
from api.services.org_chart import UnitImportRow
from api.store.models import Invitation, Response
from api.web.i18n import catalogue
from api.web.pages import CONTENT_SECURITY_POLICY
from instrument import load_builtin
from tests.api.conftest import INSTRUMENT, Org, stage_campaign, table_counts

API = "/api/v1"
INSTRUMENT_BANK = load_builtin(INSTRUMENT)
PARTS = [scale.items for scale in INSTRUMENT_BANK.scales]
ITEMS = INSTRUMENT_BANK.item_ids


def _campaign(org: Org, engine: Engine, count: int = 3, **fields: Any) -> list[str]:
    """Invitations to a bilingual campaign whose first language is English (open unless the
    fields say otherwise)."""
    fields.setdefault("languages", ["en", "fr"])
    open_it = fields.pop("open_it", True)
    staged = stage_campaign(
        engine,
        org.organisation_id,
        chart=[UnitImportRow(external_id="t", name="Team")],
        teams=["t"],
        open_it=open_it,
        **fields,
    )
    issued = org.client.post(
        f"{API}/campaigns/{staged.campaign_id}/invitations",
        json={"unit_id": staged.units["t"], "count": count},
        headers=org.headers(),
    )
    assert issued.status_code == 201, issued.text
    return list(issued.json()["tokens"])


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "the form carries its anti-forgery token"
    return found.group(1)


def _text(html: str) -> str:
    """The page's text as a person reads it."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def _checked(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="([A-Z_0-9]+)" value="(\w+)" checked', html))


def _draft(engine: Engine) -> list[dict[str, Any] | None]:
    with Session(engine) as session:
        return [i.draft for i in session.exec(select(Invitation).order_by(Invitation.id))]


def _draft_of(engine: Engine, token: str) -> dict[str, Any] | None:
    with Session(engine) as session:
        invitation = session.exec(
            select(Invitation).where(Invitation.token_hash == digest(token))
        ).one()
        return invitation.draft


def _stored(engine: Engine) -> list[tuple[str, dict[str, Any]]]:
    with Session(engine) as session:
        return [(r.language, dict(r.answers)) for r in session.exec(select(Response))]


def _post_part(
    org: Org, token: str, number: int, answers: dict[str, str], **extra: str
) -> httpx.Response:
    page = org.client.get(f"/r/{token}/p/{number}")
    return org.client.post(
        f"/r/{token}/p/{number}",
        data={"csrf": _csrf(page.text), "lang": extra.pop("lang", "en"), **answers, **extra},
        follow_redirects=False,
    )


def _choices(number: int) -> dict[str, str]:
    """A fixed, varied set of answers for a part: every value and 'does not apply'."""
    values = ["1", "2", "3", "4", "5", "6", "7", "na"]
    return {item: values[(number + i) % len(values)] for i, item in enumerate(PARTS[number - 1])}


def _expected(chosen: dict[str, str]) -> dict[str, int | None]:
    return {k: None if v == "na" else int(v) for k, v in chosen.items()}


# -- the walk ------------------------------------------------------------------------------------


def test_a_respondent_answers_every_page_with_plain_posts_and_sends(
    org: Org, engine: Engine
) -> None:
    token = _campaign(org, engine)[0]
    welcome = org.client.get(f"/r/{token}")
    assert welcome.status_code == 200
    assert f'href="/r/{token}/p/1?lang=en"' in welcome.text
    chosen: dict[str, str] = {}
    for number in range(1, len(PARTS) + 1):
        answers = _choices(number)
        chosen |= answers
        saved = _post_part(org, token, number, answers)
        assert saved.status_code == 303
        following = f"/p/{number + 1}" if number < len(PARTS) else "/review"
        assert saved.headers["location"] == f"/r/{token}{following}?lang=en"
    review = org.client.get(f"/r/{token}/review")
    assert review.status_code == 200
    assert catalogue("en")["review.all_answered"] in _text(review.text)
    sent = org.client.post(
        f"/r/{token}/review",
        data={"csrf": _csrf(review.text), "lang": "en", "action": "send"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/r/{token}/thanks?lang=en"
    thanks = org.client.get(sent.headers["location"])
    assert thanks.status_code == 200
    assert catalogue("en")["thanks.title"] in _text(thanks.text)
    assert _stored(engine) == [("en", _expected(chosen))]
    # The link is used up: every page of it now says so, and nothing of the draft is left.
    assert _draft_of(engine, token) is None
    for path in ("", "/p/1", "/review"):
        again = org.client.get(f"/r/{token}{path}")
        assert again.status_code == 410
        assert catalogue("en")["status.used_title"] in _text(again.text)


def test_each_page_saves_its_answers_and_the_link_resumes_where_the_respondent_stopped(
    org: Org, engine: Engine
) -> None:
    token = _campaign(org, engine)[0]
    for number in (1, 2, 3):
        assert _post_part(org, token, number, _choices(number)).status_code == 303
    half = dict(list(_choices(4).items())[:2])
    assert _post_part(org, token, 4, half, action="later").headers["location"] == (
        f"/r/{token}/saved?lang=en"
    )
    assert org.client.get(f"/r/{token}/saved").status_code == 200
    answered = sum(len(PARTS[n]) for n in range(3)) + 2
    assert _draft_of(engine, token) == _expected(_choices(1) | _choices(2) | _choices(3) | half)

    # Another device: only the link.
    welcome = org.client.get(f"/r/{token}")
    text = _text(welcome.text)
    assert f"You have answered {answered} of {len(ITEMS)} statements so far." in text
    assert f'href="/r/{token}/p/4?lang=en"' in welcome.text, "resumes on the unfinished page"
    part = org.client.get(f"/r/{token}/p/4")
    assert _checked(part.text) == half

    # A complete page: the next one is where to go on.
    assert _post_part(org, token, 4, _choices(4)).status_code == 303
    assert f'href="/r/{token}/p/5?lang=en"' in org.client.get(f"/r/{token}").text


def test_back_saves_the_page_and_goes_to_the_one_before(org: Org, engine: Engine) -> None:
    token = _campaign(org, engine)[0]
    back = _post_part(org, token, 2, _choices(2), action="back")
    assert back.headers["location"] == f"/r/{token}/p/1?lang=en"
    assert _draft_of(engine, token) == _expected(_choices(2))
    first = _post_part(org, token, 1, {}, action="back")
    assert first.headers["location"] == f"/r/{token}?lang=en"


def test_the_autosave_of_the_script_saves_without_a_redirect(org: Org, engine: Engine) -> None:
    token = _campaign(org, engine)[0]
    page = org.client.get(f"/r/{token}/p/1")
    saved = org.client.post(
        f"/r/{token}/p/1",
        data={"csrf": _csrf(page.text), "lang": "en", "HA01": "6", "action": "autosave"},
        headers={"X-Transversal-Autosave": "1"},
        follow_redirects=False,
    )
    assert saved.status_code == 204
    assert _draft_of(engine, token) == {"HA01": 6}


# -- problems, with every answer kept -------------------------------------------------------------


def test_sending_with_unanswered_statements_comes_back_with_every_answer_kept(
    org: Org, engine: Engine
) -> None:
    token = _campaign(org, engine)[0]
    chosen: dict[str, str] = {}
    for number in range(1, len(PARTS) + 1):
        answers = _choices(number)
        chosen |= answers
        _post_part(org, token, number, answers)
    skipped = ["HA02", "TR01", PARTS[-1][-1]]
    for item in skipped:
        del chosen[item]
    with Session(engine) as session:
        invitation = session.exec(
            select(Invitation).where(Invitation.token_hash == digest(token))
        ).one()
        invitation.draft = _expected(chosen)
        session.add(invitation)
        session.commit()
    before = table_counts(engine)

    review = org.client.get(f"/r/{token}/review")
    # Listed with links to where they are, and back to the review once answered there.
    part_of = {item: n for n, items in enumerate(PARTS, start=1) for item in items}
    for item in skipped:
        link = f"/r/{token}/p/{part_of[item]}?lang=en&amp;return=review#{item}"
        assert f'<a href="{link}">' in review.text
    back = _post_part(org, token, part_of["HA02"], {}, **{"return": "review"})
    assert back.headers["location"] == f"/r/{token}/review?lang=en"
    sent = org.client.post(
        f"/r/{token}/review",
        data={"csrf": _csrf(review.text), "lang": "en", "action": "send"},
    )
    assert sent.status_code == 422
    assert table_counts(engine) == before, "nothing is stored"
    assert _draft_of(engine, token) == _expected(chosen), "every answer is kept"
    html = sent.text
    assert html.index('class="error-summary"') < html.index("<h1")
    links = re.findall(r'<li><a href="#([A-Z_0-9]+)">', html)
    assert links == skipped
    en = catalogue("en")
    for item in skipped:
        # Beside the statement: its message, tied to the fieldset, and a radio to answer it.
        assert f'aria-describedby="{item}-error"' in html
        assert f'id="{item}-error"' in html
        assert f'id="{item}" name="{item}"' in html
    assert "<title>Error: " in html
    # The answers given are on the page.
    summary = _text(html)
    assert summary.count(en["review.not_answered"]) == len(skipped)

    # Answering them where they are shown, and sending, goes through.
    fixed = dict.fromkeys(skipped, "3")
    done = org.client.post(
        f"/r/{token}/review",
        data={"csrf": _csrf(html), "lang": "en", "action": "send", **fixed},
        follow_redirects=False,
    )
    assert done.status_code == 303, _text(done.text)
    assert _stored(engine) == [("en", _expected(chosen | fixed))]


def test_a_value_that_is_no_choice_is_shown_beside_its_statement_and_the_rest_is_saved(
    org: Org, engine: Engine
) -> None:
    token = _campaign(org, engine)[0]
    answers = dict(_choices(1))
    answers["HA03"] = "9"
    answers["HA04"] = "<b>4</b>"
    refused = _post_part(org, token, 1, answers)
    assert refused.status_code == 422
    assert re.findall(r'<li><a href="#([A-Z_0-9]+)">', refused.text) == ["HA03", "HA04"]
    assert "<b>4</b>" not in refused.text
    kept = {k: v for k, v in _expected(_choices(1)).items() if k not in ("HA03", "HA04")}
    assert _draft_of(engine, token) == kept
    assert _checked(refused.text) == {k: v for k, v in _choices(1).items() if k in kept}


# -- languages -----------------------------------------------------------------------------------


def test_the_page_speaks_the_browsers_language_and_the_respondent_can_switch_at_any_point(
    org: Org, engine: Engine
) -> None:
    token = _campaign(org, engine)[0]
    french = org.client.get(f"/r/{token}", headers={"Accept-Language": "fr-CH, en;q=0.5"})
    assert '<html lang="fr">' in french.text
    assert catalogue("fr")["welcome.start"] in _text(french.text)
    assert f'href="/r/{token}/p/1?lang=fr"' in french.text
    assert '<html lang="en">' in org.client.get(f"/r/{token}").text

    # Switching on a page with answers on it keeps them and stores the language.
    switched = _post_part(org, token, 1, _choices(1), switch="fr")
    assert switched.headers["location"] == f"/r/{token}/p/1?lang=fr"
    page = org.client.get(switched.headers["location"])
    assert '<html lang="fr">' in page.text
    assert _checked(page.text) == _choices(1)
    assert INSTRUMENT_BANK.item("HA01").text["fr"] in unescape(page.text)
    # Opened again without a language: the draft's language.
    assert '<html lang="fr">' in org.client.get(f"/r/{token}").text

    for number in range(2, len(PARTS) + 1):
        _post_part(org, token, number, _choices(number), lang="fr")
    review = org.client.get(f"/r/{token}/review")
    assert '<html lang="fr">' in review.text
    org.client.post(
        f"/r/{token}/review", data={"csrf": _csrf(review.text), "lang": "fr", "action": "send"}
    )
    assert [language for language, _ in _stored(engine)] == ["fr"]


def test_a_campaign_in_one_language_offers_no_switch(org: Org, engine: Engine) -> None:
    token = _campaign(org, engine, languages=["fr"])[0]
    page = org.client.get(f"/r/{token}?lang=en", headers={"Accept-Language": "en"})
    assert '<html lang="fr">' in page.text
    assert "languages__link" not in page.text


def test_problems_are_told_in_the_language_of_the_page(org: Org, engine: Engine) -> None:
    token = _campaign(org, engine)[0]
    refused = _post_part(org, token, 1, {"HA01": "0"}, lang="fr")
    assert refused.status_code == 422
    fr = catalogue("fr")
    text = _text(refused.text)
    assert fr["errors.summary"] in text
    assert fr["errors.invalid"] in text


# -- the welcome page ----------------------------------------------------------------------------


def test_the_welcome_page_says_how_long_and_who_sees_what(org: Org, engine: Engine) -> None:
    closes = datetime(2031, 3, 14, 17, 30, tzinfo=UTC)
    token = _campaign(org, engine, min_group_size=7, closes_at=closes.isoformat())[0]
    text = _text(org.client.get(f"/r/{token}").text)
    # 60 statements at 8 s each and a minute for this page.
    assert f"It takes about 9 minutes: {len(ITEMS)} short statements" in text
    assert "in 14 parts" in text
    assert "groups of at least 7 people" in text
    assert "without any link to this invitation" in text
    assert "The survey closes on 14 March 2031, 17:30 UTC." in text
    french = _text(org.client.get(f"/r/{token}?lang=fr").text)
    assert "L'enquête se termine le 14 mars 2031 à 17:30 UTC." in french


# -- each state of a link ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "status", "title"),
    [
        ({"open_it": False}, 409, "status.not_open_title"),
        (
            {"opens_at": (datetime.now(UTC) + timedelta(days=3)).isoformat()},
            409,
            "status.not_open_title",
        ),
    ],
)
def test_a_campaign_not_open_yet_says_so(
    org: Org, engine: Engine, fields: dict[str, Any], status: int, title: str
) -> None:
    token = _campaign(org, engine, **fields)[0]
    for language in ("en", "fr"):
        page = org.client.get(f"/r/{token}/p/1?lang={language}")
        assert page.status_code == status
        assert catalogue(language)[title] in _text(page.text)


def test_a_closed_campaign_and_an_unknown_link_say_so(org: Org, engine: Engine) -> None:
    tokens = _campaign(org, engine)
    campaign = org.client.get(f"{API}/campaigns", headers=org.headers()).json()[0]["id"]
    for path in ("/r", "/r/", f"/r/{tokens[1]}/p/15", f"/r/{tokens[1]}/p/x", f"/r/{tokens[1]}/z"):
        missing = org.client.get(path)
        assert missing.status_code == 404, path
        assert missing.headers["content-type"].startswith("text/html")
    page = org.client.get(f"/r/{tokens[0]}/p/1")
    assert org.client.post(
        f"{API}/campaigns/{campaign}/close", headers=org.headers()
    ).status_code in (200, 201)
    closed = org.client.get(f"/r/{tokens[0]}")
    assert closed.status_code == 410
    assert catalogue("en")["status.closed_title"] in _text(closed.text)
    # A page served before the close, posted after it: told, not a traceback.
    late = org.client.post(
        f"/r/{tokens[0]}/p/1", data={"csrf": _csrf(page.text), "HA01": "5", "lang": "en"}
    )
    assert late.status_code == 410
    unknown = org.client.get("/r/tvi_notatokenatall", headers={"Accept-Language": "fr"})
    assert unknown.status_code == 404
    assert catalogue("fr")["status.unknown_title"] in _text(unknown.text)


def test_the_thank_you_page_is_only_for_a_link_that_was_used(org: Org, engine: Engine) -> None:
    token = _campaign(org, engine)[0]
    early = org.client.get(f"/r/{token}/thanks", follow_redirects=False)
    assert early.status_code == 303
    assert early.headers["location"] == f"/r/{token}?lang=en"


# -- guards --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "headers"),
    [
        ({"HA01": "5"}, {}),
        ({"HA01": "5", "csrf": "0" * 64}, {}),
        ({"HA01": "5", "csrf": "GOOD"}, {"Sec-Fetch-Site": "cross-site"}),
        ({"HA01": "5", "csrf": "GOOD"}, {"Origin": "https://evil.example"}),
    ],
    ids=["no-token", "wrong-token", "cross-site", "other-origin"],
)
def test_a_post_without_the_pages_token_or_from_another_site_changes_nothing(
    org: Org, engine: Engine, data: dict[str, str], headers: dict[str, str]
) -> None:
    tokens = _campaign(org, engine)
    page = org.client.get(f"/r/{tokens[0]}/p/1")
    if data.get("csrf") == "GOOD":
        data["csrf"] = _csrf(page.text)
    refused = org.client.post(f"/r/{tokens[0]}/p/1", data=data, headers=headers)
    assert refused.status_code == 403
    assert catalogue("en")["status.forbidden_title"] in _text(refused.text)
    assert _draft(engine) == [None, None, None]


def test_the_token_of_one_link_is_refused_on_another(org: Org, engine: Engine) -> None:
    tokens = _campaign(org, engine)
    mine = _csrf(org.client.get(f"/r/{tokens[0]}/p/1").text)
    refused = org.client.post(f"/r/{tokens[1]}/p/1", data={"csrf": mine, "HA01": "5"})
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"csrf=x&HA01=5", "text/plain", 400),
        (b"csrf=" + b"a" * 70_000, "application/x-www-form-urlencoded", 413),
        (b"csrf=\xff\xfe", "application/x-www-form-urlencoded", 400),
        (b"&".join(b"f%d=1" % i for i in range(500)), "application/x-www-form-urlencoded", 400),
    ],
    ids=["not-a-form", "too-large", "not-utf8", "too-many-fields"],
)
def test_a_body_that_is_no_page_of_the_form_gets_a_page_that_says_so(
    org: Org, engine: Engine, content: bytes, content_type: str, status: int
) -> None:
    token = _campaign(org, engine)[0]
    refused = org.client.post(
        f"/r/{token}/p/1", content=content, headers={"Content-Type": content_type}
    )
    assert refused.status_code == status
    assert refused.headers["content-type"].startswith("text/html")
    assert _draft_of(engine, token) is None


def test_every_page_is_served_with_the_headers_of_a_page_with_a_secret_in_its_url(
    org: Org, engine: Engine
) -> None:
    tokens = _campaign(org, engine)
    paths = [
        f"/r/{tokens[0]}",
        f"/r/{tokens[0]}/p/1",
        f"/r/{tokens[0]}/review",
        f"/r/{tokens[0]}/saved",
        "/r/unknown",
        f"/r/{tokens[0]}/nowhere",
    ]
    for path in paths:
        page = org.client.get(path)
        headers = page.headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        # Nothing from elsewhere: every src and href is the app's own.
        for address in re.findall(r'(?:src|href|action)="([^"]*)"', page.text):
            assert address.startswith(("/", "#")), address
            assert not address.startswith("//"), address
        assert "<script>" not in page.text, "no inline script"
        assert " style=" not in page.text, "no inline style"
    html = org.client.get(f"/r/{tokens[0]}/p/1").text
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        served = org.client.get(asset)
        assert served.status_code == 200
        assert served.headers["x-content-type-options"] == "nosniff"
        assert "http" not in served.text.replace("http-equiv", ""), "no address of elsewhere"


def test_a_failure_inside_shows_a_page_and_no_traceback(
    org: Org, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from api.services import collection

    token = _campaign(org, engine)[0]

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the database went away: secret detail")

    monkeypatch.setattr(collection, "respondent_view", broken)
    with TestClient(org.client.app, raise_server_exceptions=False) as client:
        page = client.get(f"/r/{token}/p/1?lang=fr")
    assert page.status_code == 500
    assert catalogue("fr")["status.error_title"] in _text(page.text)
    assert "Traceback" not in page.text
    assert "secret detail" not in page.text
    assert page.headers["cache-control"] == "no-store"


def test_the_json_route_still_answers_scripts(org: Org, engine: Engine) -> None:
    token = _campaign(org, engine)[0]
    form = org.client.get(f"{API}/respond/{token}")
    assert form.status_code == 200
    assert form.json()["total"] == len(ITEMS)


def test_the_autosave_on_the_review_page_saves_and_never_sends(org: Org, engine: Engine) -> None:
    token = _campaign(org, engine)[0]
    review = org.client.get(f"/r/{token}/review")
    every = dict.fromkeys(ITEMS, "4")
    saved = org.client.post(
        f"/r/{token}/review",
        data={"csrf": _csrf(review.text), "lang": "en", "action": "autosave", **every},
        headers={"X-Transversal-Autosave": "1"},
        follow_redirects=False,
    )
    assert saved.status_code == 204
    assert _stored(engine) == [], "complete, but not sent: only the button sends"
    assert _draft_of(engine, token) == dict.fromkeys(ITEMS, 4)


def test_a_campaign_closed_before_its_closing_time_gives_no_date_it_did_not_close_on(
    org: Org, engine: Engine
) -> None:
    closes = datetime(2031, 3, 14, 17, 30, tzinfo=UTC)
    tokens = _campaign(org, engine, closes_at=closes.isoformat())
    campaign = org.client.get(f"{API}/campaigns", headers=org.headers()).json()[0]["id"]
    org.client.post(f"{API}/campaigns/{campaign}/close", headers=org.headers())
    page = _text(org.client.get(f"/r/{tokens[0]}").text)
    assert catalogue("en")["status.closed_body_undated"] in page
    assert "2031" not in page
