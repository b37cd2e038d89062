"""Guessing limits: how many failed attempts a client, or an account name, may make before it is
held, answered 429 with the seconds to wait, until its window ends.

Three kinds of attempt are counted, each in buckets of its own:

- a respondent link that does not exist (``token``), per client;
- an API key that is wrong or revoked (``key``), per client;
- a failed sign-in (``sign-in``), per client and per account name (the address typed, whether
  or not it has an account), so that guesses at one account from many addresses are held too;
  or, from a browser that has signed in to that account before (a trusted device, below), per
  that browser only.

A per-account count lets anyone who knows an address hold its account: five wrong passwords
from anywhere, and its owner could not sign in for the window. So a successful sign-in leaves a
mark in the browser (``device_mark``: the time it was made and a MAC over it and the account
name, under a key of the installation), good for ``DEVICE_DAYS``; a browser keeps the marks of
the last ``DEVICE_MARKS`` accounts signed in to there (two people sharing a computer). A
sign-in to one of them from a browser holding a good mark for it (``trusted_device``) counts
its failures in a bucket of that browser's own, and neither the account's count nor its
client's holds it; nor does the account's lock (``accounts.sign_in``). A guesser has no mark
for the account, and a mark stolen from the owner's browser gives no more guesses than the
account's own limit.

Only failures are counted. A bucket's window opens with its first failure and lasts the kind's
window; once the bucket holds the limit, every further attempt of the kind from that client (or
at that account) is refused until the window ends, and the next failure after it opens a new
one. A client is its address; an IPv6 client is its /64 network, which one subscriber is given
whole. A held client holds no one else: a respondent elsewhere with a correct link is served.

The counts are kept in a store shared by every replica (``api.store.rate_limits``). An attempt
reads nothing: each process keeps a copy of the held buckets, read again once a second
(``HELD_REFRESH_SECONDS``), so a client held through another replica is held everywhere within
a second, and through this one at once; only a failure writes. Attempts already in flight when
a bucket fills are not stopped: a guesser gets at most the limit, the attempts it makes at once
and, spread over several replicas, what the others let through in that second.
A store that cannot be reached refuses nobody (it is logged): the limits slow guessing down,
and losing them for a while must not stop the survey.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Protocol
from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlmodel import Session

from api.services.access import installation_key
from api.settings import Settings
from api.store.rate_limits import Count, DatabaseCounts, RedisCounts

logger = logging.getLogger(__name__)

Scope = Literal["client", "account", "device"]
UNKNOWN_CLIENT = "unknown"
"""The client of a request whose address the server does not know (a Unix socket)."""


class Kind(StrEnum):
    token = "token"
    key = "key"
    sign_in = "sign-in"


@dataclass(frozen=True)
class Attempt:
    """A request that may fail: its kind, its client and, for a sign-in, the account name and
    the browser's trusted mark for it (``trusted_device``), if it has one."""

    kind: Kind
    client: str
    account: str | None = None
    device: str | None = None


@dataclass(frozen=True)
class Limits:
    """Failures per window (0: not limited) and windows in seconds; see ``api.settings``."""

    tokens: int = 20
    keys: int = 20
    window: int = 300
    sign_ins_per_account: int = 5
    sign_ins_per_client: int = 20
    sign_in_window: int = 900

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            tokens=settings.rate_limit_tokens,
            keys=settings.rate_limit_keys,
            window=settings.rate_limit_window_seconds,
            sign_ins_per_account=settings.rate_limit_sign_ins_per_account,
            sign_ins_per_client=settings.rate_limit_sign_ins_per_client,
            sign_in_window=settings.rate_limit_sign_in_window_seconds,
        )


@dataclass(frozen=True)
class Bucket:
    """What one count is kept for: ``name`` is its digest in the store."""

    name: str
    scope: Scope
    limit: int
    window: int


@dataclass(frozen=True)
class Hold:
    """An attempt refused: for ``retry_after`` seconds, because of its client or its account."""

    retry_after: int
    scope: Scope


class FailureCounts(Protocol):
    """A store of counts (``api.store.rate_limits``); ``now`` in seconds since the epoch."""

    def read(self, buckets: Sequence[str], *, now: int) -> dict[str, Count]: ...

    def add(self, opens: Mapping[str, int], *, now: int) -> dict[str, Count]: ...

    def held(self, *, at_least: int, now: int) -> dict[str, Count]: ...


def client_of(host: str | None) -> str:
    """The client a request counts against: its IPv4 address, or the /64 network of its IPv6
    address (an IPv4 address written as IPv6 is the IPv4 address)."""
    if not host:
        return UNKNOWN_CLIENT
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:100]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(address) >> 64 << 64, 64)))
    return str(address)


def account_of(email: str) -> str:
    """The account name a sign-in counts against: the address as sign-in reads it."""
    return email.strip().lower()[:254]


DEVICE_COOKIE = "__Host-transversal-device"
"""The cookie that holds a browser's marks (``device_marks``), one per account signed in to
there lately."""
DEVICE_KEY = "sign-in-devices"
"""The name of the installation's key that signs the trusted devices' marks."""
DEVICE_DAYS = 90
"""How long a browser's mark of a successful sign-in keeps it trusted for the account."""


def device_mark(key: bytes, *, account: str, issued: int) -> str:
    """The mark a browser keeps of a successful sign-in to ``account`` (as ``account_of``
    reads it) at ``issued`` (seconds since the epoch): no account name in it, only the time
    and a MAC that binds the two."""
    return f"{issued}.{_device_mac(key, account=account, issued=issued)}"


def trusted_device(key: bytes, marks: str | None, *, account: str, now: int) -> str | None:
    """The browser's id for the limits (a mark's MAC) if one of ``marks`` (the cookie's, up
    to ``DEVICE_MARKS``) was made by this installation for ``account`` less than
    ``DEVICE_DAYS`` ago; None if none was."""
    for mark in _marks(marks):
        issued, mac = _issued(mark, now=now)
        if issued is not None and hmac.compare_digest(
            mac, _device_mac(key, account=account, issued=issued)
        ):
            return mac
    return None


def device_marks(key: bytes, marks: str | None, *, account: str, now: int) -> str:
    """The cookie's marks after a successful sign-in to ``account`` at ``now``: a new mark
    for it first, then the browser's marks for other accounts that are still good (none of
    them names its account, so the ones for this account are found by checking each)."""
    kept = [
        mark
        for mark in _marks(marks)
        if _issued(mark, now=now)[0] is not None
        and trusted_device(key, mark, account=account, now=now) is None
    ]
    fresh = device_mark(key, account=account, issued=now)
    return MARK_SEPARATOR.join([fresh, *kept][:DEVICE_MARKS])


DEVICE_MARKS = 4
"""The accounts a browser is trusted for at once: the last ones signed in to there."""
MARK_SEPARATOR = "-"


def _marks(marks: str | None) -> list[str]:
    if not marks or len(marks) > 100 * DEVICE_MARKS:
        return []
    return marks.split(MARK_SEPARATOR)[:DEVICE_MARKS]


def _issued(mark: str, *, now: int) -> tuple[int | None, str]:
    """When ``mark`` says it was made, if that is less than ``DEVICE_DAYS`` ago (None
    otherwise, or for a mark that is not one), and its MAC."""
    issued_text, _, mac = mark.partition(".")
    if not issued_text.isdigit() or len(issued_text) > 12:
        return None, mac
    issued = int(issued_text)
    if not now - DEVICE_DAYS * 86_400 < issued <= now + 60:
        return None, mac
    return issued, mac


def device_key(engine: Engine) -> bytes:
    """The installation's key for the marks, the same on every replica (made on first use),
    read once per process and engine: it never changes once made."""
    key = _DEVICE_KEYS.get(engine)
    if key is None:
        with Session(engine) as session:
            key = _DEVICE_KEYS[engine] = installation_key(session, name=DEVICE_KEY)
    return key


_DEVICE_KEYS: WeakKeyDictionary[Engine, bytes] = WeakKeyDictionary()


def _device_mac(key: bytes, *, account: str, issued: int) -> str:
    message = f"sign-in device\0{account}\0{issued}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def buckets(attempt: Attempt, limits: Limits) -> list[Bucket]:
    """The buckets an attempt counts in and is checked against; none when its kind is off."""
    if attempt.kind == Kind.sign_in and attempt.device and attempt.account:
        found = [_bucket(attempt, "device", limits.sign_ins_per_account, limits.sign_in_window)]
    elif attempt.kind == Kind.sign_in:
        found = [_bucket(attempt, "client", limits.sign_ins_per_client, limits.sign_in_window)]
        if attempt.account:
            found.append(
                _bucket(attempt, "account", limits.sign_ins_per_account, limits.sign_in_window)
            )
    else:
        limit = limits.tokens if attempt.kind == Kind.token else limits.keys
        found = [_bucket(attempt, "client", limit, limits.window)]
    return [bucket for bucket in found if bucket.limit > 0]


def _bucket(attempt: Attempt, scope: Scope, limit: int, window: int) -> Bucket:
    value = {"account": attempt.account, "device": attempt.device}.get(scope, attempt.client)
    # A digest: the store never holds an address or an account name in clear.
    name = hashlib.sha256(f"{attempt.kind}\0{scope}\0{value}".encode()).hexdigest()
    return Bucket(name=name, scope=scope, limit=limit, window=window)


def hold(found: Sequence[Bucket], counts: Mapping[str, Count], *, now: int) -> Hold | None:
    """Whether the attempt is refused, given its buckets' counts; the longest wait if so."""
    holds = []
    for bucket in found:
        count = counts.get(bucket.name)
        if count is not None and count.failures >= bucket.limit and count.reset_at > now:
            holds.append(Hold(retry_after=count.reset_at - now, scope=bucket.scope))
    return max(holds, key=lambda h: h.retry_after) if holds else None


HELD_REFRESH_SECONDS = 1.0
"""How old a process's copy of the held buckets may grow before it is read again."""


CLAIM_LAPSES = 5
"""Refresh periods after which a claim to read the held buckets again (``claim_refresh``)
that was never followed by the read lapses."""


class RateLimiter:
    """The limits, over a store of counts, on a clock (``time.time`` but in tests).

    Checking an attempt reads nothing: it looks in this process's copy of the buckets that are
    held, read again from the store when it is ``refresh`` seconds old (one read a second for
    the whole process, whatever the number of requests), and where this process's own
    failures are added as they are counted. A client held by another replica's count is
    therefore held here within ``refresh`` seconds; by this process's count, at once."""

    def __init__(
        self,
        counts: FailureCounts,
        *,
        limits: Limits,
        clock: Callable[[], float] = time.time,
        refresh: float = HELD_REFRESH_SECONDS,
    ) -> None:
        self.counts = counts
        self.limits = limits
        self.clock = clock
        self.refresh_seconds = refresh
        self._held: dict[str, Count] = {}
        self._read_at: float | None = None
        self._claimed_at: float | None = None
        positive = [
            limit
            for limit in (
                limits.tokens,
                limits.keys,
                limits.sign_ins_per_account,
                limits.sign_ins_per_client,
            )
            if limit > 0
        ]
        self._at_least = min(positive, default=1)

    def limits_kind(self, kind: Kind) -> bool:
        """Whether attempts of ``kind`` are limited at all (with no limit: no read, no write)."""
        limits = self.limits
        if kind == Kind.sign_in:
            return limits.sign_ins_per_client > 0 or limits.sign_ins_per_account > 0
        return (limits.tokens if kind == Kind.token else limits.keys) > 0

    def stale(self) -> bool:
        """Whether the copy of the held buckets is due to be read again (``refresh``)."""
        return self._read_at is None or self.clock() - self._read_at >= self.refresh_seconds

    def claim_refresh(self) -> bool:
        """Whether the caller is to read the held buckets again (``refresh``) before its
        check: the first caller to find the copy stale (or missing, at start), while the
        others check against the copy they have meanwhile, as a replica that has not read
        another's holds yet does. For callers on one event loop, which run one at a time:
        under load, every request that found the copy stale used to read it again, dozens at
        once once a second (and the first hundreds at start), and the requests waiting behind
        them raised the p99 of submissions from 0.2 s to 0.4 to 0.56 s. A claim whose read
        never came (its request was cancelled before a thread took it) lapses after
        ``CLAIM_LAPSES`` refresh periods."""
        now = self.clock()
        claimed = self._claimed_at
        if claimed is not None and now - claimed < CLAIM_LAPSES * self.refresh_seconds:
            return False
        if not self.stale():
            return False
        self._claimed_at = now
        return True

    def refresh(self) -> None:
        """Read the held buckets again (one read); an unreachable store keeps the last copy."""
        now = self.clock()
        try:
            held = self.counts.held(at_least=self._at_least, now=int(now))
        except Exception:  # the store is unreachable: nobody is refused for it
            logger.exception("the counts of failed attempts cannot be read")
            held = None
        finally:
            self._claimed_at = None
        if held is not None:
            self._held = held
        self._read_at = now

    def check(self, attempt: Attempt, *, read: bool = True) -> Hold | None:
        """Whether ``attempt`` is refused, from the copy of the held buckets (read again first
        if it is stale, unless ``read`` is false: the caller refreshed)."""
        found = buckets(attempt, self.limits)
        if not found:
            return None
        if read and self.stale():
            self.refresh()
        return hold(found, self._held, now=int(self.clock()))

    def fail(self, attempt: Attempt) -> None:
        """Count a failed attempt in each of its buckets."""
        found = buckets(attempt, self.limits)
        if not found:
            return
        now = int(self.clock())
        try:
            counts = self.counts.add({b.name: now + b.window for b in found}, now=now)
        except Exception:  # as in check
            logger.exception("a failed attempt cannot be counted")
            return
        for bucket in found:
            if counts[bucket.name].failures >= bucket.limit:
                # Held here at once; the other processes read it within ``refresh`` seconds.
                self._held = {**self._held, bucket.name: counts[bucket.name]}
            if counts[bucket.name].failures == bucket.limit:
                logger.warning(
                    "%s attempts held per %s: %d failures in %d s",
                    attempt.kind,
                    bucket.scope,
                    bucket.limit,
                    bucket.window,
                )


def rate_limiter(
    settings: Settings, engine: Engine, *, clock: Callable[[], float] = time.time
) -> RateLimiter:
    """The limits the settings set, counted in Redis if ``RATE_LIMIT_URL`` names it, else in
    the database of ``engine``."""
    counts: FailureCounts = (
        RedisCounts(settings.rate_limit_url) if settings.rate_limit_url else DatabaseCounts(engine)
    )
    return RateLimiter(counts, limits=Limits.from_settings(settings), clock=clock)
