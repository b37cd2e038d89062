"""The peer of ``bench_submissions.py``: a bare FastAPI endpoint, one route like the
submission's (a token in the path, a body of answers validated as strictly as the real one,
204), no database, served by uvicorn with its defaults in one process, as ``transversal
serve`` serves its app.

It imports FastAPI, pydantic and uvicorn and nothing of transversal: a process that also
held the service's modules (as it did when it was served from ``bench_submissions.py``) has
some 270,000 objects for the collector to walk instead of a tenth of that, and answered
slower, which made the ratio look better than it is.

Run: ``.venv/bin/python bench/bare_endpoint.py PORT``."""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI, Response
from pydantic import BaseModel, Field, StrictInt

HOST = "127.0.0.1"


class BareAnswers(BaseModel):
    """The submission's body, validated as ``AnswersIn`` validates it."""

    answers: dict[str, StrictInt | None]
    language: str | None = Field(default=None, min_length=2, max_length=2)


def bare_app() -> FastAPI:
    app = FastAPI()

    @app.post("/bare/{token}", status_code=204)
    def submit(token: str, data: BareAnswers, language: str | None = None) -> Response:
        return Response(status_code=204)

    return app


if __name__ == "__main__":
    uvicorn.run(bare_app(), host=HOST, port=int(sys.argv[1]))
