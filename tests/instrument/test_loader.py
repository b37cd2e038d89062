"""Broken instrument files are refused with an error naming the file, the place and the rule.

Each test starts from a small valid instrument, breaks one thing, writes it as TOML and loads it
with ``load_instrument``, as a user would load their own file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from instrument.loader import InstrumentError, load_builtin, load_instrument, parse_instrument
from instrument.model import Instrument

Raw = dict[str, Any]


def valid_instrument() -> Raw:
    """Two scales of three items, a composite over both, a five-point scale in two languages."""
    items = [
        {
            "id": f"{scale}{n:02d}",
            "reverse": n == 3,
            "text": {"en": f"Statement {scale}{n}", "fr": f"Énoncé {scale}{n}"},
        }
        for scale in ("AA", "BB")
        for n in (1, 2, 3)
    ]
    return {
        "id": "test-instrument",
        "version": "0.1.0",
        "title": {"en": "Test", "fr": "Essai"},
        "languages": ["en", "fr"],
        "min_answered": 0.6,
        "response_scale": {
            "min": 1,
            "max": 5,
            "labels": {
                "en": ["one", "two", "three", "four", "five"],
                "fr": ["un", "deux", "trois", "quatre", "cinq"],
            },
            "not_applicable": {"en": "Does not apply", "fr": "Sans objet"},
        },
        "scales": [
            {
                "id": scale,
                "name": {"en": f"Scale {scale}", "fr": f"Échelle {scale}"},
                "description": {"en": "High means more.", "fr": "Élevé signifie plus."},
                "level": "team",
                "module": "core",
                "items": [f"{scale}01", f"{scale}02", f"{scale}03"],
            }
            for scale in ("AA", "BB")
        ],
        "composites": [
            {
                "id": "CC",
                "name": {"en": "Both", "fr": "Les deux"},
                "description": {"en": "Mean of AA and BB.", "fr": "Moyenne de AA et BB."},
                "facets": ["AA", "BB"],
                "min_facets": 2,
            }
        ],
        "items": items,
    }


# -- writing TOML (the standard library reads it but cannot write it) ---------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # A JSON string is a valid TOML basic string: same quotes, same escapes.
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} as TOML")


def _toml_pairs(table: Raw) -> list[str]:
    return [f"{key} = {_toml_value(value)}" for key, value in table.items()]


def to_toml(raw: Raw) -> str:
    """Top-level values first, then tables, then arrays of tables; anything nested inline."""
    lines: list[str] = []
    tables: list[str] = []
    for key, value in raw.items():
        if isinstance(value, dict):
            tables += ["", f"[{key}]", *_toml_pairs(value)]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for entry in value:
                tables += ["", f"[[{key}]]", *_toml_pairs(entry)]
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines + tables) + "\n"


def item(raw: Raw, item_id: str) -> Raw:
    return next(i for i in raw["items"] if i["id"] == item_id)


def scale(raw: Raw, scale_id: str) -> Raw:
    return next(s for s in raw["scales"] if s["id"] == scale_id)


@pytest.fixture
def write(tmp_path: Path) -> Callable[[Raw], Path]:
    def write_instrument(raw: Raw) -> Path:
        path = tmp_path / "instrument.toml"
        path.write_text(to_toml(raw), encoding="utf-8")
        return path

    return write_instrument


@pytest.fixture
def refused(write: Callable[[Raw], Path]) -> Callable[[Raw], tuple[InstrumentError, Path]]:
    """Write the instrument, load it, and return the error it must raise."""

    def load_refused(raw: Raw) -> tuple[InstrumentError, Path]:
        path = write(raw)
        with pytest.raises(InstrumentError) as caught:
            load_instrument(path)
        return caught.value, path

    return load_refused


Refused = Callable[[Raw], tuple[InstrumentError, Path]]


# -- the starting point is valid, so each refusal below is due to the one thing broken ----------


def test_the_valid_instrument_written_as_toml_loads(write: Callable[[Raw], Path]) -> None:
    instrument = load_instrument(write(valid_instrument()))
    assert isinstance(instrument, Instrument)
    assert instrument.item_ids == ("AA01", "AA02", "AA03", "BB01", "BB02", "BB03")
    assert instrument.reverse_item_ids == {"AA03", "BB03"}
    assert instrument.item("AA01").text["fr"] == "Énoncé AA1"


def test_the_error_message_names_file_place_and_rule(refused: Refused) -> None:
    raw = valid_instrument()
    raw["version"] = "1.0"
    error, path = refused(raw)
    assert str(error) == f"{path}: instrument: {error.rule}"


# -- the file itself ----------------------------------------------------------------------------


def test_a_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "instrument.toml"
    path.write_text("id = [unclosed\n", encoding="utf-8")
    with pytest.raises(InstrumentError) as caught:
        load_instrument(path)
    assert caught.value.file == str(path)
    assert caught.value.where == "file"
    assert caught.value.rule.startswith("is not valid TOML")


def test_a_file_that_is_not_utf8_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "instrument.toml"
    path.write_bytes(b'id = "\xff\xfe"\n')
    with pytest.raises(InstrumentError) as caught:
        load_instrument(path)
    assert (caught.value.file, caught.value.where) == (str(path), "file")
    assert caught.value.rule == "is not UTF-8 text"


def test_a_missing_file_is_refused_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(InstrumentError) as caught:
        load_instrument(path)
    assert (caught.value.file, caught.value.where) == (str(path), "file")
    assert caught.value.rule.startswith("cannot be read")


def test_a_toml_text_is_refused_under_the_name_of_its_source() -> None:
    with pytest.raises(InstrumentError) as caught:
        parse_instrument(to_toml({"id": "x"}), source="upload.toml")
    assert caught.value.file == "upload.toml"


# -- ids and membership -------------------------------------------------------------------------


def test_duplicate_item_id_is_refused_with_its_id(refused: Refused) -> None:
    raw = valid_instrument()
    raw["items"].append({"id": "AA01", "text": {"en": "Again", "fr": "Encore"}})
    error, path = refused(raw)
    assert (error.file, error.where, error.rule) == (str(path), "item AA01", "id is used 2 times")


def test_duplicate_scale_id_is_refused_with_its_id(refused: Refused) -> None:
    raw = valid_instrument()
    scale(raw, "BB")["id"] = "AA"
    error, path = refused(raw)
    assert (error.file, error.where, error.rule) == (str(path), "scale AA", "id is used 2 times")


def test_a_composite_sharing_a_scale_id_is_refused(refused: Refused) -> None:
    raw = valid_instrument()
    raw["composites"][0]["id"] = "AA"
    error, _ = refused(raw)
    assert (error.where, error.rule) == ("scale AA", "id is used 2 times")


def test_a_scale_listing_an_unknown_item_is_refused(refused: Refused) -> None:
    raw = valid_instrument()
    scale(raw, "AA")["items"].append("AA04")
    error, path = refused(raw)
    assert (error.file, error.where) == (str(path), "scale AA")
    assert error.rule == "lists item AA04, which does not exist"


def test_a_scale_listing_an_item_twice_is_refused(refused: Refused) -> None:
    raw = valid_instrument()
    scale(raw, "AA")["items"].append("AA01")
    error, _ = refused(raw)
    assert (error.where, error.rule) == ("scale AA", "lists item AA01 more than once")


def test_an_item_in_no_scale_is_refused(refused: Refused) -> None:
    raw = valid_instrument()
    raw["items"].append({"id": "AA04", "text": {"en": "Orphan", "fr": "Orphelin"}})
    error, path = refused(raw)
    assert (error.file, error.where, error.rule) == (str(path), "item AA04", "belongs to no scale")


def test_an_item_in_two_scales_is_refused_naming_both(refused: Refused) -> None:
    raw = valid_instrument()
    # Listed by the wrong scale first: the message must still be about membership, not about
    # the id's prefix, since that is the mistake the author made.
    scale(raw, "AA")["items"].append("BB01")
    error, path = refused(raw)
    assert (error.file, error.where) == (str(path), "item BB01")
    assert error.rule == "belongs to both scale AA and BB"


@pytest.mark.parametrize("item_id", ["XX01", "AAX01", "BB04"])
def test_an_item_id_that_is_not_its_scale_id_then_two_digits_is_refused(
    refused: Refused, item_id: str
) -> None:
    raw = valid_instrument()
    item(raw, "AA03")["id"] = item_id
    scale(raw, "AA")["items"][2] = item_id
    error, path = refused(raw)
    assert (error.file, error.where) == (str(path), f"item {item_id}")
    assert error.rule == "id must be the id of its scale AA followed by two digits, like 'AA01'"


@pytest.mark.parametrize("item_id", ["AA1", "aa01", "AA001", "01AA"])
def test_an_item_id_of_the_wrong_pattern_is_refused(refused: Refused, item_id: str) -> None:
    raw = valid_instrument()
    item(raw, "AA03")["id"] = item_id
    scale(raw, "AA")["items"][2] = item_id
    error, path = refused(raw)
    assert (error.file, error.where) == (str(path), f"item {item_id}")
    assert error.rule.startswith("id must be upper-case letters then two digits")


def test_a_scale_id_of_the_wrong_pattern_is_refused(refused: Refused) -> None:
    raw = valid_instrument()
    scale(raw, "AA")["id"] = "A_"
    error, _ = refused(raw)
    assert (error.where, error.rule) == (
        "scale A_",
        "id must be upper-case letters and underscores",
    )


def test_a_scale_with_fewer_than_three_items_is_refused(refused: Refused) -> None:
    raw = valid_instrument()
    scale(raw, "AA")["items"].remove("AA03")
    raw["items"].remove(item(raw, "AA03"))
    error, path = refused(raw)
    assert (error.file, error.where, error.rule) == (
        str(path),
        "scale AA",
        "needs at least 3 items, has 2",
    )


# -- languages and texts ------------------------------------------------------------------------


def test_an_item_missing_a_language_is_refused(refused: Refused) -> None:
    raw = valid_instrument()
    del item(raw, "BB02")["text"]["fr"]
    error, path = refused(raw)
    assert (error.file, error.where, error.rule) == (str(path), "item BB02", "has no text in fr")


def test_an_item_with_an_extra_language_is_refused(refused: Refused) -> None:
    raw = valid_instrument()
    item(raw, "BB02")["text"]["de"] = "Aussage"
    error, path = refused(raw)
    assert (error.file, error.where) == (str(path), "item BB02")
    assert error.rule == "has text in de, not a language of the instrument"


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_item_text_is_refused(refused: Refused, text: str) -> None:
    raw = valid_instrument()
    item(raw, "AA02")["text"]["fr"] = text
    error, path = refused(raw)
    assert (error.file, error.where, error.rule) == (str(path), "item AA02", "text in fr is empty")


def test_a_scale_description_missing_a_language_is_refused(refused: Refused) -> None:
    raw = valid_instrument()
    del scale(raw, "BB")["description"]["en"]
    error, _ = refused(raw)
    assert (error.where, error.rule) == ("scale BB description", "has no text in en")


def test_response_labels_missing_a_language_are_refused(refused: Refused) -> None:
    raw = valid_instrument()
    del raw["response_scale"]["labels"]["fr"]
    error, _ = refused(raw)
    assert (error.where, error.rule) == ("response_scale labels", "has no text in fr")


def test_a_language_code_of_the_wrong_form_is_refused(refused: Refused) -> None:
    raw = valid_instrument()
    raw["languages"] = ["en", "FR"]
    error, _ = refused(raw)
    assert error.where == "instrument"
    assert error.rule.startswith("field languages.1: String should match pattern")


def test_repeated_languages_are_refused(refused: Refused) -> None:
    raw = valid_instrument()
    raw["languages"] = ["en", "fr", "en"]
    error, _ = refused(raw)
    assert (error.where, error.rule) == (
        "instrument",
        "languages must be a non-empty list without repeats",
    )


# -- the response scale -------------------------------------------------------------------------


@pytest.mark.parametrize(("low", "high"), [(5, 5), (5, 1)])
def test_a_response_scale_whose_max_is_not_above_its_min_is_refused(
    refused: Refused, low: int, high: int
) -> None:
    raw = valid_instrument()
    raw["response_scale"].update(min=low, max=high)
    error, path = refused(raw)
    assert (error.file, error.where) == (str(path), "response_scale")
    assert error.rule == f"max ({high}) must be greater than min ({low})"


def test_a_wrong_number_of_labels_is_refused(refused: Refused) -> None:
    raw = valid_instrument()
    raw["response_scale"]["labels"]["en"].pop()
    error, path = refused(raw)
    assert (error.file, error.where) == (str(path), "response_scale")
    assert error.rule == "labels in 'en' has 4 entries, the scale has 5 options (1..5)"


def test_labels_that_repeat_are_refused(refused: Refused) -> None:
    raw = valid_instrument()
    raw["response_scale"]["labels"]["fr"][1] = "un"
    error, path = refused(raw)
    assert (error.file, error.where) == (str(path), "response_scale")
    assert error.rule == "labels in 'fr' must be distinct and non-empty"


def test_too_many_response_options_are_refused(refused: Refused) -> None:
    raw = valid_instrument()
    raw["response_scale"].update(min=0, max=11)
    raw["response_scale"]["labels"] = {
        language: [f"{language}{n}" for n in range(12)] for language in ("en", "fr")
    }
    error, path = refused(raw)
    assert (error.file, error.where) == (str(path), "response_scale")
    assert error.rule == "must have between 2 and 11 options, has 12"


# -- composites ---------------------------------------------------------------------------------


def test_a_composite_with_an_unknown_facet_is_refused(refused: Refused) -> None:
    raw = valid_instrument()
    raw["composites"][0]["facets"] = ["AA", "ZZ"]
    error, path = refused(raw)
    assert (error.file, error.where) == (str(path), "composite CC")
    assert error.rule == "lists facet ZZ, which is not a scale"


def test_a_composite_listing_a_facet_twice_is_refused(refused: Refused) -> None:
    raw = valid_instrument()
    raw["composites"][0]["facets"] = ["AA", "BB", "AA"]
    error, _ = refused(raw)
    assert (error.where, error.rule) == ("composite CC", "lists facet AA more than once")


@pytest.mark.parametrize("min_facets", [0, 3, -1])
def test_a_composite_min_facets_out_of_range_is_refused(refused: Refused, min_facets: int) -> None:
    raw = valid_instrument()
    raw["composites"][0]["min_facets"] = min_facets
    error, path = refused(raw)
    assert (error.file, error.where) == (str(path), "composite CC")
    assert error.rule == "min_facets must be between 1 and 2"


# -- instrument-wide settings -------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "1.0.0-beta", "1.0.x"])
def test_a_bad_version_string_is_refused(refused: Refused, version: str) -> None:
    raw = valid_instrument()
    raw["version"] = version
    error, path = refused(raw)
    assert (error.file, error.where) == (str(path), "instrument")
    assert error.rule == f"version {version!r} must be MAJOR.MINOR.PATCH"


def test_a_bad_instrument_id_is_refused(refused: Refused) -> None:
    raw = valid_instrument()
    raw["id"] = "Test Instrument"
    error, _ = refused(raw)
    assert (error.where, error.rule) == (
        "instrument",
        "id 'Test Instrument' must be lower-case words joined by '-'",
    )


@pytest.mark.parametrize("share", [0, 0.0, -0.2, 1.01, 60])
def test_min_answered_outside_zero_to_one_is_refused(refused: Refused, share: float) -> None:
    raw = valid_instrument()
    raw["min_answered"] = share
    error, path = refused(raw)
    assert (error.file, error.where, error.rule) == (
        str(path),
        "instrument",
        "min_answered must be in (0, 1]",
    )


def test_min_answered_of_one_is_accepted(write: Callable[[Raw], Path]) -> None:
    raw = valid_instrument()
    raw["min_answered"] = 1
    instrument = load_instrument(write(raw))
    assert instrument.min_items("AA") == 3


def test_a_scale_min_answered_outside_zero_to_one_is_refused(refused: Refused) -> None:
    raw = valid_instrument()
    scale(raw, "BB")["min_answered"] = 1.5
    error, _ = refused(raw)
    assert (error.where, error.rule) == ("scale BB", "min_answered must be in (0, 1]")


# -- types and unknown fields -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"), [("yes", "'yes'"), ("true", "'true'"), (1, "1"), (0, "0")]
)
def test_a_reverse_flag_that_is_not_a_boolean_is_refused_naming_the_item(
    refused: Refused, value: object, shown: str
) -> None:
    raw = valid_instrument()
    item(raw, "BB02")["reverse"] = value
    error, path = refused(raw)
    assert (error.file, error.where) == (str(path), "item BB02")
    assert error.rule == f"field reverse: Input should be a valid boolean (got {shown})"


@pytest.mark.parametrize("bound", ["min", "max"])
def test_a_response_bound_given_as_text_is_refused(refused: Refused, bound: str) -> None:
    raw = valid_instrument()
    raw["response_scale"][bound] = str(raw["response_scale"][bound])
    error, _ = refused(raw)
    assert error.where == "response_scale"
    assert error.rule.startswith(f"field {bound}: Input should be a valid integer")


def test_min_answered_given_as_text_is_refused(refused: Refused) -> None:
    raw = valid_instrument()
    raw["min_answered"] = "0.6"
    error, _ = refused(raw)
    assert error.where == "instrument"
    assert error.rule.startswith("field min_answered: Input should be a valid number")


def test_an_unknown_scale_level_is_refused_naming_the_scale(refused: Refused) -> None:
    raw = valid_instrument()
    scale(raw, "BB")["level"] = "organisation"
    error, _ = refused(raw)
    assert error.where == "scale BB"
    assert error.rule == "field level: Input should be 'team' or 'individual' (got 'organisation')"


def test_a_text_given_as_a_plain_string_is_refused_naming_the_item(refused: Refused) -> None:
    raw = valid_instrument()
    item(raw, "AA01")["text"] = "Statement"
    error, _ = refused(raw)
    assert error.where == "item AA01"
    assert error.rule.startswith("field text: Input should be a valid dictionary")


def test_a_missing_item_text_is_refused_naming_the_item(refused: Refused) -> None:
    raw = valid_instrument()
    del item(raw, "AA01")["text"]
    error, _ = refused(raw)
    assert (error.where, error.rule) == ("item AA01", "field text: Field required")


def test_an_item_without_an_id_is_named_by_its_position(refused: Refused) -> None:
    raw = valid_instrument()
    del raw["items"][1]["id"]
    error, _ = refused(raw)
    assert (error.where, error.rule) == ("item number 2", "field id: Field required")


@pytest.mark.parametrize(
    ("place", "where"),
    [("item", "item AA01"), ("scale", "scale AA"), ("composite", "composite CC")],
)
def test_an_unknown_field_is_refused_naming_its_entry(
    refused: Refused, place: str, where: str
) -> None:
    raw = valid_instrument()
    entry = {"item": raw["items"][0], "scale": raw["scales"][0], "composite": raw["composites"][0]}
    entry[place]["colour"] = "red"
    error, path = refused(raw)
    assert (error.file, error.where) == (str(path), where)
    assert error.rule == "field colour: Extra inputs are not permitted (got 'red')"


def test_an_unknown_top_level_field_is_refused(refused: Refused) -> None:
    raw = valid_instrument()
    raw["author"] = "someone"
    error, _ = refused(raw)
    assert (error.where, error.rule) == (
        "instrument",
        "field author: Extra inputs are not permitted (got 'someone')",
    )


# -- packaged instruments -----------------------------------------------------------------------


def test_an_unknown_packaged_instrument_is_refused_listing_the_known_ones() -> None:
    with pytest.raises(InstrumentError) as caught:
        load_builtin("transversal-core@9.9.9")
    assert (caught.value.file, caught.value.where) == ("transversal-core@9.9.9", "instrument")
    assert "transversal-core@1.0.0" in caught.value.rule
