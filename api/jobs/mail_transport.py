"""Where messages go: an SMTP server (``SMTP_HOST``), or, with none set, ``.eml`` files in a
folder (``MAIL_DIR``), so that one machine needs nothing more.

A failure says whose it is, as the sending job must treat it:

- ``Refused``: the server refused this message for good (a 5xx reply to its recipient or its
  content); it is not tried again.
- ``Deferred``: the server put this message off (a 4xx reply); it is tried again later.
- ``Unavailable``: the server cannot be reached or used (down, refusing the sign-in or the
  sender, a full disk); the message is tried again later and the run stops.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Protocol

from api.settings import Settings


class DeliveryError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Refused(DeliveryError):
    """Refused for good."""


class Deferred(DeliveryError):
    """Put off by the server: try again later."""


class Unavailable(DeliveryError):
    """The server cannot be reached or used now."""


class Transport(Protocol):
    def send(self, message: EmailMessage, *, name: str) -> None: ...

    def close(self) -> None: ...


def make_transport(settings: Settings) -> Transport:
    """SMTP when ``SMTP_HOST`` is set, else the folder ``MAIL_DIR``."""
    if settings.smtp_host:
        return SmtpTransport(settings)
    return FolderTransport(settings.mail_folder())


class FolderTransport:
    """Writes each message as ``<name>.eml``, whole or not at all; a message written again
    replaces its file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage, *, name: str) -> None:
        path = self.folder / f"{name}.eml"
        part = path.with_name(path.name + ".part")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            part.write_bytes(message.as_bytes(policy=SMTP))
            os.replace(part, path)
        except OSError as exc:
            raise Unavailable(f"cannot write to the mail folder {self.folder}: {exc}") from None

    def close(self) -> None:
        pass


class SmtpTransport:
    """One connection for a run's messages, opened on the first and again if the server drops
    it between two."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.host = settings.smtp_host
        self.port = settings.smtp_port_or_default()
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage, *, name: str) -> None:
        for attempt in (1, 2):
            smtp = self._smtp or self._connect()
            self._smtp = smtp
            try:
                smtp.send_message(message)
                return
            except smtplib.SMTPServerDisconnected as exc:
                # An idle connection the server closed: nothing was sent on it, open another.
                self._smtp = None
                if attempt == 2:
                    raise Unavailable(f"the server closed the connection: {exc}") from None
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = next(iter(exc.recipients.values()))
                raise _by_code(code, text, "refused the recipient") from None
            except smtplib.SMTPSenderRefused as exc:
                reply = _reply(exc.smtp_code, exc.smtp_error)
                raise Unavailable(f"the server refused the sender {exc.sender}: {reply}") from None
            except smtplib.SMTPResponseException as exc:
                raise _by_code(exc.smtp_code, exc.smtp_error, "refused the message") from None
            except (OSError, smtplib.SMTPException) as exc:
                self._drop()
                raise Unavailable(
                    f"the connection to {self.host}:{self.port} failed: {exc}"
                ) from None

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        smtp: smtplib.SMTP | None = None
        try:
            if settings.smtp_security == "tls":
                smtp = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=settings.smtp_timeout,
                    context=ssl.create_default_context(),
                )  # fmt: skip
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=settings.smtp_timeout)
            smtp.ehlo()
            if settings.smtp_security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
            return smtp
        except smtplib.SMTPNotSupportedError:
            reason = "the server does not offer STARTTLS (SMTP_SECURITY=starttls)"
        except smtplib.SMTPAuthenticationError as exc:
            reason = f"the server refused the sign-in: {_reply(exc.smtp_code, exc.smtp_error)}"
        except smtplib.SMTPResponseException as exc:
            reason = f"the server answered {_reply(exc.smtp_code, exc.smtp_error)}"
        except (OSError, smtplib.SMTPException) as exc:
            reason = f"cannot reach the SMTP server {self.host}:{self.port}: {exc}"
        if smtp is not None:
            _quietly_close(smtp)
        raise Unavailable(reason)

    def _drop(self) -> None:
        if self._smtp is not None:
            _quietly_close(self._smtp)
        self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
        self._drop()


def _quietly_close(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        smtp.close()


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(message.split())}"


def _by_code(code: int, text: bytes | str, what: str) -> DeliveryError:
    reason = f"the server {what}: {_reply(code, text)}"
    if code == 421:  # the server is closing the connection: it is the server, not the message
        return Unavailable(reason)
    return Refused(reason) if 500 <= code < 600 else Deferred(reason)
