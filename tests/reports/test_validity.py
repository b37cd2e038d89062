"""The validity report as a reader gets it: the PDF's text, in English and in French."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader

from analysis import ValidityAssessment, assess_validity, simulate_organisation
from analysis.cfa import NegativeVariance
from instrument import Instrument, load_builtin
from reports import build_validity_view, render_validity_pdf
from reports.i18n import texts_for
from reports.validity import EFA_MIN_PER_ITEM, ValidityReportView

SECTIONS = (
    "validity_summary_title",
    "validity_quality_title",
    "validity_reliability_title",
    "validity_structure_title",
    "validity_agreement_title",
    "validity_invariance_title",
    "validity_methods_title",
)


@pytest.fixture(scope="module")
def instrument() -> Instrument:
    return load_builtin("transversal-core@1.0.0")


@pytest.fixture(scope="module")
def assessment(instrument: Instrument) -> ValidityAssessment:
    organisation = simulate_organisation(instrument=instrument, n_teams=30, seed=2)
    return assess_validity(organisation.responses, instrument=instrument, parallel_iterations=2)


def _view(
    assessment: ValidityAssessment, instrument: Instrument, language: str
) -> ValidityReportView:
    """The view of an assessment of ``answers.csv``, generated on a fixed day."""
    return build_validity_view(
        assessment,
        instrument=instrument,
        language=language,
        generated_at=datetime(2025, 11, 21, tzinfo=UTC),
        source="answers.csv",
    )


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(pdf)).pages)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_pdf_has_every_section_and_every_scale(
    assessment: ValidityAssessment, instrument: Instrument, language: str
) -> None:
    view = _view(assessment, instrument, language)
    text = _text(render_validity_pdf(view))
    t = texts_for(language)
    for key in SECTIONS:
        assert t[key] in text, key
    for scale in instrument.scales:
        assert " ".join(scale.name[language].split()) in text, scale.id
    assert t["validity_invariance_none"].split()[0] in text


def test_the_french_report_is_in_french(
    assessment: ValidityAssessment, instrument: Instrument
) -> None:
    view = _view(assessment, instrument, "fr")
    text = _text(render_validity_pdf(view))
    assert "Fidélité" in text
    assert "novembre" in text
    assert "Reliability" not in text
    assert "Summary" not in text


def test_the_view_holds_plain_values(
    assessment: ValidityAssessment, instrument: Instrument
) -> None:
    view = _view(assessment, instrument, "en")
    assert len(view.reliability) == len(instrument.scales)
    assert all(isinstance(row.alpha.value, float) for row in view.reliability if row.alpha)
    assert view.n_analysed == view.n_respondents - view.n_excluded
    holds = dict(zip(assessment.summary["scale"], assessment.summary["holds"], strict=True))
    assert {v.scale_id: v.holds for v in view.verdicts} == holds
    assert all(v.concerns for v in view.verdicts if not v.holds)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_efa_on_a_smoothed_matrix_is_said_to_be(
    assessment: ValidityAssessment, instrument: Instrument, language: str
) -> None:
    smoothed = replace(assessment, structure=replace(assessment.structure, smoothed=True))
    t = texts_for(language)
    sentence = " ".join(t["validity_efa_smoothed"].split())
    for case, said in ((assessment, False), (smoothed, True)):
        view = _view(case, instrument, language)
        assert view.efa_smoothed is said
        assert (sentence[:60] in _text(render_validity_pdf(view))) is said


@pytest.mark.parametrize("language", ["en", "fr"])
def test_kmo_is_not_given_on_a_smoothed_matrix_and_a_small_sample_is_called_a_first_look(
    assessment: ValidityAssessment, instrument: Instrument, language: str
) -> None:
    # The demo's campaign (about 100 respondents, 60 items) printed KMO = 0.06 from its
    # smoothed matrix, a figure of the smoothing (R's psych::KMO gives NaN there until it
    # smooths), and no word on a sample of fewer than two respondents per item.
    t = texts_for(language)
    kmo = _opening(t["validity_efa_kmo"])
    no_kmo = " ".join(t["validity_efa_kmo_smoothed"].split("{p}")[1].split())[:60]
    few = " ".join(t["validity_efa_few"].split("{ratio}")[1].split("{minimum}")[0].split())
    smoothed = replace(assessment, structure=replace(assessment.structure, smoothed=True))
    for case, is_smoothed in ((assessment, False), (smoothed, True)):
        view = _view(case, instrument, language)
        for n_analysed in (view.n_items, EFA_MIN_PER_ITEM * view.n_items):
            text = _text(render_validity_pdf(replace(view, n_analysed=n_analysed)))
            assert (kmo in text) is not is_smoothed
            assert (no_kmo in text) is is_smoothed
            assert (few in text) is (n_analysed < EFA_MIN_PER_ITEM * view.n_items)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_heywood_case_is_said_in_words_beside_its_fit(
    assessment: ValidityAssessment, instrument: Instrument, language: str
) -> None:
    cfa = assessment.cfa.copy()
    first = cfa.index[cfa["kind"] == "scale"][0]
    scale = str(cfa.at[first, "model"])
    item = instrument.scale(scale).items[0]
    cfa.at[first, "heywood"] = (NegativeVariance("residual", item, -0.0907),)
    improper = replace(assessment, cfa=cfa)
    view = _view(improper, instrument, language)
    said = [fit.heywood for fit in view.fits if fit.heywood]
    assert len(said) == 1
    assert item in said[0]
    assert ("−0.091" if language == "en" else "−0,091") in said[0]
    text = " ".join(_text(render_validity_pdf(view)).split())
    assert " ".join(said[0].split())[:40] in text
    # The analysis' own summary counts it against the scale, as every fit is judged.
    from analysis.validity import _summary

    summary = _summary(
        instrument,
        improper.reliability,
        improper.structure,
        cfa,
        improper.conventions,
    ).set_index("scale")
    assert "heywood" in summary.at[scale, "concerns"]
    assert not summary.at[scale, "holds"]


def test_bartletts_p_reads_as_a_comparison_not_an_equation(
    assessment: ValidityAssessment, instrument: Instrument
) -> None:
    for language, said in (("en", "Bartlett p < 0.001"), ("fr", "Bartlett < 0,001")):
        view = _view(assessment, instrument, language)
        assert view.bartlett_p is not None
        assert view.bartlett_p < 0.001
        text = _text(render_validity_pdf(view))
        assert said in text
        assert "= <" not in text


@pytest.fixture(scope="module")
def pilot(instrument: Instrument) -> ValidityAssessment:
    """Ten respondents in two departments, half of HA's items recoded the other way round:
    too few to read alpha, a negative alpha, and no department large enough for invariance."""
    responses = simulate_organisation(instrument=instrument, n_teams=2, seed=3).responses
    responses = responses.iloc[:10].assign(department=["north"] * 6 + ["south"] * 4)
    items = [i for i in instrument.scale("HA").items if i not in instrument.reverse_item_ids]
    for item in items[::2]:
        responses[item] = 8 - responses[item]
    return assess_validity(
        responses, instrument=instrument, group="department", parallel_iterations=1
    )


def _opening(text: str) -> str:
    """The words of a text before its first placeholder."""
    return " ".join(text.split("{")[0].split())


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_small_sample_a_negative_alpha_and_invariance_not_assessed_are_said_in_words(
    pilot: ValidityAssessment, instrument: Instrument, language: str
) -> None:
    assert pilot.reliability.set_index("scale").at["HA", "alpha"] < 0
    t = texts_for(language)
    view = build_validity_view(
        pilot,
        instrument=instrument,
        language=language,
        generated_at=datetime(2025, 11, 21, tzinfo=UTC),
        source="pilot.csv",
        group_label=t["validity_department"],
    )
    assert not any(v.judged or v.holds for v in view.verdicts)
    text = _text(render_validity_pdf(view))
    for key in (
        "validity_unjudged",
        "validity_small_sample",
        "validity_small_sample_mark",
        "validity_negative_alpha",
        "validity_invariance_not_assessed",
    ):
        assert _opening(t[key]) in text, key
    assert "north 6, south 4" in text
    words = set(text.replace(",", " ").replace(".", " ").split())
    assert not words & {"None", "nan", "NaN"}
