"""The collector of a served app and of rendering (``api.collector``): what is frozen, when it
is let go, and that the garbage the rendering leaves in cycles is still collected."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api import collector
from api.app import create_app


@pytest.fixture(autouse=True)
def _collector_as_it_was(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts from nothing frozen and the default thresholds, and the process'
    collector is put back as it was."""
    before = gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    monkeypatch.setattr(collector, "_serving", False)
    monkeypatch.setattr(collector, "_rendering", 0)
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_a_served_app_freezes_what_it_holds_once_started(engine: Engine) -> None:
    with TestClient(create_app(engine)):
        assert gc.get_freeze_count() == 0  # an app among others (tests) leaves it alone
    with TestClient(create_app(engine, served=True)):
        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold() == collector.SERVING_THRESHOLDS


def test_rendering_in_two_threads_is_tuned_until_the_last_one_ends() -> None:
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[tuple[int, int, int]] = []

    def first() -> None:
        with collector.rendering():
            first_in.set()
            second_in.wait(10)
        first_out.set()

    def second() -> None:
        first_in.wait(10)
        with collector.rendering():
            second_in.set()
            first_out.wait(10)
            seen.append(gc.get_threshold())  # the first has ended, this one has not
            assert gc.get_freeze_count() > 0

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert seen == [collector.RENDERING_THRESHOLDS]
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


def test_a_server_stays_frozen_after_rendering_and_its_garbage_is_collected() -> None:
    collector.tune_for_serving()
    held = _Cycle()  # alive when the rendering starts, so frozen with the rest
    gone = weakref.ref(held)
    with collector.rendering():
        assert gc.get_threshold() == collector.RENDERING_THRESHOLDS
        del held  # garbage now, in a cycle, among frozen objects
        gc.collect()
        assert gone() is not None
    assert gone() is None
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == collector.SERVING_THRESHOLDS
