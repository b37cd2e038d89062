"""Reading the list of addresses HR uploads on a campaign's page: the posted file
(``multipart/form-data``, bounded in size), its text (UTF-8, or Windows-1252 as older Excel
saves a CSV), its cells (commas, or semicolons as French spreadsheets write them), and the
file carried from the preview to its confirmation.

Between the two steps the file travels in the preview page's form, compressed and sealed with
an HMAC under the session's anti-forgery token: the import confirmed is the file previewed,
and nothing is stored before it is confirmed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import zlib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from api.services.errors import FieldError
from api.web.pages import PageError, digits

FILE_FIELD = "addresses"
"""The upload form's file input."""
MAX_FILE_BYTES = 2 * 1024 * 1024
"""The largest list the page takes (some 50,000 addresses); a longer one goes in parts."""
MAX_BODY_BYTES = 32 * 1024 * 1024
"""A larger post is read to its end and answered with a page; one larger still is refused."""
MAX_SEALED_BYTES = MAX_FILE_BYTES * 4 // 3 + 64 * 1024
"""The confirmation's form: the file compressed, in base64, and a few fields."""
SHOWN_ERRORS = 100
"""Problems listed one by one; the rest are counted."""


@dataclass
class Upload:
    """A posted upload form: its fields, and its file (None: no file chosen)."""

    fields: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    filename: str = ""
    too_big: bool = False


async def _body(request: Request, *, limit: int, hard_limit: int) -> tuple[bytes, bool]:
    """The body, and whether it went over ``limit`` (then not kept). Over ``hard_limit``,
    declared or read, the post is refused."""
    declared = request.headers.get("content-length")
    if declared is not None and (not digits(declared) or int(declared) > hard_limit):
        raise PageError(413, "bad_request")
    body, size = bytearray(), 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > hard_limit:
            raise PageError(413, "bad_request")
        if size <= limit:
            body += chunk
    # Read to its end: a browser still sending its file would not read an early answer.
    return bytes(body), size > limit


async def read_upload(request: Request, *, file_field: str) -> Upload:
    """The posted ``multipart/form-data`` form, its file ``file_field`` kept up to
    ``MAX_FILE_BYTES`` (over that, ``too_big``)."""
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "multipart/form-data":
        raise PageError(400, "bad_request")
    body, too_big = await _body(
        request, limit=MAX_FILE_BYTES + 64 * 1024, hard_limit=MAX_BODY_BYTES
    )
    if too_big:
        # The form's small fields come before the file; the anti-forgery token is among them.
        return Upload(fields=_leading_fields(body), too_big=True)
    message = await run_in_threadpool(_parse, content_type, body)
    if not message.is_multipart():
        raise PageError(400, "bad_request")
    upload = Upload()
    for part in message.iter_parts():
        assert isinstance(part, EmailMessage)
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        if name == file_field:
            upload.filename = (part.get_filename() or "")[:200]
            upload.content = payload if upload.filename or payload else None
            upload.too_big = len(payload) > MAX_FILE_BYTES
        else:
            upload.fields.setdefault(name, payload.decode("utf-8", "replace"))
    return upload


def _parse(content_type: str, body: bytes) -> EmailMessage:
    """The multipart body as a MIME message (the standard library's parser, as e-mail and
    form posts share the format)."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    assert isinstance(message, EmailMessage)
    return message


_SMALL_FIELD = re.compile(rb'name="(\w{1,40})"\r\n\r\n([^\r\n]{0,200})\r\n--')


def _leading_fields(head: bytes) -> dict[str, str]:
    """The short fields at the start of a multipart body cut short."""
    return {
        name.decode(): value.decode("utf-8", "replace")
        for name, value in _SMALL_FIELD.findall(head[: 64 * 1024])
    }


async def read_sealed_form(request: Request) -> dict[str, str]:
    """The confirmation's ``application/x-www-form-urlencoded`` form, larger than the other
    forms' (it carries the file): up to ``MAX_SEALED_BYTES``."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise PageError(400, "bad_request")
    body, _ = await _body(request, limit=MAX_SEALED_BYTES, hard_limit=MAX_SEALED_BYTES)
    try:
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PageError(400, "bad_request") from exc
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


# -- the file carried from the preview to its confirmation ----------------------------------------


def _seal(key: str, campaign_id: int, content: bytes) -> str:
    message = f"mail-roster\x1f{campaign_id}\x1f".encode() + content
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def pack(content: bytes, *, key: str, campaign_id: int) -> dict[str, str]:
    """The hidden fields that carry ``content`` to the confirmation."""
    return {
        "payload": base64.urlsafe_b64encode(zlib.compress(content, 6)).decode("ascii"),
        "seal": _seal(key, campaign_id, content),
    }


def unpack(fields: dict[str, str], *, key: str, campaign_id: int) -> bytes:
    """The file the preview carried, once its seal holds; else a refused post."""
    try:
        packed = base64.urlsafe_b64decode(fields.get("payload", "").encode("ascii"))
        inflate = zlib.decompressobj()
        content = inflate.decompress(packed, MAX_FILE_BYTES + 1)
    except (binascii.Error, ValueError, zlib.error) as exc:
        raise PageError(400, "bad_request") from exc
    sealed = _seal(key, campaign_id, content)
    if len(content) > MAX_FILE_BYTES or not hmac.compare_digest(sealed, fields.get("seal", "")):
        raise PageError(400, "bad_request")
    return content


# -- the file's text and cells ------------------------------------------------------------------


def decode(content: bytes) -> str | None:
    """The file's text: UTF-8 (with or without its byte order mark), else Windows-1252; None
    if it is neither (not a text file)."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return None if "\x00" in text else text
    return None


def tally(
    table: list[list[str]], *, units: dict[str, str], default_language: str
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The rows of a checked file by unit name and by language, in order of first sight.
    ``units``: a unit's name by the texts that name it in the file (its id, its external id)."""
    names = [cell.strip().lower() for cell in table[0]] if table else []
    by_unit: dict[str, int] = {}
    by_language: dict[str, int] = {}
    for cells in table[1:]:
        if not any(cell.strip() for cell in cells):
            continue
        values = {name: cells[i].strip() for i, name in enumerate(names) if i < len(cells)}
        unit = units.get(values.get("unit", ""), values.get("unit", ""))
        language = values.get("language", "").lower() or default_language
        by_unit[unit] = by_unit.get(unit, 0) + 1
        by_language[language] = by_language.get(language, 0) + 1
    return list(by_unit.items()), list(by_language.items())


# -- problems as the pages show them --------------------------------------------------------------

_ROW = re.compile(r"rows\[(\d+)\](?:\.(\w+))?")


def problem_views(errors: list[FieldError] | tuple[FieldError, ...]) -> list[dict[str, Any]]:
    """Each problem as a message key and its values: by row and column where there is one.
    Only the first ``SHOWN_ERRORS``; ``more_problems`` counts the rest."""
    shown = []
    for error in errors[:SHOWN_ERRORS]:
        found = _ROW.fullmatch(error.field)
        if found and found.group(2):
            key, values = "mail.error_cell", {"row": found.group(1), "column": found.group(2)}
        elif found:
            key, values = "mail.error_row", {"row": found.group(1)}
        elif error.field == "columns":
            key, values = "mail.error_header", {}
        else:
            key, values = "mail.error_file", {}
        shown.append({"key": key, "values": {**values, "reason": error.reason}})
    return shown


def more_problems(errors: list[FieldError] | tuple[FieldError, ...]) -> int:
    return max(0, len(errors) - SHOWN_ERRORS)
