"""The team report's sections, read back from the PDF: order, contents, greyed figures, items."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis import INVARIANCE_MIN_GROUP_N
from instrument.model import Instrument
from reports.formatting import format_number, format_signed
from reports.i18n import TEXTS
from reports.render import render_team_pdf
from reports.views import TeamReportView
from tests.reports import fakes
from tests.reports.test_render import _normal, _pages

SECTIONS = (
    "summary_title",
    "accountability_title",
    "identification_title",
    "citizenship_title",
    "scores_title",
    "items_title",
    "meaning_title",
    "questions_title",
    "appendix_title",
)


@pytest.fixture(scope="module", params=["en", "fr"])
def report(
    request: pytest.FixtureRequest, analysis: fakes.FakeAnalysis, instrument: Instrument
) -> tuple[TeamReportView, list[str]]:
    view = fakes.team_view(analysis, instrument, fakes.UNANIMOUS_TEAM, language=request.param)
    return view, _pages(render_team_pdf(view))


def _start(pages: list[str], title: str, *, after: int = 2) -> int:
    """The first page, counting from 1 and from page ``after`` on, that holds ``title``."""
    return next(i + 1 for i, page in enumerate(pages) if i + 1 >= after and title in page)


def _starts(pages: list[str], language: str) -> list[int]:
    """Where each section starts, looked for in order: a section that follows another on the
    same page is found on or after that page."""
    found = [2]
    for key in SECTIONS:
        found.append(_start(pages, _normal(TEXTS[language][key]), after=found[-1]))
    return found[1:]


def test_sections_come_in_order_and_the_contents_gives_their_pages(
    report: tuple[TeamReportView, list[str]],
) -> None:
    view, pages = report
    t = TEXTS[view.language]
    contents = pages[0]
    assert _normal(t["contents"]) in contents
    starts = _starts(pages, view.language)
    assert starts[0] == 2, "the cover with the contents, then the summary"
    for key, page in zip(SECTIONS, starts, strict=True):
        assert re.search(re.escape(_normal(t[key])) + rf"\s*{page}\b", contents), key


def test_the_summary_speaks_of_the_figures_in_plain_words(
    report: tuple[TeamReportView, list[str]],
) -> None:
    view, pages = report
    t = TEXTS[view.language]
    summary = pages[_start(pages, _normal(t["summary_title"])) - 1]
    for sentence in view.summary:
        assert _normal(sentence)[:60] in summary


@pytest.mark.parametrize("report", ["fr"], indirect=True)
def test_a_french_report_has_no_english_section_title(
    report: tuple[TeamReportView, list[str]],
) -> None:
    _, pages = report
    text = " ".join(pages)
    for key in (*SECTIONS, "contents", "about_title", "plane_title"):
        assert _normal(TEXTS["fr"][key]) in text
        assert _normal(TEXTS["en"][key]) not in text, key


def test_a_unanimous_item_is_hidden_with_its_reason(
    report: tuple[TeamReportView, list[str]],
) -> None:
    view, pages = report
    item = next(i for g in view.items for i in g.items if i.item_id == fakes.UNANIMOUS_ITEM)
    assert item.shares is None
    assert item.hidden_reason == TEXTS[view.language]["item_unanimous"]
    items = " ".join(pages[_start(pages, _normal(TEXTS[view.language]["items_title"])) - 1 :])
    assert _normal(item.hidden_reason)[:40] in items


def test_low_agreement_and_low_reliability_are_greyed_with_their_reason(
    report: tuple[TeamReportView, list[str]],
) -> None:
    view, pages = report
    text = " ".join(pages)
    language = view.language
    low_rwg = [s for s in view.scales if s.scale.level == "team" and (s.rwg_j or 1) < 0.70]
    assert low_rwg, "the fake analysis has a team-level scale with rwg(j) below .70"
    for score in low_rwg:
        assert score.caveats
        value = format_number(score.rwg_j, language=language)
        assert _normal(TEXTS[language]["caveat_rwg"].split("{")[0]) in text
        assert value in text
    alphas = {q.scale.scale_id: q.alpha for q in view.quality}
    for score in view.scales:
        alpha = alphas.get(score.scale.scale_id)
        if score.shown and alpha is not None and alpha.value < 0.70:
            assert any(format_number(alpha.value, language=language) in c for c in score.caveats)


def test_organisation_level_exclusions_and_the_rules_are_in_the_appendix(
    report: tuple[TeamReportView, list[str]],
) -> None:
    view, pages = report
    t = TEXTS[view.language]
    appendix = " ".join(pages[_start(pages, _normal(t["appendix_title"])) - 1 :])
    assert _normal(t["exclusions_body"].format(n=fakes.N_EXCLUDED)) in appendix
    assert _normal(t["invariance_not_assessed"].format(min_n=INVARIANCE_MIN_GROUP_N)) in appendix
    assert "docs/confidentiality.md" in appendix
    k = view.min_group_size
    assert _normal(t["confidentiality_distributions"].format(k=k)) in appendix


def test_without_a_previous_wave_a_note_says_so_and_the_columns_are_gone(
    report: tuple[TeamReportView, list[str]],
) -> None:
    view, pages = report
    assert not view.has_previous
    assert _normal(TEXTS[view.language]["no_previous_wave_note"]) in " ".join(pages)
    # Said once under the table, not in two empty columns on every row.
    assert TEXTS[view.language]["previous_wave"] not in " ".join(pages)


def test_the_change_since_the_previous_wave_is_printed(
    analysis: fakes.FakeAnalysis, instrument: Instrument
) -> None:
    previous = pd.DataFrame(
        {
            "team": [fakes.UNANIMOUS_TEAM, fakes.UNANIMOUS_TEAM],
            "scale": ["EN", "AL"],
            "mean_previous": [3.111, 4.0],
            "change": [0.789, float("nan")],
            "change_ci_low": [0.123, float("nan")],
            "change_ci_high": [1.456, float("nan")],
            "shown": [True, False],
            "reason": [None, "fewer than 5 respondents with a score in the previous wave"],
            "reason_code": [None, "few_previous"],
        }
    )
    view = fakes.team_view(analysis, instrument, fakes.UNANIMOUS_TEAM, previous=previous)
    text = " ".join(_pages(render_team_pdf(view)))
    assert format_number(3.111, language="en") in text
    assert format_signed(0.789, language="en") in text
    assert TEXTS["en"]["trend_reason.few_previous"] in text
    assert "with a score in the previous wave" not in text, "the analysis' English stays out"
    assert TEXTS["en"]["trend_missing"] in text


def test_a_comparison_invariance_does_not_allow_is_greyed(
    analysis: fakes.FakeAnalysis, instrument: Instrument
) -> None:
    invariance = pd.DataFrame({"scale": ["EN"], "means_comparable": [False]})
    view = fakes.team_view(analysis, instrument, "12", invariance=invariance)
    score = next(s for s in view.scales if s.scale.scale_id == "EN")
    assert not score.comparable
    assert TEXTS["en"]["caveat_invariance"] in score.caveats
    assert "Not comparable: Engagement." in view.methods.invariance if view.methods else False


def test_the_appendix_names_the_departments_invariance_was_tested_across(
    analysis: fakes.FakeAnalysis, instrument: Instrument
) -> None:
    invariance = pd.DataFrame(
        {
            "scale": ["HA", "EN"],
            "verdict": ["scalar", "metric"],
            "means_comparable": [True, False],
            "n": [640, 655],
            "n_groups": [3, 3],
        }
    )
    view = fakes.team_view(analysis, instrument, "12", invariance=invariance)
    assert view.methods is not None
    assert view.methods.invariance == (
        "Measurement invariance was assessed across the 3 departments of 100 respondents or "
        "more: the means of 1 of 2 scales may be compared between teams. "
        "Not comparable: Engagement."
    )
    ha = next(s for s in view.scales if s.scale.scale_id == "HA")
    assert TEXTS["en"]["caveat_invariance"] not in ha.caveats, "invariance allows comparing HA"


def test_every_scale_has_a_meaning_and_a_question_in_every_language(
    instrument: Instrument,
) -> None:
    from reports.texts_meanings import MEANINGS, QUESTIONS

    ids = {*instrument.scale_ids, *(c.id for c in instrument.composites)}
    for texts in (*MEANINGS.values(), *QUESTIONS.values()):
        assert set(texts) == ids


def test_a_summary_never_says_nothing_changed_when_no_change_could_be_shown(
    analysis: fakes.FakeAnalysis, instrument: Instrument
) -> None:
    scales = [s.id for s in instrument.scales]
    previous = pd.DataFrame(
        {
            "team": [fakes.UNANIMOUS_TEAM] * len(scales),
            "scale": scales,
            "mean_previous": [float("nan")] * len(scales),
            "change": [float("nan")] * len(scales),
            "change_ci_low": [float("nan")] * len(scales),
            "change_ci_high": [float("nan")] * len(scales),
            "shown": [False] * len(scales),
            "reason": ["invariance between waves could not be tested: the group column"]
            * len(scales),
            "reason_code": ["untested"] * len(scales),
        }
    )
    for language in ("en", "fr"):
        view = fakes.team_view(
            analysis, instrument, fakes.UNANIMOUS_TEAM, previous=previous, language=language
        )
        t = TEXTS[language]
        assert t["summary_trend_none"] not in view.summary
        assert t["summary_trend_unavailable"] in view.summary
        text = " ".join(_pages(render_team_pdf(view)))
        assert "group column" not in text, "no message meant for developers"
        assert _normal(t["trend_reason.untested"]) in _normal(text)


def test_reverse_keyed_statements_are_marked_on_the_item_pages_with_a_legend(
    report: tuple[TeamReportView, list[str]], instrument: Instrument
) -> None:
    view, pages = report
    t = TEXTS[view.language]
    listed = {item.item_id: item for group in view.items for item in group.items}
    marked = {item_id for item_id, item in listed.items() if item.reverse}
    assert marked, "the packaged instrument has reverse-keyed items on shown scales"
    assert marked == instrument.reverse_item_ids & set(listed)
    items = " ".join(pages[_start(pages, _normal(t["items_title"])) - 1 :])
    assert _normal(t["items_reverse_legend"]) in items
    mark = t["items_reverse_mark"]
    for item_id in sorted(marked):
        text = _normal(listed[item_id].text)
        assert f"{text} {mark}" in items, item_id
    plain = next(item for item_id, item in listed.items() if item_id not in marked)
    assert f"{_normal(plain.text)} {mark}" not in items
