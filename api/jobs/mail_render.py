"""Messages written from their templates (``mail_templates/<kind>.txt`` and ``.html``) and
texts (``mail_templates/<language>.toml``): a plain text part and an HTML part, in the
language of the person they go to. Templates receive plain values only; the HTML one is
escaped, and links nothing outside the message (no image, font or style to fetch)."""

from __future__ import annotations

import hashlib
import re
import tomllib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from api.services.mail import MAIL_LANGUAGES
from api.services.mail_delivery import Outgoing
from api.services.texts import Texts, flatten
from api.settings import Settings

DEFAULT_BASE = "http://localhost:8000"
"""The links' start when neither ``PUBLIC_URL`` nor the request that queued them gave one."""


@cache
def texts(language: str) -> dict[str, Any]:
    """The messages' texts of ``language`` by dotted key."""
    if language not in MAIL_LANGUAGES:
        raise KeyError(f"no e-mail texts in {language!r}")
    source = resources.files("api.jobs") / "mail_templates" / f"{language}.toml"
    return flatten(tomllib.loads(source.read_text("utf-8")))


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("api.jobs", "mail_templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


class _Texts(Texts):
    def __init__(self, language: str) -> None:
        super().__init__(language, texts(language))


def link_of(outgoing: Outgoing, settings: Settings) -> str:
    """The message's link: ``PUBLIC_URL``, else the address of the request that queued it."""
    base = settings.public_url or outgoing.link_base or DEFAULT_BASE
    return base.rstrip("/") + outgoing.link_path


def render(outgoing: Outgoing, *, settings: Settings, now: datetime | None = None) -> EmailMessage:
    """The message to send: headers, a text part and an HTML alternative."""
    t = _Texts(outgoing.language)
    kind = str(outgoing.kind)
    closes = (
        t("common.closes", date=t.moment(outgoing.closes_at))
        if outgoing.closes_at is not None
        else t("common.closes_unknown")
    )
    subject = t(
        f"{kind}.subject",
        organisation=outgoing.organisation,
        campaign=outgoing.campaign,
        unit=outgoing.unit,
    )
    values = {
        "t": t,
        "kind": kind,
        "language": outgoing.language,
        "subject": subject,
        "organisation": outgoing.organisation,
        "campaign": outgoing.campaign,
        "unit": outgoing.unit,
        "closes": closes,
        "min_group_size": outgoing.min_group_size,
        "link": link_of(outgoing, settings),
    }
    environment = _environment()
    message = EmailMessage()
    # A campaign's name cannot break the header onto a line of its own.
    message["Subject"] = re.sub(r"[\r\n]+", " ", subject)
    message["From"] = settings.mail_from
    message["To"] = outgoing.to
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = _message_id(outgoing, settings)
    # RFC 3834: an automatic message, to which out-of-office replies are not sent.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(environment.get_template(f"{kind}.txt").render(values))
    message.add_alternative(environment.get_template(f"{kind}.html").render(values), subtype="html")
    # After the parts: setting the content clears the Content-* headers.
    message["Content-Language"] = outgoing.language
    return message


def _message_id(outgoing: Outgoing, settings: Settings) -> str:
    """The same for every try of a message, so that a receiving server or program that sees
    it twice can tell; made of a digest of the message's key, which tells nothing."""
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"
    return f"<{hashlib.sha256(outgoing.key.encode()).hexdigest()[:32]}@{domain}>"
