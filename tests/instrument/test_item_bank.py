"""Properties of the packaged item bank that the construct brief (CONSTRUCTS.md) asks for."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from instrument.loader import builtin_refs, load_builtin
from instrument.model import Instrument

REF = "transversal-core@1.0.0"

# Every construct of CONSTRUCTS.md, with the level its wording takes and the module it is in.
CONSTRUCTS = {
    "HA": ("team", "core"),
    "VA": ("team", "core"),
    "TR": ("team", "core"),
    "EN": ("individual", "core"),
    "IM": ("individual", "core"),
    "AL": ("individual", "core"),
    "LC_MEM": ("individual", "core"),
    "LC_BRO": ("individual", "core"),
    "LC_CON": ("individual", "core"),
    "LC_CNX": ("individual", "core"),
    "LC_TRV": ("individual", "core"),
    "ME": ("team", "practice"),
    "JE": ("team", "practice"),
    "SR": ("team", "practice"),
}
CITIZENSHIP = ("LC_MEM", "LC_BRO", "LC_CON", "LC_CNX", "LC_TRV")
OTHER_SCALES = tuple(s for s in CONSTRUCTS if s not in CITIZENSHIP)


@pytest.fixture(scope="module")
def bank() -> Instrument:
    return load_builtin(REF)


def test_the_core_instrument_is_packaged_and_loads(bank: Instrument) -> None:
    assert REF in builtin_refs()
    assert bank.ref == REF
    assert bank.languages == ("en", "fr")


@pytest.mark.parametrize(("scale_id", "placement"), CONSTRUCTS.items())
def test_every_construct_is_a_scale_with_its_level_and_module(
    bank: Instrument, scale_id: str, placement: tuple[str, str]
) -> None:
    scale = bank.scale(scale_id)
    assert (scale.level, scale.module) == placement


def test_the_bank_has_no_scale_beyond_the_constructs(bank: Instrument) -> None:
    assert sorted(bank.scale_ids) == sorted(CONSTRUCTS)


def test_learning_citizenship_is_a_composite_of_its_five_facets(bank: Instrument) -> None:
    (composite,) = bank.composites
    assert composite.id == "LC"
    assert composite.facets == CITIZENSHIP
    assert composite.min_facets in (3, 4)


def test_the_response_scale_is_seven_point_agreement_fully_labelled(bank: Instrument) -> None:
    scale = bank.response_scale
    assert (scale.min, scale.max) == (1, 7)
    assert scale.labels["en"][0] == "Strongly disagree"
    assert scale.labels["en"][-1] == "Strongly agree"
    assert scale.labels["fr"][0] == "Pas du tout d'accord"
    assert scale.labels["fr"][-1] == "Tout à fait d'accord"
    assert scale.not_applicable["en"] == "Does not apply / prefer not to say"


@pytest.mark.parametrize("scale_id", OTHER_SCALES)
def test_every_other_scale_has_four_to_six_items(bank: Instrument, scale_id: str) -> None:
    assert 4 <= len(bank.scale(scale_id).items) <= 6


def test_accountability_scales_have_six_items_to_cover_their_facets(bank: Instrument) -> None:
    assert len(bank.scale("HA").items) == 6
    assert len(bank.scale("VA").items) == 6


@pytest.mark.parametrize("scale_id", CITIZENSHIP)
def test_every_citizenship_facet_has_three_items(bank: Instrument, scale_id: str) -> None:
    assert len(bank.scale(scale_id).items) == 3


def test_the_bank_has_fifty_to_sixty_items(bank: Instrument) -> None:
    assert 50 <= len(bank.items) <= 60


@pytest.mark.parametrize("scale_id", OTHER_SCALES)
def test_every_other_scale_has_one_or_two_reverse_items(bank: Instrument, scale_id: str) -> None:
    reversed_items = bank.reverse_item_ids & set(bank.scale(scale_id).items)
    assert 1 <= len(reversed_items) <= 2


@pytest.mark.parametrize("scale_id", OTHER_SCALES)
def test_no_scale_opens_with_a_reverse_item(bank: Instrument, scale_id: str) -> None:
    assert bank.scale(scale_id).items[0] not in bank.reverse_item_ids


def test_citizenship_items_are_never_reverse_keyed(bank: Instrument) -> None:
    citizenship_items = {i for s in CITIZENSHIP for i in bank.scale(s).items}
    assert not citizenship_items & bank.reverse_item_ids


def test_item_ids_are_unique(bank: Instrument) -> None:
    ids = [item.id for item in bank.items]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("scale_id", CONSTRUCTS)
def test_item_ids_number_each_scale_from_01_in_form_order(bank: Instrument, scale_id: str) -> None:
    items = bank.scale(scale_id).items
    assert items == tuple(f"{scale_id}{n:02d}" for n in range(1, len(items) + 1))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_item_text_repeats(bank: Instrument, language: str) -> None:
    counts = Counter(item.text[language].casefold() for item in bank.items)
    assert [text for text, n in counts.items() if n > 1] == []


def test_every_french_text_differs_from_its_english_text(bank: Instrument) -> None:
    same = [item.id for item in bank.items if item.text["fr"] == item.text["en"]]
    assert same == []


def test_every_scale_description_is_translated(bank: Instrument) -> None:
    # Names may coincide ("Imagination"); descriptions, printed in reports, may not.
    same = [s.id for s in bank.scales if s.description["fr"] == s.description["en"]]
    assert same == []


@pytest.mark.parametrize("scale_id", [s for s, (level, _) in CONSTRUCTS.items() if level == "team"])
def test_team_items_take_the_team_as_referent(bank: Instrument, scale_id: str) -> None:
    for item_id in bank.scale(scale_id).items:
        text = bank.item(item_id).text
        assert text["en"].startswith("In my team, "), item_id
        assert text["fr"].startswith("Dans mon équipe, "), item_id


@pytest.mark.parametrize(
    "scale_id", [s for s, (level, _) in CONSTRUCTS.items() if level == "individual"]
)
def test_individual_items_are_about_the_person(bank: Instrument, scale_id: str) -> None:
    for item_id in bank.scale(scale_id).items:
        text = bank.item(item_id).text
        assert not text["en"].startswith("In my team"), item_id
        assert re.search(r"\b(I|my)\b", text["en"]), item_id
        assert re.search(r"\b(je|j'|mon|ma|mes)", text["fr"], flags=re.IGNORECASE), item_id


@pytest.mark.parametrize("scale_id", CITIZENSHIP)
def test_citizenship_items_report_conduct_over_six_months(bank: Instrument, scale_id: str) -> None:
    for item_id in bank.scale(scale_id).items:
        text = bank.item(item_id).text
        assert text["en"].startswith("In the past six months, I have "), item_id
        assert text["fr"].startswith("Au cours des six derniers mois, j'ai "), item_id


def test_no_item_is_worded_as_a_negation(bank: Instrument) -> None:
    # Reverse-keyed items state the opposite pole; a "not" invites double negatives on the
    # disagree side of the scale.
    negated = [
        item.id
        for item in bank.items
        if re.search(r"\b(not|never|no)\b|n't", item.text["en"], flags=re.IGNORECASE)
        or re.search(r"\bne\b|\bn'|\bpas\b|\bjamais\b", item.text["fr"], flags=re.IGNORECASE)
    ]
    assert negated == []


def test_french_texts_use_one_kind_of_apostrophe(bank: Instrument) -> None:
    texts = [item.text["fr"] for item in bank.items]
    texts += [s.description["fr"] for s in bank.scales] + [s.name["fr"] for s in bank.scales]
    assert not any("\u2019" in text for text in texts)
