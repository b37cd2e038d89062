"""The files of an answer export: the CSV, the SPSS file and the codebook, written from the
plain values of ``api.services.exchange.AnswerExport``.

The JSON API and HR's console hand out the same bytes for the same snapshot: both write them
with these functions. Every text, in the CSV files and in the SPSS file alike (its strings, its
variable and value labels, its file label), goes through
``api.services.csv_text.spreadsheet_safe``: a unit's name or a campaign's that starts like a
formula reaches a spreadsheet as text, even after a round trip through SPSS.

Languages: the codebook gives every text in every language of the campaign (a column per
language in its CSV form). An SPSS file holds one label per variable and per value, so it is
written in one language: the campaign's first unless another of its languages is asked for,
one file per language with the same data. A single file with the other languages' labels
stuffed into its labels would overrun SPSS's 256 bytes of a variable label with two item texts
and print every language in every table; the codebook carries them all instead.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import pandas as pd
import pyreadstat
from pydantic import BaseModel

from analysis.campaign import DEFAULT_POLICY
from analysis.quality import MAHALANOBIS_MIN_PER_ITEM
from api.services import exchange
from api.services.csv_text import CsvCell, spreadsheet_safe, write_csv
from instrument import Instrument

CSV_MEDIA_TYPE = "text/csv"
SAV_MEDIA_TYPE = "application/x-spss-sav"
NOT_ANSWERED = "not answered: a blank cell in CSV, system-missing in SPSS"
_NOT_ANSWERED = {
    "en": NOT_ANSWERED,
    "fr": "sans réponse : une cellule vide en CSV, une valeur manquante système en SPSS",
}
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
    "careless": {
        "en": "Excluded as careless by the screening: left out of the reliability only,"
        " answers kept",
        "fr": "Exclu pour réponses négligentes par le filtrage : retiré de la fiabilité"
        " seulement, réponses conservées",
    },
    "careless_rules": {
        "en": "Screening rules that excluded the respondent",
        "fr": "Règles du filtrage qui ont exclu la personne",
    },
}
_POOLED_LABELS = {
    "en": ("the unit's own rows", "rows of smaller units pooled here"),
    "fr": ("réponses de l'unité", "réponses d'unités plus petites regroupées ici"),
}
_CARELESS_LABELS = {
    "en": ("kept", "excluded as careless"),
    "fr": ("conservé", "exclu pour réponses négligentes"),
}
_SCORE_LABEL = {"en": "Score: {name}", "fr": "Score : {name}"}
_NOTES = {
    "en": {
        "scale": "mean of the answered items ({items}) after reverse keying{reversed}; blank"
        " with fewer than {least} answered",
        "reversed": ", {items} reversed as {total} - answer",
        "composite": "mean of the facet scores ({facets}); blank with fewer than {least} of them",
        "longstring": "longstring: the longest run of identical answers covers at least"
        " {share:.0%} of the items answered",
        "mahalanobis": "mahalanobis: the answers lie far from the sample's (Mahalanobis"
        " distance, p < {p:g}; judged from {per_item} respondents per item)",
        "irv": "irv: the standard deviation of the answers is below {floor:g} points",
        "reverse_disagreement": "reverse_disagreement: reverse-keyed and other items of a"
        " scale disagree by {points:g} points or more",
        "least": "nobody with fewer than {least} answers is flagged",
        "snapshot": "snapshot: {snapshot}",
        "folded": "folded: {folded}",
        "into": "{unit} into {parent}",
        "withheld": "withheld: {rows} rows of {units}",
    },
    "fr": {
        "scale": "moyenne des items répondus ({items}) après inversion{reversed} ; vide avec"
        " moins de {least} réponses",
        "reversed": ", {items} inversés en {total} - réponse",
        "composite": "moyenne des scores des facettes ({facets}) ; vide avec moins de"
        " {least} d'entre eux",
        "longstring": "longstring : la plus longue suite de réponses identiques couvre au"
        " moins {share:.0%} des items répondus",
        "mahalanobis": "mahalanobis : les réponses s'écartent fortement de celles de"
        " l'échantillon (distance de Mahalanobis, p < {p:g} ; jugée à partir de {per_item}"
        " répondants par item)",
        "irv": "irv : l'écart-type des réponses est sous {floor:g} points",
        "reverse_disagreement": "reverse_disagreement : les items inversés et les autres items"
        " d'une échelle divergent de {points:g} points ou plus",
        "least": "personne avec moins de {least} réponses n'est signalé",
        "snapshot": "instantané : {snapshot}",
        "folded": "regroupées : {folded}",
        "into": "{unit} dans {parent}",
        "withheld": "retenues : {rows} réponses de {units}",
    },
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
    measure: Literal["nominal", "ordinal", "scale"]
    scale_id: str | None = None
    """The scale an item belongs to, or the scale or composite a ``score_`` column scores."""
    scale_name: dict[str, str] | None = None
    reverse: bool | None = None
    """Whether an item is reverse-keyed (scored as min + max - answer); None for the others."""
    values: list[CodedValue]
    missing: list[CodedValue]
    notes: dict[str, str] | None = None
    """How a derived column is made (a score, the careless flag), in every language."""


class Codebook(BaseModel):
    """What each column of the export holds, and which units were folded into which."""

    campaign_id: int
    snapshot: str
    """The fingerprint of the closed campaign's snapshot the export is made of."""
    campaign_name: str
    instrument: str
    languages: list[str]
    min_group_size: int
    not_answered: dict[str, str]
    """What a blank (CSV) or system-missing (SPSS) item means, in every language."""
    variables: list[CodebookVariable]
    folding: list[exchange.FoldedUnit]
    withheld: list[exchange.WithheldUnit]
    """Units whose rows are not exported: even pooled up the chart they stay under the
    minimum, and they are in no figure either."""
    withheld_rows: int


def answers_csv(export: exchange.AnswerExport) -> str:
    return write_csv(export.columns, (_cells(r) for r in export.rows))


def _cells(row: exchange.ExportRow) -> tuple[CsvCell, ...]:
    return (
        row.unit_id,
        row.unit_name,
        int(row.pooled),
        row.language,
        *row.codes,
        *row.scores,
        int(row.careless),
        ", ".join(row.careless_rules),
    )


def answers_sav(export: exchange.AnswerExport, *, language: str | None = None) -> bytes:
    """The export as an SPSS file, labelled in ``language`` (``exchange.export_language``: the
    campaign's first by default)."""
    language = exchange.export_language(export.languages, language)
    items = list(export.instrument.item_ids)
    scores = list(export.score_columns)
    scale = export.instrument.response_scale
    frame = pd.DataFrame.from_records(
        [_sav_cells(r) for r in export.rows], columns=list(export.columns)
    ).astype(
        {
            "unit_id": "int64",
            "unit_pooled": "int64",
            "careless": "int64",
            **dict.fromkeys(items + scores, "float64"),
        }
    )
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
    variable_labels |= _score_labels(export.instrument, language)
    variable_labels |= {c: _column_label(c, language) for c in exchange.CARELESS_COLUMNS}
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
                "careless": {
                    value: _clip(label, _VALUE_LABEL_BYTES)
                    for value, label in enumerate(_careless_labels(language))
                },
            },
            missing_ranges={i: [exchange.NOT_APPLICABLE] for i in items},
            variable_measure={
                **dict.fromkeys(exchange.UNIT_COLUMNS, "nominal"),
                **dict.fromkeys(items, "ordinal"),
                **dict.fromkeys(scores, "scale"),
                **dict.fromkeys(exchange.CARELESS_COLUMNS, "nominal"),
            },
            variable_format={
                "unit_id": "F10.0",
                "unit_pooled": "F1.0",
                **dict.fromkeys(items, "F2.0"),
                **dict.fromkeys(scores, "F8.2"),
                "careless": "F1.0",
            },
        )
        return path.read_bytes()


def _sav_cells(row: exchange.ExportRow) -> tuple[object, ...]:
    """A row's cells for SPSS: every text made safe for a spreadsheet (its numbers stay
    numbers), a score that cannot be computed system-missing."""
    cells = _cells(row)
    return tuple(spreadsheet_safe(c) if isinstance(c, str) else c for c in cells)


def _score_labels(instrument: Instrument, language: str) -> dict[str, str]:
    names = {s.id: s.name for s in instrument.scales}
    names |= {c.id: c.name for c in instrument.composites}
    template = _SCORE_LABEL.get(language, _SCORE_LABEL["en"])
    return {
        f"{exchange.SCORE_PREFIX}{score_id}": template.format(name=names[score_id][language])
        for score_id in exchange.score_ids(instrument)
    }


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
    variables += _score_variables(instrument, languages)
    variables += _careless_variables(instrument, languages)
    return Codebook(
        campaign_id=export.campaign_id,
        snapshot=export.snapshot,
        campaign_name=export.campaign_name,
        instrument=instrument.ref,
        languages=list(languages),
        min_group_size=export.min_group_size,
        not_answered={lang: _text(_NOT_ANSWERED, lang) for lang in languages},
        variables=variables,
        folding=list(export.folded),
        withheld=list(export.withheld),
        withheld_rows=export.withheld_rows,
    )


def _score_variables(instrument: Instrument, languages: tuple[str, ...]) -> list[CodebookVariable]:
    """A ``score_`` column per scale and composite, with how it is computed."""
    scale = instrument.response_scale
    labels = {lang: _score_labels(instrument, lang) for lang in languages}
    variables = []
    for owner in instrument.scales:
        reversed_items = [i for i in owner.items if instrument.item(i).reverse]
        notes = {}
        for lang in languages:
            texts = _NOTES.get(lang, _NOTES["en"])
            turned = texts["reversed"].format(
                items=" ".join(reversed_items), total=scale.min + scale.max
            )
            notes[lang] = texts["scale"].format(
                items=" ".join(owner.items),
                reversed=turned if reversed_items else "",
                least=instrument.min_items(owner.id),
            )
        variables.append(
            _score_variable(owner.id, owner.name, labels=labels, notes=notes, languages=languages)
        )
    for composite in instrument.composites:
        notes = {
            lang: _NOTES.get(lang, _NOTES["en"])["composite"].format(
                facets=" ".join(composite.facets), least=composite.min_facets
            )
            for lang in languages
        }
        variables.append(
            _score_variable(
                composite.id, composite.name, labels=labels, notes=notes, languages=languages
            )
        )
    return variables


def _score_variable(
    score_id: str,
    name: Mapping[str, str],
    *,
    labels: Mapping[str, Mapping[str, str]],
    notes: dict[str, str],
    languages: tuple[str, ...],
) -> CodebookVariable:
    column = f"{exchange.SCORE_PREFIX}{score_id}"
    return CodebookVariable(
        name=column,
        label={lang: labels[lang][column] for lang in languages},
        type="numeric",
        measure="scale",
        scale_id=score_id,
        scale_name={lang: name[lang] for lang in languages},
        values=[],
        missing=[],
        notes=notes,
    )


def _careless_variables(
    instrument: Instrument, languages: tuple[str, ...]
) -> list[CodebookVariable]:
    """``careless`` and ``careless_rules``, with the rules and thresholds of the screening."""
    policy = DEFAULT_POLICY
    span = instrument.response_scale.max - instrument.response_scale.min
    notes = {}
    for lang in languages:
        texts = _NOTES.get(lang, _NOTES["en"])
        rules = {
            "longstring": texts["longstring"].format(share=policy.longstring_share),
            "irv": texts["irv"].format(floor=policy.irv_floor * span),
            "mahalanobis": texts["mahalanobis"].format(
                p=policy.mahalanobis_p, per_item=MAHALANOBIS_MIN_PER_ITEM
            ),
            "reverse_disagreement": texts["reverse_disagreement"].format(
                points=policy.reverse_disagreement * span
            ),
        }
        notes[lang] = "; ".join(
            [
                *(rules[r] for r in exchange.EXCLUDING_RULES),
                texts["least"].format(least=policy.min_answers),
            ]
        )
    careless, rules_column = exchange.CARELESS_COLUMNS
    return [
        CodebookVariable(
            name=careless,
            label={lang: _column_label(careless, lang) for lang in languages},
            type="numeric",
            measure="nominal",
            values=[
                CodedValue(value=v, label={lang: _careless_labels(lang)[v] for lang in languages})
                for v in (0, 1)
            ],
            missing=[],
            notes=notes,
        ),
        CodebookVariable(
            name=rules_column,
            label={lang: _column_label(rules_column, lang) for lang in languages},
            type="string",
            measure="nominal",
            values=[],
            missing=[],
            notes=notes,
        ),
    ]


def codebook_csv(book: Codebook) -> str:
    """A row per variable, a column per language for each text; the folding in the notes of
    ``unit_id``, how a derived column is made in its own notes."""
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
        *(f"notes_{lang}" for lang in langs),
    ]
    unit_notes = {lang: _unit_notes(book, lang) for lang in langs}
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
            *(
                unit_notes[lang] if v.name == "unit_id" else (v.notes or {}).get(lang, "")
                for lang in langs
            ),
        ]
        for v in book.variables
    ]
    return write_csv(header, rows)


def _unit_notes(book: Codebook, language: str) -> str:
    """The snapshot, the folding and the withheld rows, in ``language``."""
    texts = _NOTES.get(language, _NOTES["en"])
    folding = "; ".join(
        texts["into"].format(unit=f.unit_name, parent=f.folded_into_unit_name) for f in book.folding
    )
    withheld = ", ".join(w.unit_name for w in book.withheld)
    return "; ".join(
        [texts["snapshot"].format(snapshot=book.snapshot)]
        + ([texts["folded"].format(folded=folding)] if folding else [])
        + ([texts["withheld"].format(rows=book.withheld_rows, units=withheld)] if withheld else [])
    )


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


def _careless_labels(language: str) -> tuple[str, str]:
    return _CARELESS_LABELS.get(language, _CARELESS_LABELS["en"])


def _text(texts: Mapping[str, str], language: str) -> str:
    return texts.get(language, texts["en"])


def _clip(text: str, limit: int) -> str:
    """The text safe for a spreadsheet, cut to ``limit`` bytes at a character boundary."""
    return spreadsheet_safe(text).encode()[:limit].decode(errors="ignore")
