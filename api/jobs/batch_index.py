"""The index of a folder of reports: ``index.json`` for the next run, ``index.html`` for people.

``index.json`` records, after every finished unit, what was written (with the file's SHA-256),
suppressed (with the analysis' reason) or failed (with the error), under the fingerprint of
everything the reports are made of; ``api.jobs.batch`` resumes from it. Every file goes through
``write_atomically``.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Literal
from urllib.parse import quote

MANIFEST = "index.json"
INDEX_PAGE = "index.html"
ORGANISATION = "organisation"
"""The manifest's key, and the file stem, of the organisation report."""

Status = Literal["written", "suppressed", "failed"]
Kind = Literal["team", "department", "organisation"]
DEPARTMENT: Final = "department"
"""The prefix of a department report's key and file name: a unit can have both reports (a
team report of its own staff, a department report over the teams under it)."""


@dataclass(frozen=True)
class ReportEntry:
    """One line of the index: a unit's report (``unit_id`` None: the organisation's)."""

    unit_id: int | None
    name: str
    status: Status
    file: str | None
    sha256: str | None
    reason: str | None
    """Why a suppressed team has no report, in the analysis' words."""
    error: str | None
    fingerprint: str
    kind: Kind = "team"
    """Which report of the unit: its team's, or its department's (over the teams under it)."""
    language: str | None = None
    """The report's language (None in an index written before it was recorded)."""


def write_atomically(path: Path, content: bytes) -> None:
    """Write under a temporary name in the same folder, then rename over ``path``: a reader,
    or a run killed midway, sees the old file or the new one, never part of one. (No fsync: a
    file torn by a power cut fails its SHA-256 check on the next run and is rendered again.)"""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass
class Manifest:
    """``index.json``: the entries of the last run with this fingerprint, by unit."""

    out_dir: Path
    campaign_id: int
    fingerprint: str
    generated_at: datetime
    entries: dict[str, ReportEntry]

    @classmethod
    def load(cls, out_dir: Path, *, campaign_id: int, fingerprint: str) -> Manifest:
        """The folder's manifest if it is of this campaign and fingerprint, else an empty one:
        with other inputs every report has to be rendered again."""
        fresh = cls(out_dir, campaign_id, fingerprint, datetime.now(UTC), {})
        try:
            stored = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
            if stored["campaign_id"] != campaign_id or stored["fingerprint"] != fingerprint:
                return fresh
            entries = [ReportEntry(**entry) for entry in stored["reports"]]
            generated_at = datetime.fromisoformat(stored["generated_at"])
        except (OSError, ValueError, KeyError, TypeError):
            return fresh  # missing or unreadable: nothing to resume
        return replace(
            fresh,
            generated_at=generated_at,
            entries={_key(e): e for e in entries if e.fingerprint == fingerprint},
        )

    def is_done(self, key: str, file: str) -> bool:
        """Suppressed already, or written as ``file`` and still on disk as it was written."""
        entry = self.entries.get(key)
        if entry is None or entry.status == "failed":
            return False
        if entry.status == "suppressed":
            return True
        return entry.file == file and _sha256(self.out_dir / file) == entry.sha256

    def record(self, entry: ReportEntry) -> None:
        self.entries[_key(entry)] = entry
        document = {
            "campaign_id": self.campaign_id,
            "fingerprint": self.fingerprint,
            "generated_at": self.generated_at.isoformat(),
            "reports": [asdict(e) for e in _ordered(self.entries.values())],
        }
        content = json.dumps(document, indent=1, ensure_ascii=False).encode("utf-8")
        write_atomically(self.out_dir / MANIFEST, content)

    def write_index_page(self, campaign_name: str) -> None:
        rows = "\n".join(_index_row(e) for e in _ordered(self.entries.values()))
        page = _INDEX_PAGE.format(
            title=html.escape(campaign_name),
            generated=html.escape(self.generated_at.strftime("%Y-%m-%d %H:%M UTC")),
            rows=rows,
        )
        write_atomically(self.out_dir / INDEX_PAGE, page.encode("utf-8"))


def _key(entry: ReportEntry) -> str:
    if entry.unit_id is None:
        return ORGANISATION
    return f"{DEPARTMENT}-{entry.unit_id}" if entry.kind == DEPARTMENT else str(entry.unit_id)


def _ordered(entries: Iterable[ReportEntry]) -> list[ReportEntry]:
    return sorted(
        entries,
        key=lambda e: (e.unit_id is None, e.kind == DEPARTMENT, e.name, e.unit_id or 0),
    )


def _sha256(path: Path) -> str | None:
    try:
        with path.open("rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
    except OSError:
        return None


def _index_row(entry: ReportEntry) -> str:
    if entry.file is not None:
        detail = f'<a href="{html.escape(quote(entry.file))}">{html.escape(entry.file)}</a>'
    else:
        detail = html.escape(entry.reason or entry.error or "")
    unit = "" if entry.unit_id is None else str(entry.unit_id)
    return (
        f'<tr class="{entry.status}"><td>{unit}</td><td>{html.escape(entry.name)}</td>'
        f"<td>{entry.kind}</td><td>{html.escape(entry.language or '')}</td>"
        f"<td>{entry.status}</td><td>{detail}</td></tr>"
    )


_INDEX_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Reports: {title}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #1F2933; }}
table {{ border-collapse: collapse; }}
th, td {{ text-align: left; padding: 0.3em 0.8em; border-bottom: 1px solid #D9DEE4; }}
tr.suppressed td, tr.failed td {{ color: #6B7480; }}
tr.failed td:nth-child(5) {{ color: #B42318; font-weight: bold; }}
</style>
</head>
<body>
<h1>Reports: {title}</h1>
<p>Generated {generated}.</p>
<table>
<thead>
<tr><th>unit</th><th>name</th><th>kind</th><th>language</th><th>status</th>
<th>file, or why there is none</th></tr>
</thead>
<tbody>
{rows}
</tbody>
</table>
</body>
</html>
"""
