"""Helpers for tests that read the server-rendered pages as a browser would: the text a page
shows, the anti-forgery token of its forms, and signing in."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient

PASSWORD = "a long enough passphrase"
"""The password the tests' accounts are made with."""


def page_text(html: str) -> str:
    """The page's text, tags taken out and white space folded."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def form_token(html: str) -> str:
    """The anti-forgery token the page's forms carry."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no form with an anti-forgery token"
    return found.group(1)


def sign_in(client: TestClient, email: str, *, password: str = PASSWORD) -> str:
    """Sign in afresh; the session's anti-forgery token, from the person's home page."""
    client.cookies.clear()
    form = client.get("/signin")
    signed = client.post(
        "/signin",
        data={"csrf": form_token(form.text), "email": email, "password": password},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text[:300]
    return form_token(client.get(signed.headers["location"]).text)
