"""Where the sets of reports a batch renders are kept, what their index says, and the whole set
as one ZIP.

A set lives in ``<reports>/<campaign>/<snapshot>/<format>-<language>/``: the snapshot's
fingerprint is in the path, so a second batch on the same snapshot finds the files of the first
and the renderer skips them (``api.jobs.batch`` resumes from the folder's ``index.json``).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.jobs.batch import ASSETS
from api.jobs.batch_index import INDEX_PAGE, MANIFEST, ReportEntry

_SIMPLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_CHUNK = 1 << 20
_ALREADY_COMPRESSED = (".pdf", ".woff", ".woff2")


@dataclass(frozen=True)
class ReportSet:
    """The folder of one campaign's reports on one snapshot, in one format and language."""

    folder: Path
    campaign_id: int
    fmt: str
    language: str

    @property
    def archive_name(self) -> str:
        """The ZIP's name, and the folder its files unpack into."""
        return f"campaign-{self.campaign_id}-reports-{self.language}-{self.fmt}"

    def entries(self) -> list[ReportEntry]:
        """The index's lines, the teams first by name, then the organisation's; none before
        the first report is done."""
        try:
            document = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
            return [ReportEntry(**entry) for entry in document["reports"]]
        except (OSError, ValueError, KeyError, TypeError):
            return []

    def files(self) -> list[tuple[str, Path]]:
        """Every file of the set under its name in the ZIP: the reports written, the index
        (``index.json``, ``index.html``) and, beside HTML reports, the fonts they share.
        ``FileNotFoundError`` if one of them is missing: the set is not whole."""
        names = [MANIFEST, INDEX_PAGE]
        names += [e.file for e in self.entries() if e.status == "written" and e.file]
        found = []
        for name in names:
            if not _SIMPLE_NAME.fullmatch(name):
                raise FileNotFoundError(f"{name!r} is not a file name of a report set")
            found.append((name, self.folder / name))
        assets = self.folder / ASSETS
        if self.fmt == "html" and assets.is_dir():
            for path in sorted(p for p in assets.rglob("*") if p.is_file()):
                found.append((path.relative_to(self.folder).as_posix(), path))
        missing = [name for name, path in found if not path.is_file()]
        if missing:
            raise FileNotFoundError(f"missing from {self.folder}: {', '.join(missing)}")
        return found


def report_set(
    reports_dir: Path, *, campaign_id: int, snapshot: str, fmt: str, language: str
) -> ReportSet:
    folder = reports_dir / str(campaign_id) / snapshot / f"{fmt}-{language}"
    return ReportSet(folder=folder, campaign_id=campaign_id, fmt=fmt, language=language)


def zip_chunks(files: list[tuple[str, Path]], *, root: str) -> Iterator[bytes]:
    """The ZIP of ``files`` (name in the archive, path), under the folder ``root``, as it is
    written: a chunk at a time, never the whole archive in memory. PDFs and fonts are stored
    as they are (compressed already), the rest deflated."""
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w") as archive:
        for name, path in files:
            info = zipfile.ZipInfo.from_file(path, f"{root}/{name}")
            info.compress_type = (
                zipfile.ZIP_STORED
                if path.suffix.lower() in _ALREADY_COMPRESSED
                else zipfile.ZIP_DEFLATED
            )
            with path.open("rb") as source, archive.open(info, mode="w") as target:
                while chunk := source.read(_CHUNK):
                    target.write(chunk)
                    yield sink.take()
            yield sink.take()
    yield sink.take()


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream whose bytes are taken as they come (``zipfile`` then
    writes each file's sizes after its data)."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:  # any buffer: zipfile hands bytes and memoryviews
        chunk = bytes(data)
        self._parts.append(chunk)
        return len(chunk)

    def take(self) -> bytes:
        taken = b"".join(self._parts)
        self._parts.clear()
        return taken
