"""The files of an answer export: the CSV, the SPSS file and the codebook, written from the
plain values of ``api.services.exchange.AnswerExport``.

The JSON API and HR's console hand out the same bytes for the same snapshot: both write them
with these functions. Every text, in the CSV files and in the SPSS file alike (its strings, its
variable and value labels, its file label), goes through
``api.services.csv_text.spreadsheet_safe``: a unit's name or a campaign's that starts like a
formula reaches a spreadsheet as text, even after a round trip through SPSS.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

import pandas as pd
import pyreadstat
from pydantic import BaseModel

from api.services import exchange
from api.services.csv_text import spreadsheet_safe, write_csv

CSV_MEDIA_TYPE = "text/csv"
SAV_MEDIA_TYPE = "application/x-spss-sav"
NOT_ANSWERED = "not answered: a blank cell in CSV, system-missing in SPSS"
_COLUMN_LABELS = {
    "unit_id": {
        "en": "Unit (units under the minimum group size pooled up the organisation chart)",
        "fr": "Unité (unités sous la taille minimale regroupées plus haut dans l'organigramme)",
    },
    "unit_name": {"en": "Unit name", "fr": "Nom de l'unité"},
    "unit_pooled": {
        "en": "1: rows of units under the minimum pooled here; 0: the unit's own rows",
        "fr": "1 : réponses d'unités sous le minimum regroupées ici ; 0 : celles de l'unité",
    },
    "language": {"en": "Language of the form (ISO 639-1)", "fr": "Langue du questionnaire"},
}
_POOLED_LABELS = {
    "en": ("the unit's own rows", "rows of smaller units pooled here"),
    "fr": ("réponses de l'unité", "réponses d'unités plus petites regroupées ici"),
}
# SPSS limits, in bytes: longer texts are cut at a character boundary.
_FILE_LABEL_BYTES, _VARIABLE_LABEL_BYTES, _VALUE_LABEL_BYTES = 64, 256, 120


class CodedValue(BaseModel):
    value: int
    label: dict[str, str]


class CodebookVariable(BaseModel):
    name: str
    label: dict[str, str]
    type: Literal["numeric", "string"]
    measure: Literal["nominal", "ordinal"]
    scale_id: str | None = None
    scale_name: dict[str, str] | None = None
    reverse: bool | None = None
    values: list[CodedValue]
    missing: list[CodedValue]


class Codebook(BaseModel):
    """What each column of the export holds, and which units were folded into which."""

    campaign_id: int
    snapshot: str
    """The fingerprint of the closed campaign's snapshot the export is made of."""
    campaign_name: str
    instrument: str
    languages: list[str]
    min_group_size: int
    not_answered: str = NOT_ANSWERED
    variables: list[CodebookVariable]
    folding: list[exchange.FoldedUnit]
    withheld: list[exchange.WithheldUnit]
    """Units whose rows are not exported: even pooled up the chart they stay under the
    minimum, and they are in no figure either."""
    withheld_rows: int


def answers_csv(export: exchange.AnswerExport) -> str:
    return write_csv(
        export.columns,
        ((r.unit_id, r.unit_name, int(r.pooled), r.language, *r.codes) for r in export.rows),
    )


def answers_sav(export: exchange.AnswerExport) -> bytes:
    """The export as an SPSS file, labelled in the campaign's first language."""
    language = export.languages[0]
    items = list(export.instrument.item_ids)
    scale = export.instrument.response_scale
    texts = [(spreadsheet_safe(r.unit_name), spreadsheet_safe(r.language)) for r in export.rows]
    frame = pd.DataFrame.from_records(
        [
            (r.unit_id, name, int(r.pooled), language, *r.codes)
            for r, (name, language) in zip(export.rows, texts, strict=True)
        ],
        columns=list(export.columns),
    ).astype({"unit_id": "int64", "unit_pooled": "int64", **dict.fromkeys(items, "float64")})
    unit_values: dict[int | float, str] = {
        unit_id: _clip(name, _VALUE_LABEL_BYTES) for unit_id, name in export.units.items()
    }
    item_values: dict[int | float, str] = {
        value: _clip(label, _VALUE_LABEL_BYTES)
        for value, label in zip(scale.values, scale.labels[language], strict=True)
    }
    item_values[exchange.NOT_APPLICABLE] = _clip(scale.not_applicable[language], _VALUE_LABEL_BYTES)
    variable_labels = {c: _column_label(c, language) for c in exchange.UNIT_COLUMNS}
    variable_labels |= {i: export.instrument.item(i).text[language] for i in items}
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "answers.sav"
        pyreadstat.write_sav(
            frame,
            path,
            file_label=_clip(export.campaign_name, _FILE_LABEL_BYTES),
            column_labels={
                c: _clip(text, _VARIABLE_LABEL_BYTES) for c, text in variable_labels.items()
            },
            variable_value_labels={
                "unit_id": unit_values,
                "unit_pooled": dict(enumerate(_pooled_labels(language))),
                **dict.fromkeys(items, item_values),
            },
            missing_ranges={i: [exchange.NOT_APPLICABLE] for i in items},
            variable_measure={
                **dict.fromkeys(exchange.UNIT_COLUMNS, "nominal"),
                **dict.fromkeys(items, "ordinal"),
            },
            variable_format={
                "unit_id": "F10.0",
                "unit_pooled": "F1.0",
                **dict.fromkeys(items, "F2.0"),
            },
        )
        return path.read_bytes()


def build_codebook(export: exchange.AnswerExport) -> Codebook:
    languages = export.languages
    instrument = export.instrument
    scale = instrument.response_scale
    scale_of = {item_id: s for s in instrument.scales for item_id in s.items}
    values = [
        CodedValue(value=v, label={lang: scale.labels[lang][i] for lang in languages})
        for i, v in enumerate(scale.values)
    ]
    missing = [
        CodedValue(
            value=exchange.NOT_APPLICABLE,
            label={lang: scale.not_applicable[lang] for lang in languages},
        )
    ]
    units = [
        CodedValue(value=unit_id, label=dict.fromkeys(languages, name))
        for unit_id, name in sorted(export.units.items())
    ]
    variables = [
        _unit_variable("unit_id", languages, type_="numeric", values=units),
        _unit_variable("unit_name", languages, type_="string", values=[]),
        _unit_variable(
            "unit_pooled",
            languages,
            type_="numeric",
            values=[
                CodedValue(value=v, label={lang: _pooled_labels(lang)[v] for lang in languages})
                for v in (0, 1)
            ],
        ),
        _unit_variable("language", languages, type_="string", values=[]),
    ]
    for item_id in instrument.item_ids:
        item = instrument.item(item_id)
        owner = scale_of.get(item_id)
        variables.append(
            CodebookVariable(
                name=item_id,
                label={lang: item.text[lang] for lang in languages},
                type="numeric",
                measure="ordinal",
                scale_id=owner.id if owner else None,
                scale_name={lang: owner.name[lang] for lang in languages} if owner else None,
                reverse=item.reverse,
                values=values,
                missing=missing,
            )
        )
    return Codebook(
        campaign_id=export.campaign_id,
        snapshot=export.snapshot,
        campaign_name=export.campaign_name,
        instrument=instrument.ref,
        languages=list(languages),
        min_group_size=export.min_group_size,
        variables=variables,
        folding=list(export.folded),
        withheld=list(export.withheld),
        withheld_rows=export.withheld_rows,
    )


def codebook_csv(book: Codebook) -> str:
    """A row per variable, a column per language for each text; the folding in the notes of
    ``unit_id``."""
    langs = book.languages
    header = [
        "name",
        *(f"label_{lang}" for lang in langs),
        "type",
        "measure",
        "scale_id",
        *(f"scale_name_{lang}" for lang in langs),
        "reverse",
        *(f"values_{lang}" for lang in langs),
        *(f"missing_{lang}" for lang in langs),
        "notes",
    ]
    folding = "; ".join(f"{f.unit_name} into {f.folded_into_unit_name}" for f in book.folding)
    withheld = ", ".join(w.unit_name for w in book.withheld)
    unit_notes = "; ".join(
        [f"snapshot: {book.snapshot}"]
        + ([f"folded: {folding}"] if folding else [])
        + ([f"withheld: {book.withheld_rows} rows of {withheld}"] if withheld else [])
    )
    rows = [
        [
            v.name,
            *(v.label[lang] for lang in langs),
            v.type,
            v.measure,
            v.scale_id or "",
            *((v.scale_name or {}).get(lang, "") for lang in langs),
            "" if v.reverse is None else str(v.reverse).lower(),
            *("; ".join(f"{c.value}={c.label[lang]}" for c in v.values) for lang in langs),
            *("; ".join(f"{c.value}={c.label[lang]}" for c in v.missing) for lang in langs),
            unit_notes if v.name == "unit_id" else "",
        ]
        for v in book.variables
    ]
    return write_csv(header, rows)


def _unit_variable(
    name: str,
    languages: tuple[str, ...],
    *,
    type_: Literal["numeric", "string"],
    values: list[CodedValue],
) -> CodebookVariable:
    return CodebookVariable(
        name=name,
        label={lang: _column_label(name, lang) for lang in languages},
        type=type_,
        measure="nominal",
        values=values,
        missing=[],
    )


def _column_label(column: str, language: str) -> str:
    labels = _COLUMN_LABELS[column]
    return labels.get(language, labels["en"])


def _pooled_labels(language: str) -> tuple[str, str]:
    return _POOLED_LABELS.get(language, _POOLED_LABELS["en"])


def _clip(text: str, limit: int) -> str:
    """The text safe for a spreadsheet, cut to ``limit`` bytes at a character boundary."""
    return spreadsheet_safe(text).encode()[:limit].decode(errors="ignore")
