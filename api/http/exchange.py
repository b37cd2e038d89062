"""HR's routes for raw answers: export as CSV or SPSS with a codebook, and import from CSV.

The rules (who may, the rows' labels, codes, what an import accepts) are those of
``api.services.exchange``; this module writes its plain values out in the format asked for.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, status
from fastapi.responses import Response

from api.http.deps import SNAPSHOT_HEADER, PrincipalDep, SessionDep
from api.http.errors import error_responses
from api.services import exchange
from api.services.export_files import (
    CSV_MEDIA_TYPE,
    SAV_MEDIA_TYPE,
    Codebook,
    answers_csv,
    answers_sav,
    build_codebook,
    codebook_csv,
)

# Every route is an admin's.
router = APIRouter(
    prefix="/campaigns/{campaign_id}",
    tags=["exchange"],
    responses=error_responses(401, 403, 404, 409, 422, 429),
)


@router.get(
    "/export.csv", response_class=Response, responses={200: {"content": {CSV_MEDIA_TYPE: {}}}}
)
def export_csv(campaign_id: int, principal: PrincipalDep, session: SessionDep) -> Response:
    """A row per response: unit (small units folded into their parent), language, a column per
    item (``-9``: does not apply; blank: not answered), a ``score_<id>`` column per scale and
    composite (blank where not scorable), ``careless`` (1: excluded as careless, answers kept)
    and ``careless_rules``. Admins only."""
    export = exchange.export_answers(session, principal=principal, campaign_id=campaign_id)
    return Response(
        answers_csv(export),
        media_type=CSV_MEDIA_TYPE,
        headers=_attachment(export, "answers.csv"),
    )


@router.get(
    "/export.sav", response_class=Response, responses={200: {"content": {SAV_MEDIA_TYPE: {}}}}
)
def export_sav(
    campaign_id: int,
    principal: PrincipalDep,
    session: SessionDep,
    language: Annotated[
        str | None,
        Query(
            description="The language of the file's labels, one of the campaign's: its first"
            " when not given (the codebook has them all)"
        ),
    ] = None,
) -> Response:
    """The CSV export as an SPSS file, with variable and value labels in one language of the
    campaign and ``-9`` user-missing."""
    export = exchange.export_answers(
        session, principal=principal, campaign_id=campaign_id, language=language
    )
    content = answers_sav(export, language=language)
    name = "answers.sav" if language is None else f"answers-{language}.sav"
    return Response(content, media_type=SAV_MEDIA_TYPE, headers=_attachment(export, name))


@router.get(
    "/codebook", response_model=Codebook, responses={200: {"content": {CSV_MEDIA_TYPE: {}}}}
)
def codebook(
    campaign_id: int,
    principal: PrincipalDep,
    session: SessionDep,
    format_: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> Codebook | Response:
    """Every variable of the export with its labels, scale, keying, values and missing codes,
    and the folding applied to small units. Admins only."""
    export = exchange.export_answers(session, principal=principal, campaign_id=campaign_id)
    book = build_codebook(export)
    if format_ == "csv":
        return Response(
            codebook_csv(book),
            media_type=CSV_MEDIA_TYPE,
            headers=_attachment(export, "codebook.csv"),
        )
    return book


@router.post(
    "/import",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 413),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
        }
    },
)
def import_answers(
    campaign_id: int,
    principal: PrincipalDep,
    session: SessionDep,
    body: Annotated[str, Body(media_type=CSV_MEDIA_TYPE)],
) -> exchange.ImportReport:
    """Answers from paper or a spreadsheet, with the export's columns, into an open or closed
    campaign. Every problem is listed by spreadsheet line; any problem refuses the file."""
    principal.require_admin()
    return exchange.import_answers(
        session, principal=principal, campaign_id=campaign_id, table=exchange.read_csv_table(body)
    )


def _attachment(export: exchange.AnswerExport, name: str) -> dict[str, str]:
    """Download headers naming the campaign and its snapshot, in the file name too."""
    filename = f"campaign-{export.campaign_id}-{export.snapshot[:12]}-{name}"
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        SNAPSHOT_HEADER: export.snapshot,
    }
