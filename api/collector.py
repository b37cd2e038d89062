"""CPython's cycle collector in the service's long-lived processes: the server, and rendering.

A full pass of the collector walks every container object of its oldest generation. A server
holds some 300,000 of them from the time it has started (modules, the app with its routes and
models, SQLAlchemy's tables and compiled statements), alive as long as the process: under a
closed loop of submissions a full pass took about 130 ms, one every second or so, and all the
passes together a fifth of the server's time (``bench/bench_submissions.py``). Frozen once the
app has started (``gc.freeze``), they are not walked again; the objects of the requests still
are, and are collected as before.

Rendering makes and drops boxes by the hundred thousand, and a campaign's analysis stays alive
while its reports are rendered: for a block of rendering (``rendering``), what is alive is
frozen and the youngest generation is collected less often: in a process that holds a campaign
of 1,000 teams, a report took a tenth to a fifth less time (1.70 to 1.53 s and 1.96 to 1.67 s,
``bench/bench_reports.py``), for some 50 MB more a process. A process that both serves and
renders (``transversal serve`` with the queue's jobs in it) keeps its start-up frozen when the
last block of rendering ends: the collector walks everything once then, so that what the
rendering left in cycles is collected, and freezes what is left.

Nothing here changes what is freed: objects that are frozen are still freed as soon as nothing
refers to them; only garbage in reference cycles among frozen objects waits for the next
unfreeze.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SERVING_THRESHOLDS = (10_000, 10, 10)
"""The collector's thresholds in a server once started: a submission makes a few hundred
container objects, nearly all freed by their reference counts; the default (700) collected
the youngest generation about twice per submission under load."""

RENDERING_THRESHOLDS = (5_000, 10, 10)
"""The collector's thresholds while rendering: WeasyPrint makes and drops boxes by the hundred
thousand, and the default (700 allocations) collects the youngest objects some hundred times a
report."""

_lock = threading.Lock()
_serving = False
_rendering = 0
_before: tuple[int, int, int] | None = None


def tune_for_serving() -> None:
    """Freeze what the started server holds, and collect the youngest objects less often, for
    the rest of the process."""
    global _serving
    with _lock:
        gc.collect()
        gc.freeze()
        if not _rendering:
            gc.set_threshold(*SERVING_THRESHOLDS)
        _serving = True


def tune_for_rendering() -> None:
    """Freeze what is alive and use the rendering thresholds, for the rest of the process (a
    worker process that only renders)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*RENDERING_THRESHOLDS)


@contextmanager
def rendering() -> Iterator[None]:
    """The collector tuned for rendering for the time of the block; blocks of several threads
    overlap, and the first to start and the last to end set it up and back."""
    global _rendering, _before
    with _lock:
        if not _rendering:
            _before = gc.get_threshold()
            gc.collect()
            gc.freeze()
            gc.set_threshold(*RENDERING_THRESHOLDS)
        _rendering += 1
    try:
        yield
    finally:
        with _lock:
            _rendering -= 1
            if not _rendering:
                gc.unfreeze()
                if _serving:
                    gc.collect()
                    gc.freeze()
                    gc.set_threshold(*SERVING_THRESHOLDS)
                elif _before is not None:
                    gc.set_threshold(*_before)
