"""The main job, end to end: simulated answers through the services to a PDF per team."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from api.cli.demo import DemoSummary, run_demo
from instrument import load_builtin


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    return run_demo(teams=10, seed=3, out=tmp_path_factory.mktemp("demo"))


def _text(pdf: Path) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(pdf).pages))


def test_every_eligible_team_gets_a_pdf_naming_the_team_and_every_scale(demo: DemoSummary) -> None:
    instrument = load_builtin()
    written = [t for t in demo.teams if t.report is not None]
    assert written, "the demo wrote no team report"
    for team in written:
        assert team.report is not None
        assert team.report.exists()
        text = _text(team.report)
        assert team.team in text
        for scale in instrument.scales:
            assert scale.name[team.language] in text, f"{scale.id} missing from {team.report.name}"


def test_a_team_under_the_minimum_gets_no_pdf_and_a_reason(demo: DemoSummary) -> None:
    suppressed = [t for t in demo.teams if t.report is None]
    assert suppressed, "the demo organisation should include a team under the minimum"
    for team in suppressed:
        assert team.respondents < 5
        assert team.reason is not None
        assert "minimum" in team.reason
    names = {p.name for p in demo.database.parent.glob("team-*.pdf")}
    assert len(names) == sum(t.report is not None for t in demo.teams)


def test_french_teams_get_their_report_in_french(demo: DemoSummary) -> None:
    languages = {t.language for t in demo.teams if t.report is not None}
    assert languages == {"en", "fr"}


def test_the_organisation_report_is_written(demo: DemoSummary) -> None:
    assert demo.organisation_report.exists()
    assert len(PdfReader(demo.organisation_report).pages) >= 1


def test_the_demos_people_can_sign_in_and_see_what_their_role_allows(
    demo: DemoSummary,
) -> None:
    from sqlmodel import Session

    from api.services import accounts
    from api.store.db import make_engine

    assert [email for email, _ in demo.accounts] == [
        "hr@demo.example",
        "lead@demo.example",
        "works@demo.example",
    ]
    engine = make_engine(f"sqlite:///{demo.database}")
    try:
        with Session(engine, expire_on_commit=False) as session:
            for email, _ in demo.accounts:
                signed = accounts.sign_in(session, email=email, password=demo.password)
                visit = accounts.visit(session, token=signed.token)
                assert visit is not None
        lead = dict(demo.accounts)["lead@demo.example"]
        assert lead.startswith("leader of ")
    finally:
        engine.dispose()
