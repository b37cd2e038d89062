"""``python -m api.cli``: the ``transversal`` command."""

from api.cli import app

app()
