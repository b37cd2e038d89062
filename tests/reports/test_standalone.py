"""A report's HTML as a single file: packaged CSS inline, packaged files as data: URIs."""

from __future__ import annotations

import base64
import re
from importlib import resources
from pathlib import Path

import pytest

from reports.charts import FONT_FILES
from reports.fetcher import StaticURLRefused
from reports.render import render_team_html
from reports.standalone import asset_names, read_asset, standalone_html, write_assets
from tests.reports.conftest import TeamViewFactory
from tests.reports.fakes import HIDDEN_TEAM

CSS = resources.files("reports").joinpath("static", "report.css").read_text(encoding="utf-8")


def test_a_team_report_keeps_no_reference_to_a_packaged_file(team_view: TeamViewFactory) -> None:
    html = standalone_html(render_team_html(team_view(HIDDEN_TEAM)))
    assert "reports-static:" not in html
    assert "<link" not in html
    assert "@page" in html
    assert html.count("data:image/svg+xml;base64,") >= 2, "the charts should stay embedded"


def test_the_stylesheet_is_inlined_whole_where_the_link_was() -> None:
    html = standalone_html(
        '<head><title>t</title><link href="reports-static:report.css" rel="stylesheet"></head>'
    )
    assert html.startswith("<head><title>t</title><style>\n")
    assert CSS.strip() in html
    assert html.endswith("</style></head>")


def test_a_packaged_file_named_in_css_becomes_a_data_uri_of_its_type() -> None:
    html = standalone_html(
        "<style>@font-face { src: url('reports-static:report.css') format('woff2') }</style>"
        '<p style="background: url(reports-static:report.css)"></p>'
    )
    uris = re.findall(r'url\("data:text/css;base64,([A-Za-z0-9+/=]+)"\)', html)
    assert len(uris) == 2
    assert base64.b64decode(uris[0]).decode("utf-8") == CSS


def test_other_links_are_left_alone() -> None:
    html = '<link rel="icon" href="data:,"><p>Hello</p>'
    assert standalone_html(html) == html


@pytest.mark.parametrize(
    "name",
    ["../render.py", "../../api/cli.py", "/etc/passwd", "static/../../x.css", "nope.css", ""],
)
def test_a_name_outside_the_packaged_files_is_refused(name: str) -> None:
    with pytest.raises(StaticURLRefused):
        standalone_html(f'<link rel="stylesheet" href="reports-static:{name}">')
    with pytest.raises(StaticURLRefused):
        standalone_html(f"<style>body {{ background: url(reports-static:{name}) }}</style>")


def test_a_closing_style_tag_in_the_css_cannot_end_the_inline_style(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reports import standalone

    def fetched(url: str, fetcher: object) -> tuple[bytes, str]:
        return b"p::after { content: '</style><script>alert(1)</script>' }", "text/css"

    monkeypatch.setattr(standalone, "_fetched", fetched)
    html = standalone_html('<link rel="stylesheet" href="reports-static:report.css">')
    assert html.count("</style>") == 1
    assert "<\\/style><script>" in html


@pytest.mark.parametrize(
    "stylesheet",
    sorted(
        f.name
        for f in resources.files("reports").joinpath("static").iterdir()
        if f.name.endswith(".css")
    ),
)
def test_every_packaged_file_a_packaged_stylesheet_names_is_embedded(stylesheet: str) -> None:
    css = resources.files("reports").joinpath("static", stylesheet).read_text(encoding="utf-8")
    named = re.findall(r"url\(\s*[\"']?reports-static:([^\"')\s]+)", css)
    html = standalone_html(f'<link rel="stylesheet" href="reports-static:{stylesheet}">')
    assert "reports-static:" not in html
    for name in named:
        packaged = resources.files("reports").joinpath("static", *name.split("/")).read_bytes()
        assert base64.b64encode(packaged).decode("ascii") in html
    if any(name.endswith(".ttf") for name in named):
        assert 'url("data:font/ttf;base64,' in html


def test_with_an_assets_folder_the_fonts_are_referenced_not_embedded(
    team_view: TeamViewFactory, tmp_path: Path
) -> None:
    page = render_team_html(team_view(HIDDEN_TEAM))
    embedded = standalone_html(page)
    shared = standalone_html(page, assets="assets/")
    assert 'url("assets/fonts/DejaVuSans.ttf")' in shared
    assert "font/ttf;base64" not in shared
    assert "reports-static:" not in shared
    assert len(shared) < len(embedded) / 5
    written = write_assets(tmp_path / "assets")
    names = sorted(path.name for path in written)
    assert names == sorted(
        [
            "DejaVuSans.ttf",
            "DejaVuSans-Bold.ttf",
            "DejaVuSans-Oblique.ttf",
            "DejaVuSans-BoldOblique.ttf",
        ]
    )
    assert all(path.parent == tmp_path / "assets" / "fonts" for path in written)
    with pytest.raises(ValueError, match="assets must be a relative URL"):
        standalone_html(page, assets="https://cdn.example/")


def test_the_assets_are_the_packaged_fonts_and_only_they_can_be_read() -> None:
    assert set(asset_names()) == {f"fonts/{name}" for name in FONT_FILES}
    content, media_type = read_asset("fonts/DejaVuSans.ttf")
    assert media_type == "font/ttf"
    assert content[:4] == b"\x00\x01\x00\x00"
    for name in ("report.css", "fonts/LICENSE-DejaVu.txt", "fonts/../report.css"):
        with pytest.raises(KeyError):
            read_asset(name)
