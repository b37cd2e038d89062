"""The ``transversal validate`` use case: an instrument validity report from a campaign or a CSV.

Reading the input (a campaign from the database, or a wide CSV of raw answers) is checked here,
with errors that name the field at fault; the analysis and the rendering are the packages'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from analysis.validity import ValidityAssessment, assess_validity
from api.services import campaigns as services
from api.services.errors import Conflict, NotFound
from api.store.db import session_scope
from instrument import Instrument
from reports.i18n import texts_for
from reports.validity import build_validity_view, render_validity_html, render_validity_pdf

NOT_APPLICABLE = -9
"""The CSV code for 'does not apply'; read as missing, like a blank."""

GROUPS = ("department", "language")


class InputError(ValueError):
    """Input the report cannot be made from; ``field`` names the option, column or value."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


@dataclass(frozen=True)
class ValidityOutcome:
    assessment: ValidityAssessment
    instrument: Instrument
    html: Path
    pdf: Path


def read_responses_csv(path: Path, *, instrument: Instrument, team_column: str) -> pd.DataFrame:
    """Raw answers from a wide CSV: a column per item id and optionally ``team_column``.

    Blank cells and ``-9`` (does not apply) become NaN. Any other column is refused by name,
    as is a value that is not a number.
    """
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InputError("--responses", f"cannot read {path}: {error}") from None
    known = set(instrument.item_ids)
    unknown = [c for c in raw.columns if c not in known and c != team_column]
    if unknown:
        raise InputError(
            f"column {unknown[0]!r}",
            f"is not an item of {instrument.ref} (nor the team column {team_column!r})",
        )
    items = [c for c in raw.columns if c in known]
    if not items:
        raise InputError("--responses", f"{path} has no column named after an item")
    frame = pd.DataFrame(index=raw.index)
    for item in items:
        text = raw[item].str.strip()
        values = pd.to_numeric(text.replace("", np.nan), errors="coerce")
        bad = values.isna() & text.ne("")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"column {item!r}", f"row {row + 2}: {text.iloc[row]!r} is not a number"
            )
        frame[item] = values.astype(np.float64).replace(NOT_APPLICABLE, np.nan)
    if team_column in raw.columns:
        frame["team"] = raw[team_column].astype(str)
    return frame


def campaign_responses(
    engine: Engine, *, campaign_id: int, group: str | None
) -> tuple[pd.DataFrame, Instrument, str, int]:
    """A campaign's raw answers, with a ``group`` column when asked, its instrument, its name
    and its minimum group size."""
    if group is not None and group not in GROUPS:
        raise InputError("--group", f"must be one of {', '.join(GROUPS)}, not {group!r}")
    if group == "language":
        raise InputError(
            "--group",
            "the campaign's answers do not carry their language here; group by department",
        )
    with session_scope(engine) as session:
        try:
            data = services.load_snapshot(session, campaign_id=campaign_id)
        except NotFound:
            raise InputError("--campaign", f"no campaign {campaign_id}") from None
        except Conflict as refused:
            raise InputError("--campaign", str(refused)) from None
        services.record_read(session, campaign_id=campaign_id)
    responses = data.responses
    if group == "department":
        responses = responses.assign(department=data.departments_of(responses["team"], named=True))
    source = f"{data.organisation_name} · {data.campaign_name} · {(data.fingerprint or '')[:12]}"
    return responses, data.instrument, source, data.min_group_size


def write_validity_report(
    responses: pd.DataFrame,
    *,
    instrument: Instrument,
    out: Path,
    source: str,
    group: str | None = None,
    language: str = "en",
    parallel_iterations: int = 20,
    min_group_size: int = 5,
) -> ValidityOutcome:
    """Assess the instrument on ``responses`` and write ``validity.html`` and ``validity.pdf``;
    agreement pools the teams of at least ``min_group_size`` respondents only."""
    if language not in instrument.languages:
        raise InputError("--language", f"{instrument.ref} is in {', '.join(instrument.languages)}")
    t = texts_for(language)
    assessment = assess_validity(
        responses,
        instrument=instrument,
        group=group,
        parallel_iterations=parallel_iterations,
        min_group_size=min_group_size,
    )
    view = build_validity_view(
        assessment,
        instrument=instrument,
        language=language,
        generated_at=datetime.now(UTC),
        source=source,
        group_label=None if group is None else t[f"validity_{group}"],
    )
    out.mkdir(parents=True, exist_ok=True)
    html, pdf = out / "validity.html", out / "validity.pdf"
    html.write_text(render_validity_html(view), encoding="utf-8")
    pdf.write_bytes(render_validity_pdf(view))
    return ValidityOutcome(assessment=assessment, instrument=instrument, html=html, pdf=pdf)
