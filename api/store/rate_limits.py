"""Where the guessing limits (``api.services.rate_limits``) keep their counts of failures: a
table of the database, or Redis. Either is shared by every process and replica that uses it.

A count is kept per bucket (a digest naming what is counted) with the end of its window,
``reset_at``, in whole seconds since the epoch. Adding a failure is one atomic step: it opens a
window with one failure if there is none, or the last one has ended, and else adds one. Two
replicas adding to one bucket at once both count.

Unlike the other modules of ``api.store``, these classes run their own short transactions: a
count is not part of any use case's data, and a failure is counted even though the request
that failed writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from redis import Redis
from sqlalchemy import Connection, Engine, and_, case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from api.store.models import RateLimitCount

PRUNE_ROWS = 500
"""The most expired rows one failure deletes: the table stays small without any failure paying
for a long delete."""

REDIS_PREFIX = "transversal:ratelimit:"
OPEN_WINDOWS = "open"
"""The sorted set, under the prefix, of the buckets whose window is open (score: its end)."""
REDIS_GRACE_SECONDS = 60
"""Redis forgets a bucket this long after its window ends: by then nobody reads it."""

_table = cast("Any", RateLimitCount).__table__


@dataclass(frozen=True)
class Count:
    """The failures counted in a bucket's window, which ends at ``reset_at``."""

    failures: int
    reset_at: int


class DatabaseCounts:
    """The counts in the database's table ``ratelimit``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def read(self, buckets: Sequence[str], *, now: int) -> dict[str, Count]:
        """The buckets' counts whose window has not ended: one read by primary key."""
        statement = select(_table.c.bucket, _table.c.failures, _table.c.reset_at).where(
            _table.c.bucket.in_(list(buckets)), _table.c.reset_at > now
        )
        with self.engine.connect() as connection:
            rows = connection.execute(statement).all()
        return {bucket: Count(failures, reset_at) for bucket, failures, reset_at in rows}

    def held(self, *, at_least: int, now: int) -> dict[str, Count]:
        """The buckets with at least ``at_least`` failures in a window not ended: one read."""
        statement = select(_table.c.bucket, _table.c.failures, _table.c.reset_at).where(
            _table.c.failures >= at_least, _table.c.reset_at > now
        )
        with self.engine.connect() as connection:
            rows = connection.execute(statement).all()
        return {bucket: Count(failures, reset_at) for bucket, failures, reset_at in rows}

    def add(self, opens: Mapping[str, int], *, now: int) -> dict[str, Count]:
        """One more failure in each bucket, in one transaction; ``opens`` gives each bucket the
        end of the window a first failure opens. The counts after."""
        counts: dict[str, Count] = {}
        with self.engine.begin() as connection:
            # Always in the same order: two transactions adding to the same two buckets on
            # PostgreSQL then wait for each other instead of deadlocking.
            for bucket in sorted(opens):
                statement = _upsert(connection, bucket=bucket, reset_at=opens[bucket], now=now)
                failures, reset_at = connection.execute(statement).one()
                counts[bucket] = Count(failures, reset_at)
        if any(count.failures == 1 for count in counts.values()):
            # A window opened, so others may have ended: forget a few of those. In a
            # transaction of its own, so that it never holds a count's row while it waits.
            with self.engine.begin() as connection:
                connection.execute(_prune(now))
        return counts

    def clear(self) -> None:
        """Forget every count: whoever is held is let in again."""
        with self.engine.begin() as connection:
            connection.execute(delete(_table))


def _upsert(connection: Connection, *, bucket: str, reset_at: int, now: int) -> Any:
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(_table).values(bucket=bucket, failures=1, reset_at=reset_at)
    ended = _table.c.reset_at <= now
    return statement.on_conflict_do_update(
        index_elements=[_table.c.bucket],
        set_={
            "failures": case((ended, 1), else_=_table.c.failures + 1),
            "reset_at": case((ended, statement.excluded.reset_at), else_=_table.c.reset_at),
        },
    ).returning(_table.c.failures, _table.c.reset_at)


def _prune(now: int) -> Any:
    ended = select(_table.c.bucket).where(_table.c.reset_at <= now).limit(PRUNE_ROWS)
    # The window is checked again on the row itself: a row another transaction has just
    # opened a new window in (after this one chose it) is kept.
    return delete(_table).where(and_(_table.c.bucket.in_(ended), _table.c.reset_at <= now))


# Adds one failure to each bucket's key, atomically (Redis runs a script alone). KEYS[1] is the
# sorted set of the buckets with a window open (score: its end), KEYS[i] (i > 1) a bucket's hash;
# ARGV[1] is now, ARGV[i] the end of the window a first failure in KEYS[i] opens, the last ARGV
# the grace; answers failures and reset_at per bucket.
_ADD = """
local now = tonumber(ARGV[1])
local result = {}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for i = 2, #KEYS do
  local key = KEYS[i]
  local reset_at = tonumber(redis.call('HGET', key, 'reset_at'))
  local failures
  if reset_at and reset_at > now then
    failures = redis.call('HINCRBY', key, 'failures', 1)
  else
    reset_at = tonumber(ARGV[i])
    failures = 1
    redis.call('HSET', key, 'failures', 1, 'reset_at', reset_at)
    redis.call('EXPIRE', key, math.max(reset_at - now, 1) + tonumber(ARGV[#ARGV]))
    redis.call('ZADD', KEYS[1], reset_at, key)
  end
  result[#result + 1] = failures
  result[#result + 1] = reset_at
end
return result
"""


class RedisCounts:
    """The counts in Redis, a hash per bucket under ``prefix``, which Redis forgets
    ``REDIS_GRACE_SECONDS`` after the window ends."""

    def __init__(self, url: str, *, prefix: str = REDIS_PREFIX) -> None:
        self.redis: Redis = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.prefix = prefix
        self._add = self.redis.register_script(_ADD)

    def read(self, buckets: Sequence[str], *, now: int) -> dict[str, Count]:
        """The buckets' counts whose window has not ended: one round trip."""
        pipeline = self.redis.pipeline(transaction=False)
        for bucket in buckets:
            pipeline.hmget(self.prefix + bucket, ["failures", "reset_at"])
        found: dict[str, Count] = {}
        for bucket, (failures, reset_at) in zip(buckets, pipeline.execute(), strict=True):
            if failures is not None and reset_at is not None and int(reset_at) > now:
                found[bucket] = Count(int(failures), int(reset_at))
        return found

    def held(self, *, at_least: int, now: int) -> dict[str, Count]:
        """The buckets with at least ``at_least`` failures in a window not ended: two round
        trips, the open windows' names (a sorted set ``add`` keeps) and then their counts."""
        keys = self.redis.zrangebyscore(self.prefix + OPEN_WINDOWS, f"({now}", "+inf")
        names = [key.decode()[len(self.prefix) :] for key in cast("list[bytes]", keys)]
        counts = self.read(names, now=now) if names else {}
        return {name: count for name, count in counts.items() if count.failures >= at_least}

    def add(self, opens: Mapping[str, int], *, now: int) -> dict[str, Count]:
        """One more failure in each bucket, atomically; the counts after."""
        buckets = sorted(opens)
        keys = [self.prefix + OPEN_WINDOWS, *(self.prefix + bucket for bucket in buckets)]
        args = [now, *(opens[bucket] for bucket in buckets), REDIS_GRACE_SECONDS]
        answer = cast("list[Any]", self._add(keys=keys, args=args))
        return {
            bucket: Count(int(answer[2 * i]), int(answer[2 * i + 1]))
            for i, bucket in enumerate(buckets)
        }

    def clear(self) -> None:
        """Forget every count under the prefix."""
        keys = list(self.redis.scan_iter(match=self.prefix + "*", count=1000))
        if keys:
            self.redis.delete(*keys)
