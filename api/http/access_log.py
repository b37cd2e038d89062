"""The server's access log, without the respondents' secrets.

Uvicorn writes one line per request: the client's address, the method, the path with its
query and the status. A respondent's path holds the invitation token, and the token is the
respondent's only credential: whoever reads the log could open the draft, or learn that this
address answered. So the token is replaced by ``[redacted]`` and, on respondent paths, the
address by ``-``. Every other line is left as uvicorn writes it.
"""

from __future__ import annotations

import logging
import re

ACCESS_LOGGER = "uvicorn.access"
REDACTED = "[redacted]"
_RESPONDENT_PATH = re.compile(r"(/respond/|/r/)[^/?#\s]+")
_UVICORN_ARGS = 5
"""Uvicorn's access line has five arguments: address, method, path, HTTP version, status."""


def redact_path(path: str) -> str:
    """The path with every respondent token replaced by ``[redacted]``."""
    return _RESPONDENT_PATH.sub(rf"\g<1>{REDACTED}", path)


class RedactTokens(logging.Filter):
    """Rewrites uvicorn's access records that name a respondent path; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == _UVICORN_ARGS and isinstance(args[2], str):
            _address, method, path, version, status = args
            redacted = redact_path(args[2])
            if redacted != path:
                record.args = ("-", method, redacted, version, status)
        elif isinstance(record.msg, str):
            # Any other record on this logger: its text is redacted as a whole.
            text = record.getMessage()
            redacted = redact_path(text)
            if redacted != text:
                record.msg, record.args = redacted, None
        return True


def install_redaction() -> None:
    """Add the filter to uvicorn's access logger, once, whatever configured the logging."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactTokens) for f in logger.filters):
        logger.addFilter(RedactTokens())
