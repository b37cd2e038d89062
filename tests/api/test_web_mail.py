"""HR's e-mail pages for a campaign, as plain HTML, on both databases: the list of addresses
uploaded as a CSV file, previewed, then added on confirmation (and nothing stored on any
error, every problem in an error summary); the invitations queued through the app's queue
(huey in immediate mode, writing ``.eml`` files or to a loopback SMTP server); reminders;
the send log with the server's reasons and a retry; the sentence after close; and the pages
refused to leaders, auditors (but the send log), other organisations and forged posts.
The browser's checks are in tests/web/test_mail_browser.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from api.app import create_app
from api.services import accounts
from api.services import campaigns as campaign_services
from api.services.access import init_organisation
from api.services.accounts import AccountCreate
from api.store.models import (
    AuditEvent,
    CampaignUpdate,
    MailMessage,
    MailRecipient,
    MailReminder,
    OrganisationCreate,
    Role,
)
from api.web.console import mail_upload
from api.web.i18n import Translator, catalogue
from tests.api.conftest import Org, table_counts
from tests.api.mail_support import Inbox, immediate_jobs, link_of, mail_settings, smtp_server, stage
from tests.api.pages import PASSWORD, page_text, sign_in

EN, FR = catalogue("en"), catalogue("fr")
CLOSES = datetime(2031, 3, 14, 17, 30, tzinfo=UTC)
ROSTER = (
    "email,unit,language\n"
    "ann@acme.example,night,en\n"
    "bob@acme.example,night,fr\n"
    "cleo@acme.example,day,\n"
    "dan@acme.example,day,fr\n"
)
ADDRESSES = ("ann@acme.example", "bob@acme.example", "cleo@acme.example", "dan@acme.example")


@dataclass
class Scene:
    client: TestClient
    engine: Engine
    org: Org
    campaign_id: int
    units: dict[str, int]
    folder: Path

    @property
    def page(self) -> str:
        return f"/console/campaigns/{self.campaign_id}"

    def mail(self, path: str = "") -> str:
        return f"/console/campaigns/{self.campaign_id}/mail{path}"


def _scene(org: Org, engine: Engine, folder: Path, **fields: Any) -> Iterator[Scene]:
    fields.setdefault("closes_at", CLOSES.isoformat())
    staged = stage(org, engine, **fields)
    with Session(engine, expire_on_commit=False) as session:
        for email, role, unit in (
            ("hr@acme.example", Role.admin, None),
            ("lead@acme.example", Role.leader, staged.units["night"]),
            ("works@acme.example", Role.auditor, None),
        ):
            accounts.create_account(
                session,
                organisation_id=org.organisation_id,
                data=AccountCreate(
                    email=email, name=email.split("@")[0], role=role, unit_id=unit,
                    password=PASSWORD,
                ),
                actor="test",
            )  # fmt: skip
    with TestClient(create_app(engine), base_url="https://testserver") as client:
        jobs = immediate_jobs(engine, mail_settings(folder), folder)
        client.app.state.jobs = jobs  # type: ignore[attr-defined]
        yield Scene(client, engine, org, staged.campaign_id, staged.units, folder)


@pytest.fixture
def scene(org: Org, engine: Engine, tmp_path: Path) -> Iterator[Scene]:
    """An open bilingual campaign over the night and day shifts (the lab takes no part),
    closing on ``CLOSES``; HR, a leader and an auditor; the queue in immediate mode writing
    each message as an ``.eml`` file in ``tmp_path/mail``."""
    yield from _scene(org, engine, tmp_path)


def _preview(scene: Scene, csrf: str, csv: str | bytes, lang: str = "en") -> httpx.Response:
    content = csv.encode() if isinstance(csv, str) else csv
    posted: httpx.Response = scene.client.post(
        scene.mail(f"/preview?lang={lang}"),
        data={"csrf": csrf},
        files={mail_upload.FILE_FIELD: ("addresses.csv", content, "text/csv")},
    )
    return posted


def _hidden(html: str) -> dict[str, str]:
    return {
        name: unescape(value)
        for name, value in re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', html)
    }


def _confirm(scene: Scene, preview: httpx.Response, **changed: str) -> httpx.Response:
    fields = _hidden(preview.text) | changed
    posted: httpx.Response = scene.client.post(
        scene.mail("/add?lang=en"), data=fields, follow_redirects=False
    )
    return posted


def _list(scene: Scene, csrf: str, csv: str = ROSTER) -> None:
    preview = _preview(scene, csrf, csv)
    assert preview.status_code == 200, page_text(preview.text)
    added = _confirm(scene, preview)
    assert added.status_code == 303


def _count(engine: Engine, table: Any) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def _summary(html: str) -> list[tuple[str, str]]:
    """The error summary's links: (target, text)."""
    box = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert box, "no error summary"
    links = re.findall(r'<a href="#([\w-]+)">(.*?)</a>', box.group(0), re.S)
    return [(href, page_text(text)) for href, text in links]


def _eml(scene: Scene) -> list[Any]:
    return [
        message_from_bytes(path.read_bytes(), policy=default)
        for path in sorted((scene.folder / "mail").glob("*.eml"))
    ]


# -- the list of addresses ------------------------------------------------------------------------


def test_the_section_explains_the_file_and_offers_its_template(scene: Scene) -> None:
    sign_in(scene.client, "hr@acme.example")
    page = scene.client.get(scene.page + "?lang=en")
    text = page_text(page.text)
    assert EN["mail.heading"] in text
    assert EN["mail.addresses_none"] in text
    assert 'enctype="multipart/form-data"' in page.text
    assert f'action="{scene.mail("/preview")}?lang=en"' in page.text
    for column in ("email", "unit", "language"):
        assert f"{column} – {EN['mail.column_' + column]}" in text
    assert page.text.index('id="mail"') > page.text.index(EN["console.links_heading"])

    template = scene.client.get(scene.mail("/template.csv"))
    assert template.status_code == 200
    assert template.headers["content-type"].startswith("text/csv")
    assert "attachment" in template.headers["content-disposition"]
    lines = template.content.decode("utf-8-sig").splitlines()
    assert lines == ["email,unit,language", ",day,en", ",night,en"]


def test_an_upload_is_previewed_and_nothing_is_stored_until_it_is_confirmed(
    scene: Scene,
) -> None:
    csrf = sign_in(scene.client, "hr@acme.example")
    before = table_counts(scene.engine)
    preview = _preview(scene, csrf, ROSTER)
    assert preview.status_code == 200
    text = page_text(preview.text)
    assert EN["mail.preview_lead"] in text
    assert f"{EN['mail.preview_added']} 4" in text
    assert f"{EN['mail.preview_already']} 0" in text
    for shown in ("Night shift 2", "Day shift 2", "English 2", "Français 2"):
        assert shown in text
    assert EN["mail.add_button.other"].format(n=4) in text
    assert table_counts(scene.engine) == before

    added = _confirm(scene, preview)
    assert added.status_code == 303
    assert added.headers["location"] == f"{scene.page}?lang=en&mail=listed#mail"
    assert _count(scene.engine, MailRecipient) == 4
    page = scene.client.get(added.headers["location"])
    text = page_text(page.text)
    assert EN["mail.notice_listed"] in text
    assert EN["mail.addresses_count.other"].format(n=4, invited=0) in text
    assert re.search(
        r"<th scope=\"row\">Night shift</th>\s*<td class=\"numeric\">2</td>", page.text
    )
    for shown in ("English : 2", "Français : 2"):  # a tag between name and count
        assert shown in text
    assert not any(address in page.text for address in ADDRESSES)

    # The same file again, with one more address: one to add, four skipped.
    again = _preview(scene, csrf, ROSTER + "eve@acme.example,day,en\n")
    text = page_text(again.text)
    assert f"{EN['mail.preview_added']} 1" in text
    assert f"{EN['mail.preview_already']} 4" in text
    assert EN["mail.preview_including.other"].format(n=4) in text
    assert _confirm(scene, again).status_code == 303
    assert _count(scene.engine, MailRecipient) == 5
    nothing = _preview(scene, csrf, ROSTER)
    assert EN["mail.preview_nothing"] in page_text(nothing.text)
    assert 'name="seal"' not in nothing.text


def test_a_french_spreadsheet_in_windows_1252_with_semicolons_is_read(scene: Scene) -> None:
    csrf = sign_in(scene.client, "hr@acme.example")
    csv = "email;unit;language\r\nzoé@acme.example;night;FR\r\nyann@acme.example;day;\r\n"
    preview = _preview(scene, csrf, csv.encode("cp1252"))
    assert preview.status_code == 200, page_text(preview.text)
    assert f"{EN['mail.preview_added']} 2" in page_text(preview.text)
    assert _confirm(scene, preview).status_code == 303
    assert _count(scene.engine, MailRecipient) == 2


def test_every_bad_row_is_in_an_error_summary_linked_to_the_file_and_nothing_is_stored(
    scene: Scene,
) -> None:
    csrf = sign_in(scene.client, "hr@acme.example")
    before = table_counts(scene.engine)
    refused = _preview(
        scene,
        csrf,
        "email,unit,language\n"
        "ann@acme.example,night,en\n"
        "not-an-address,night,en\n"
        "eve@acme.example,lab,en\n"
        "gus@acme.example,day,de\n"
        "ann@acme.example,day,en\n"
        "hal@acme.example,day,en,extra\n",
    )
    assert refused.status_code == 422
    assert {target for target, _ in _summary(refused.text)} == {"mail-file"}
    assert [message for _, message in _summary(refused.text)] == [
        "Row 3, column email: not an e-mail address: An email address must have an @-sign.",
        "Row 4, column unit: unit 'lab' (Lab) does not take part in the campaign",
        "Row 5, column language: 'de' is not a language of the campaign's messages (en, fr)",
        "Row 6, column email: ann@acme.example is listed twice (row 2 too)",
        "Row 7: has 4 cells; the header names 3 columns",
    ]
    assert 'id="mail-file"' in refused.text
    assert 'aria-describedby="mail-file-hint mail-file-error"' in refused.text
    assert EN["mail.file_error.other"].format(n=5) in page_text(refused.text)
    assert "<title>" + EN["common.title_error_prefix"] in refused.text
    assert 'name="seal"' not in refused.text
    assert table_counts(scene.engine) == before

    header = _preview(scene, csrf, "mail,unit\nann@acme.example,night\n")
    assert header.status_code == 422
    ((target, message),) = _summary(header.text)
    assert target == "mail-file"
    assert message.startswith("The first line of the file: unknown column 'mail'")
    assert table_counts(scene.engine) == before


def test_a_missing_empty_oversized_or_binary_file_is_refused_with_a_message(
    scene: Scene,
) -> None:
    csrf = sign_in(scene.client, "hr@acme.example")
    before = table_counts(scene.engine)
    cases = {
        EN["mail.error_no_file"]: scene.client.post(
            scene.mail("/preview"), data={"csrf": csrf},
            files={mail_upload.FILE_FIELD: ("", b"", "application/octet-stream")},
        ),
        EN["mail.error_empty"]: _preview(scene, csrf, b"\r\n"),
        EN["mail.error_too_big"].format(size=2): _preview(
            scene, csrf, b"email,unit\n" + b"x" * (mail_upload.MAX_FILE_BYTES + 10)
        ),
        EN["mail.error_not_text"]: _preview(scene, csrf, b"PK\x03\x04\x00\x00\x81\x8d"),
    }  # fmt: skip
    for message, refused in cases.items():
        assert refused.status_code == 422, message
        assert _summary(refused.text) == [("mail-file", message)]
    assert table_counts(scene.engine) == before


def test_a_confirmation_carries_only_the_file_previewed(scene: Scene) -> None:
    csrf = sign_in(scene.client, "hr@acme.example")
    preview = _preview(scene, csrf, ROSTER)
    other = _preview(scene, csrf, ROSTER.replace("ann@", "zed@"))
    swapped = _confirm(scene, preview, payload=_hidden(other.text)["payload"])
    assert swapped.status_code == 400
    garbled = _confirm(scene, preview, payload="not base64 at all!")
    assert garbled.status_code == 400
    assert "Traceback" not in garbled.text
    # Another session's preview does not pass either: the seal is the session's.
    csrf_again = sign_in(scene.client, "hr@acme.example")
    assert csrf_again != csrf
    assert _confirm(scene, preview, csrf=csrf_again).status_code == 400
    assert _count(scene.engine, MailRecipient) == 0


def test_a_list_changed_since_its_preview_shows_its_problems_and_stores_nothing(
    scene: Scene,
) -> None:
    csrf = sign_in(scene.client, "hr@acme.example")
    preview = _preview(scene, csrf, ROSTER)
    _list(scene, csrf, "email,unit\nann@acme.example,day\n")  # ann, listed meanwhile elsewhere
    refused = _confirm(scene, preview)
    assert refused.status_code == 422
    assert _summary(refused.text) == [
        (
            "mail-file",
            "Row 2, column email: ann@acme.example is on the list already, in unit 'Day shift':"
            " one address, one unit",
        )
    ]
    assert _count(scene.engine, MailRecipient) == 1


def test_the_addresses_not_invited_yet_can_be_taken_off_the_list(scene: Scene) -> None:
    csrf = sign_in(scene.client, "hr@acme.example")
    _list(scene, csrf)
    page = scene.client.get(scene.page + "?lang=en")
    assert EN["mail.clear_button.other"].format(n=4) in page_text(page.text)
    cleared = scene.client.post(
        scene.mail("/clear?lang=en"), data={"csrf": csrf}, follow_redirects=False
    )
    assert cleared.headers["location"] == f"{scene.page}?lang=en&mail=cleared#mail"
    assert _count(scene.engine, MailRecipient) == 0


# -- invitations ----------------------------------------------------------------------------------


def test_sending_queues_the_invitations_on_the_apps_queue_and_shows_no_link(
    scene: Scene,
) -> None:
    csrf = sign_in(scene.client, "hr@acme.example")
    _list(scene, csrf)
    page = scene.client.get(scene.page + "?lang=en")
    assert EN["mail.send_button.other"].format(n=4) in page_text(page.text)
    sent = scene.client.post(
        scene.mail("/send?lang=en"), data={"csrf": csrf}, follow_redirects=False
    )
    assert sent.headers["location"] == f"{scene.page}?lang=en&mail=sent#mail"
    messages = _eml(scene)  # the queue's job ran (immediate mode) and wrote them
    assert sorted(m["To"] for m in messages) == list(ADDRESSES)
    tokens = [link_of(m)[1] for m in messages]

    page = scene.client.get(sent.headers["location"])
    text = page_text(page.text)
    assert EN["mail.notice_sent"] in text
    assert EN["mail.send_all_invited"] in text
    assert EN["mail.addresses_count.other"].format(n=4, invited=4) in text
    assert re.search(
        r"<th scope=\"row\">Invitations</th>\s*<td class=\"numeric\">0</td>\s*"
        r"<td class=\"numeric\">4</td>\s*<td class=\"numeric\">0</td>",
        page.text,
    )
    log = scene.client.get(scene.mail("?lang=en"))
    assert log.status_code == 200
    for seen in (page.text, log.text):
        assert not any(token in seen for token in tokens)
    with Session(scene.engine) as session:
        events = session.exec(select(col(AuditEvent.action))).all()
    assert any("invitations" in str(action) for action in events)

    again = scene.client.post(scene.mail("/send"), data={"csrf": csrf}, follow_redirects=False)
    assert again.status_code == 303
    assert len(_eml(scene)) == 4


def test_a_draft_says_its_invitations_leave_when_it_opens(
    org: Org, engine: Engine, tmp_path: Path
) -> None:
    for scene in _scene(org, engine, tmp_path, open_it=False):
        csrf = sign_in(scene.client, "hr@acme.example")
        _list(scene, csrf)
        page = page_text(scene.client.get(scene.page + "?lang=en").text)
        assert EN["mail.send_draft_no_time"] in page
        refused = scene.client.post(scene.mail("/send?lang=en"), data={"csrf": csrf})
        assert refused.status_code == 422
        assert _summary(refused.text)[0][0] == "mail-send"
        assert "no opening time" in _summary(refused.text)[0][1]

        opens = datetime(2030, 5, 1, 8, 0, tzinfo=UTC)
        with Session(engine, expire_on_commit=False) as session:
            campaign_services.update_campaign(
                session, campaign_id=scene.campaign_id, data=CampaignUpdate(opens_at=opens)
            )
        page = page_text(scene.client.get(scene.page + "?lang=en").text)
        assert EN["mail.send_draft_hint"].format(opens="1 May 2030, 08:00 UTC") in page
        assert EN["mail.send_draft_button.other"].format(n=4) in page
        queued = scene.client.post(scene.mail("/send"), data={"csrf": csrf})
        assert queued.status_code == 200
        assert _eml(scene) == []  # they leave when it opens
        assert _count(engine, MailMessage) == 4


# -- reminders ------------------------------------------------------------------------------------


def test_reminders_are_added_in_utc_refused_in_the_past_and_removed(scene: Scene) -> None:
    csrf = sign_in(scene.client, "hr@acme.example")
    when = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    typed = when.strftime("%Y-%m-%dT%H:%M")
    added = scene.client.post(
        scene.mail("/reminders?lang=en"),
        data={"csrf": csrf, "send_at": typed},
        follow_redirects=False,
    )
    assert added.headers["location"] == f"{scene.page}?lang=en&mail=reminders#mail"
    page = scene.client.get(added.headers["location"])
    text = page_text(page.text)
    assert EN["mail.notice_reminders"] in text
    assert Translator("en").moment(when) in text
    assert EN["mail.reminder_waiting"] in text

    for typed_badly, key in (
        ("2001-01-01T09:00", "mail.reminder_error_past"),
        ("2032-01-01T09:00", "mail.reminder_error_after_close"),
        ("tomorrow", "mail.reminder_error_format"),
        (typed, "mail.reminder_error_twice"),
    ):
        refused = scene.client.post(
            scene.mail("/reminders?lang=en"), data={"csrf": csrf, "send_at": typed_badly}
        )
        assert refused.status_code == 422, key
        ((target, message),) = _summary(refused.text)
        assert target == "mail-send-at"
        assert message.startswith(EN[key].split("{")[0].rstrip()), (message, key)
        assert f'value="{typed_badly}"' in refused.text  # what was typed stays
        assert 'aria-describedby="mail-send-at-hint mail-send-at-error"' in refused.text
    assert _count(scene.engine, MailReminder) == 1

    (reminder_id,) = re.findall(r'name="reminder" value="(\d+)"', page.text)
    removed = scene.client.post(
        scene.mail("/reminders/remove?lang=en"),
        data={"csrf": csrf, "reminder": reminder_id},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert _count(scene.engine, MailReminder) == 0
    assert EN["mail.reminders_none"] in page_text(scene.client.get(scene.page).text)


# -- the send log ---------------------------------------------------------------------------------


def test_a_failure_shows_the_servers_reason_and_is_sent_again_on_retry(
    scene: Scene, tmp_path: Path
) -> None:
    inbox = Inbox(refuse={"dan@acme.example": "550 5.1.1 Mailbox unknown"})
    with smtp_server(inbox) as port:
        jobs = immediate_jobs(scene.engine, mail_settings(tmp_path, port), tmp_path)
        scene.client.app.state.jobs = jobs  # type: ignore[attr-defined]
        csrf = sign_in(scene.client, "hr@acme.example")
        _list(scene, csrf)
        scene.client.post(scene.mail("/send"), data={"csrf": csrf})
        assert len(inbox.messages) == 3
        page = scene.client.get(scene.page + "?lang=en")
        text = page_text(page.text)
        assert EN["mail.problems_heading.one"].format(n=1) in text
        assert "the server refused the recipient: 550 5.1.1 Mailbox unknown" in text
        assert "dan@acme.example" in text  # to admins, while the campaign keeps it
        assert EN["mail.retry_button.one"] in text

        del inbox.refuse["dan@acme.example"]
        retried = scene.client.post(
            scene.mail("/retry?lang=en"), data={"csrf": csrf}, follow_redirects=False
        )
        assert retried.headers["location"] == f"{scene.page}?lang=en&mail=retried#mail"
        assert [m["To"] for m in inbox.messages[3:]] == ["dan@acme.example"]
        text = page_text(scene.client.get(retried.headers["location"]).text)
        assert EN["mail.notice_retried"] in text
        assert EN["mail.retry_button.one"] not in text


def test_after_close_the_section_says_the_addresses_were_deleted(scene: Scene) -> None:
    csrf = sign_in(scene.client, "hr@acme.example")
    _list(scene, csrf)
    scene.client.post(scene.mail("/send"), data={"csrf": csrf})
    closed = scene.client.post(scene.page + "/close", data={"csrf": csrf})
    assert closed.status_code == 200
    text = page_text(closed.text)
    assert EN["mail.closed_deleted"] in text
    assert EN["mail.file_label"] not in text
    assert "Invitations 0 4 0 0" in text  # the send log stays
    assert not any(address in closed.text for address in ADDRESSES)
    late = _preview(scene, csrf, ROSTER)
    assert late.status_code == 422
    assert "is closed" in _summary(late.text)[0][1]


# -- who may --------------------------------------------------------------------------------------


def test_leaders_auditors_and_other_organisations_get_the_missing_page(
    scene: Scene, engine: Engine
) -> None:
    posts = ("/add", "/send", "/retry", "/clear", "/reminders", "/reminders/remove")
    for email in ("lead@acme.example", "works@acme.example"):
        csrf = sign_in(scene.client, email)
        assert scene.client.get(scene.mail("/template.csv")).status_code == 404
        for path in posts:
            refused = scene.client.post(
                scene.mail(path), data={"csrf": csrf, "send_at": "2030-01-01T09:00"}
            )
            assert refused.status_code == 404, (email, path)
            assert EN["status.console_not_found_title"] in page_text(refused.text)
        assert _preview(scene, csrf, ROSTER).status_code == 404
    # The auditor reads the send log, without addresses; the leader does not.
    assert scene.client.get(scene.mail("?lang=en")).status_code == 200
    sign_in(scene.client, "lead@acme.example")
    assert scene.client.get(scene.mail()).status_code == 404

    with Session(engine, expire_on_commit=False) as session:
        other, _ = init_organisation(session, OrganisationCreate(name="Other"))
        assert other.id is not None
        accounts.create_account(
            session, organisation_id=other.id,
            data=AccountCreate(email="hr@other.example", name="o", role=Role.admin,
                               password=PASSWORD),
            actor="test",
        )  # fmt: skip
    csrf = sign_in(scene.client, "hr@other.example")
    assert scene.client.get(scene.mail()).status_code == 404
    assert scene.client.get(scene.mail("/template.csv")).status_code == 404
    assert _preview(scene, csrf, ROSTER).status_code == 404
    assert scene.client.post(scene.mail("/send"), data={"csrf": csrf}).status_code == 404
    for table in (MailRecipient, MailMessage, MailReminder):
        assert _count(engine, table) == 0


def test_the_auditor_sees_the_send_log_without_addresses(scene: Scene, tmp_path: Path) -> None:
    inbox = Inbox(refuse={"dan@acme.example": "550 5.1.1 Mailbox unknown"})
    with smtp_server(inbox) as port:
        jobs = immediate_jobs(scene.engine, mail_settings(tmp_path, port), tmp_path)
        scene.client.app.state.jobs = jobs  # type: ignore[attr-defined]
        csrf = sign_in(scene.client, "hr@acme.example")
        _list(scene, csrf)
        scene.client.post(scene.mail("/send"), data={"csrf": csrf})
    sign_in(scene.client, "works@acme.example")
    listed = scene.client.get("/console?lang=en")
    assert f'href="/console/campaigns/{scene.campaign_id}/mail?lang=en"' in listed.text
    log = scene.client.get(scene.mail("?lang=en"))
    assert log.status_code == 200
    text = page_text(log.text)
    assert "Mailbox unknown" in text
    assert not any(address in log.text for address in ADDRESSES)
    assert EN["mail.retry_button.one"] not in text


def test_a_post_without_the_sessions_token_or_from_another_site_is_refused(
    scene: Scene, engine: Engine
) -> None:
    csrf = sign_in(scene.client, "hr@acme.example")
    before = table_counts(engine)
    assert _preview(scene, "forged", ROSTER).status_code == 403
    for path in ("/send", "/retry", "/clear", "/reminders", "/reminders/remove", "/add"):
        assert scene.client.post(scene.mail(path), data={"csrf": "forged"}).status_code == 403
    cross = scene.client.post(
        scene.mail("/preview"),
        data={"csrf": csrf},
        files={mail_upload.FILE_FIELD: ("a.csv", ROSTER.encode(), "text/csv")},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status_code == 403
    assert scene.client.post(scene.mail("/preview"), data={"csrf": csrf}).status_code == 400
    assert table_counts(engine) == before


# -- in French ------------------------------------------------------------------------------------


def test_the_section_and_the_preview_read_in_french(scene: Scene) -> None:
    csrf = sign_in(scene.client, "hr@acme.example")
    page = page_text(scene.client.get(scene.page + "?lang=fr").text)
    for key in ("mail.heading", "mail.lead", "mail.file_label", "mail.reminders_heading"):
        assert page_text(FR[key]) in page
    preview = _preview(scene, csrf, ROSTER, lang="fr")
    text = page_text(preview.text)
    assert page_text(FR["mail.preview_title"]) in text
    assert page_text(FR["mail.add_button.other"].format(n=4)) in text
    assert '<html lang="fr">' in preview.text
    refused = _preview(scene, csrf, "email,unit\nnobody,night\n", lang="fr")
    ((_, message),) = _summary(refused.text)
    assert message.startswith("Ligne 2, colonne email : ")  # the thin space, as _text reads it
    assert "colonne email\u202f:" in unescape(refused.text)
