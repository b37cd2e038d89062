"""The queue of jobs: where it lives by the settings, that ``transversal serve`` consumes the
SQLite queue itself unless told not to, and that a job crosses Redis by its name."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from huey import RedisHuey, SqliteHuey
from pydantic import ValidationError
from typer.testing import CliRunner

from api.cli import app
from api.jobs.queue import QUEUE_FILE, Jobs, is_embedded, make_huey
from api.settings import Settings, get_settings
from tests.conftest import migrated_database

REDIS_URL = "redis://127.0.0.1:6379/15"
runner = CliRunner()


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """DATABASE_URL a SQLite file in ``tmp_path``, no QUEUE_URL nor DATA_DIR."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'site.sqlite'}")
    monkeypatch.delenv("QUEUE_URL", raising=False)
    monkeypatch.delenv("DATA_DIR", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("database_url", "data_dir", "folder"),
    [
        ("sqlite:///out/transversal.sqlite", None, Path("out/transversal-data")),
        ("sqlite:///transversal.sqlite", None, Path("transversal-data")),
        ("postgresql://db.example/survey", None, Path("transversal-data")),
        ("sqlite://", None, Path("transversal-data")),
        ("sqlite:///out/transversal.sqlite", Path("/srv/data"), Path("/srv/data")),
    ],
)
def test_the_data_folder_lies_beside_the_sqlite_database_unless_named(
    database_url: str, data_dir: Path | None, folder: Path
) -> None:
    assert Settings(database_url=database_url, data_dir=data_dir).data_folder() == folder


@pytest.mark.parametrize("queue_url", ["postgresql://db/queue", "amqp://broker", "redis"])
def test_a_queue_url_other_than_redis_is_refused(queue_url: str) -> None:
    with pytest.raises(ValidationError, match="QUEUE_URL"):
        Settings(queue_url=queue_url)


def test_without_a_queue_url_the_queue_is_a_sqlite_file_in_the_data_folder(
    tmp_path: Path,
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'site.sqlite'}")
    huey = make_huey(settings)
    assert isinstance(huey, SqliteHuey)
    assert (tmp_path / "site-data" / QUEUE_FILE).is_file()
    assert is_embedded(settings)
    redis = Settings(queue_url=REDIS_URL)
    assert isinstance(make_huey(redis), RedisHuey)
    assert not is_embedded(redis)


def test_serve_consumes_the_sqlite_queue_beside_the_server(
    environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    seen: list[set[threading.Thread]] = []

    def serving(_app: Any, **_options: Any) -> None:
        seen.append(set(threading.enumerate()))

    monkeypatch.setattr(uvicorn, "run", serving)
    before = set(threading.enumerate())
    served = runner.invoke(app, ["serve"])
    assert served.exit_code == 0, served.output
    started = {thread.name for thread in seen[0] - before}
    assert {"Worker-1", "Scheduler"} <= started
    assert (environment / "site-data" / QUEUE_FILE).is_file()

    alone = runner.invoke(app, ["serve", "--no-jobs"])
    assert alone.exit_code == 0, alone.output
    assert "transversal worker" in alone.output
    # The first consumer's threads, told to stop, may still be finishing a sleep: only a
    # thread this second serve started would be a consumer of its own.
    assert not {thread.name for thread in seen[1] - seen[0] - before} & {"Worker-1", "Scheduler"}


def test_serve_leaves_a_redis_queue_to_the_workers(
    environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    monkeypatch.setenv("QUEUE_URL", REDIS_URL)
    get_settings.cache_clear()
    monkeypatch.setattr(uvicorn, "run", lambda *_args, **_options: None)
    served = runner.invoke(app, ["serve"])
    assert served.exit_code == 0, served.output
    assert "transversal worker" in served.output


def test_a_job_crosses_redis_by_its_name(tmp_path: Path) -> None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:  # no server: nothing to cross
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    name = f"test-{uuid.uuid4().hex[:8]}"
    with migrated_database("sqlite", tmp_path) as engine:
        sender = Jobs(RedisHuey(name, url=REDIS_URL, results=False), engine=engine,
                      reports_dir=tmp_path / "reports")  # fmt: skip
        receiver = Jobs(RedisHuey(name, url=REDIS_URL, results=False), engine=engine,
                        reports_dir=tmp_path / "reports")  # fmt: skip
        try:
            sender.enqueue_report_batch(424242)
            assert receiver.huey.pending_count() == 1
            task = receiver.huey.dequeue()
            assert task.args == (424242,)
            receiver.huey.execute(task)  # no such batch: the job claims nothing and returns
            assert receiver.huey.pending_count() == 0
        finally:
            sender.huey.flush()
