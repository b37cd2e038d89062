"""The reports use the fonts packaged with them, in the PDF and in the charts, on any machine."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import pytest
from PIL import ImageFont
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.urls import URLFetcherResponse

from reports.charts import FONT_FILES, text_width
from reports.fetcher import PackagedFilesFetcher
from reports.render import render_team_html
from tests.reports.conftest import TeamViewFactory

FONTS = resources.files("reports").joinpath("static", "fonts")
PACKAGED_FACES = {
    "DejaVu-Sans",
    "DejaVu-Sans-Bold",
    "DejaVu-Sans-Italic",
    "DejaVu-Sans-Bold-Italic",
}


class _RecordingFetcher(PackagedFilesFetcher):
    def __init__(self) -> None:
        super().__init__()
        self.fetched: list[str] = []

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        self.fetched.append(url)
        return super().fetch(url, headers)


def _font_names(pdf: bytes) -> set[str]:
    """The embedded fonts' names without their subset prefix (``ABCDEF+``)."""
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    return names


def test_the_fonts_and_their_licence_are_package_data() -> None:
    for name in (*FONT_FILES, "LICENSE-DejaVu.txt"):
        assert FONTS.joinpath(name).is_file(), name
    assert "Bitstream Vera" in FONTS.joinpath("LICENSE-DejaVu.txt").read_text(encoding="utf-8")


def test_the_pdf_embeds_the_packaged_fonts_fetched_through_the_packaged_files_fetcher(
    team_view: TeamViewFactory,
) -> None:
    fetcher = _RecordingFetcher()
    pdf = HTML(string=render_team_html(team_view("14")), url_fetcher=fetcher).write_pdf()
    assert {f"reports-static:fonts/{name}" for name in FONT_FILES} <= set(fetcher.fetched)
    names = _font_names(pdf)
    assert names
    assert names <= PACKAGED_FACES


@pytest.mark.parametrize(
    ("text", "bold"),
    [
        ("Horizontal accountability", False),
        ("Redevabilité verticale (HA) — équipe", True),
        ("0123456789 %‰ ‡", False),
    ],
)
def test_charts_measure_text_with_the_packaged_font_files(text: str, bold: bool) -> None:
    # FreeType (through Pillow) reads the same file independently: advance widths at 1,000
    # points must agree to within rounding.
    with resources.as_file(FONTS.joinpath(FONT_FILES[1] if bold else FONT_FILES[0])) as path:
        freetype = ImageFont.truetype(str(path), size=1000).getlength(text)
    assert text_width(text, size=1000, bold=bold) == pytest.approx(freetype, abs=len(text))
    assert text_width(text, size=10, bold=bold) == pytest.approx(freetype / 100, rel=1e-3)


_RENDER_WITHOUT_SYSTEM_FONTS = """
import sys
from tests.reports import fakes
from instrument.loader import load_builtin
from reports import build_team_view, render_team_pdf
instrument = load_builtin()
view = build_team_view(fakes.fake_analysis(instrument), instrument=instrument, team_id="14",
    units=fakes.UNITS, organisation_name=fakes.ORGANISATION, campaign_name=fakes.CAMPAIGN,
    language="fr", generated_at=fakes.GENERATED_AT, invited=fakes.INVITED)
sys.stdout.buffer.write(render_team_pdf(view))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="fontconfig configuration by file")
def test_a_report_renders_the_same_fonts_on_a_machine_without_any_system_font(
    tmp_path: Path,
) -> None:
    config = tmp_path / "fonts.conf"
    config.write_text(
        f'<?xml version="1.0"?><fontconfig><cachedir>{tmp_path}/cache</cachedir></fontconfig>'
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(config)}
    done = subprocess.run(
        [sys.executable, "-c", _RENDER_WITHOUT_SYSTEM_FONTS],
        env=env,
        capture_output=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    pdf = done.stdout
    assert _font_names(pdf) <= PACKAGED_FACES
    assert "Ward 4 nursing" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
