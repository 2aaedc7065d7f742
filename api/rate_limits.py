"""Rate limits at the edge, checked before any database work.

Four limits, each with its own setting (`api/settings.py`): visitor events (trackPageView,
visitorReply, visitorSendMessage) per visitor, new visitors per client address, failed sign-ins
per client address, and operator requests per bearer token. Over a limit is LIMIT_EXCEEDED with
`retryAfter`.

`limits` has no token bucket, so "R per period, burst B" is a moving window of B hits per
B/R periods (rounded up to whole seconds): a client may send B at once but never more than B
within one window, which is R per period on average; once refused it waits (`retryAfter`) until
its oldest hit leaves the window. The moving window is exact where a fixed one lets 2B through
across a boundary, and it holds one timestamp per hit still in the window. The defaults, 10/s
burst 20 and 50/s burst 100, are both windows of 2 seconds.

Counts live in this process's memory, or in Redis (through redis-py, which the broker uses
too) when REDIS_URL is set, so that every process counts the same hits. There, a process takes
an operator token's hits in leases (`api/hit_leases.py`): one round trip per many requests of
a busy token, and never more hits than the window holds. A Redis outage lets
requests through, logged: refusing every request would be worse than not limiting for a while.
A frozen Redis answers nothing, so each call waits REDIS_TIMEOUT_SECONDS at most, and after a
failure requests pass without asking for OUTAGE_PAUSE_SECONDS: no request pays a timeout in a
row with the others (a frozen Redis once held every mutation for seconds).
Keys are digests, so a token never reaches the storage and a long id takes no more room.
The memory storage sweeps expired hits once a second (see `_SweptMemoryStorage`).
"""

from __future__ import annotations

import bisect
import enum
import functools
import hashlib
import logging
import math
import time
from collections.abc import Awaitable, Callable

import limits
import redis.asyncio as redis
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse

from api import metrics
from api.errors import LimitExceededError
from api.hit_leases import HitLeases
from api.rates import Rate
from api.settings import Settings

logger = logging.getLogger("propflow.rate_limits")
OUTAGE_LOG_SECONDS = 60
REDIS_TIMEOUT_SECONDS = 0.25
OUTAGE_PAUSE_SECONDS = 1.0
SWEEP_SECONDS = 1.0


class Limit(enum.Enum):
    VISITOR_EVENTS = "visitorEvents"
    NEW_VISITORS = "newVisitors"
    FAILED_SIGN_INS = "failedSignIns"
    OPERATOR_REQUESTS = "operatorRequests"


class RateLimiter:
    """The limits of one server process; a limit without a rate is off."""

    def __init__(
        self,
        rates: dict[Limit, Rate | None],
        storage: Storage,
        pool: redis.ConnectionPool | None = None,
    ) -> None:
        self.windows = {limit: rate.window(limit.value) for limit, rate in rates.items() if rate}
        self.pool = pool
        self.strategy = MovingWindowRateLimiter(storage)
        self.outage_logged_at = -math.inf
        self.paused_until = -math.inf
        # A signed-in client's hits are taken from a shared window in leases (api/hit_leases.py).
        self.leases: dict[Limit, HitLeases] = {}
        operator_window = self.windows.get(Limit.OPERATOR_REQUESTS)
        if pool is not None and operator_window is not None:
            self.leases[Limit.OPERATOR_REQUESTS] = HitLeases(
                functools.partial(self._take, operator_window), most=operator_window.amount // 10
            )

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        chosen = settings.rate_limits
        rates = {
            Limit.VISITOR_EVENTS: chosen.visitor_events,
            Limit.NEW_VISITORS: chosen.new_visitors,
            Limit.FAILED_SIGN_INS: chosen.failed_sign_ins,
            Limit.OPERATOR_REQUESTS: chosen.operator_requests,
        }
        if not chosen.enabled:
            rates = {}
        if settings.redis_url is None or not rates:
            return cls(rates, _SweptMemoryStorage())
        # Our own pool, so that closing the app closes its connections.
        pool = redis.ConnectionPool.from_url(
            settings.redis_url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        storage = RedisStorage(
            "async+" + settings.redis_url,
            wrap_exceptions=True,
            implementation="redispy",
            key_prefix=chosen.redis_prefix,
            connection_pool=pool,  # type: ignore[arg-type]  # hinted as scalars only
        )
        return cls(rates, storage, pool)

    def counts(self, limit: Limit) -> bool:
        return limit in self.windows

    async def hit(self, limit: Limit, *identity: str) -> None:
        """Count one hit of `identity`; LIMIT_EXCEEDED, not counted, if none is left."""
        window = self.windows.get(limit)
        if window is None:
            return
        key = _digest(identity)
        leases = self.leases.get(limit)
        if leases is not None:
            admitted = await leases.hit(key)
        else:
            admitted = await self._guarded(lambda: self.strategy.hit(window, key))
        if not admitted:
            raise await self._refusal(limit, window, key)

    async def check(self, limit: Limit, *identity: str) -> None:
        """LIMIT_EXCEEDED if `identity` has no hit left, counting nothing."""
        window = self.windows.get(limit)
        if window is None:
            return
        key = _digest(identity)
        if not await self._guarded(lambda: self.strategy.test(window, key)):
            raise await self._refusal(limit, window, key)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.aclose()

    async def _take(self, window: limits.RateLimitItem, key: str, hits: int) -> bool:
        return await self._guarded(lambda: self.strategy.hit(window, key, cost=hits))

    async def _guarded(self, ask: Callable[[], Awaitable[bool]]) -> bool:
        if time.monotonic() < self.paused_until:
            return True
        try:
            return bool(await ask())
        except StorageError as error:
            self.paused_until = time.monotonic() + OUTAGE_PAUSE_SECONDS
            if time.monotonic() - self.outage_logged_at > OUTAGE_LOG_SECONDS:
                self.outage_logged_at = time.monotonic()
                logger.warning("Rate limits unavailable, requests let through: %s", error)
            return True

    async def _refusal(
        self, limit: Limit, window: limits.RateLimitItem, key: str
    ) -> LimitExceededError:
        metrics.RATE_LIMIT_REFUSALS.labels(limit.value).inc()
        try:
            stats = await self.strategy.get_window_stats(window, key)
            retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        except StorageError:
            retry_after = window.get_expiry()
        return LimitExceededError(
            f"Too many requests ({limit.value}): try again in {retry_after} s",
            limit=limit.value,
            retryAfter=retry_after,
        )


class _SweptMemoryStorage(MemoryStorage):
    """limits' memory storage, its expired moving-window hits swept at most once a second, in
    one pass. Its own sweep (limits 5.x) starts again after every hit and hops to a thread for
    each key: with a few thousand clients it kept the event loop busy for good, and latency
    stayed four times its idle value after a burst (`bench/bench_overload.py`)."""

    swept_at = 0.0

    async def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 (overrides it)
        now = time.time()
        if now - self.swept_at >= SWEEP_SECONDS:
            self.swept_at = now
            self.sweep(now)

    def sweep(self, now: float) -> None:
        """Drop the hits expired by `now`, and the keys left with none (newest hits first)."""
        for key, entries in list(self.events.items()):
            live = bisect.bisect_left(entries, -now, key=lambda entry: -entry.expiry)
            if live == len(entries):
                continue
            if live:
                del entries[live:]
            else:
                del self.events[key]
                self.locks.pop(key, None)


def client_address(connection: HTTPConnection | None) -> str:
    """The client's address: the socket's peer, or what a trusted proxy forwarded (uvicorn's
    proxy headers, see `propflow serve`)."""
    client = connection.client if connection is not None else None
    return client.host if client is not None else "unknown"


def too_many_requests(error: LimitExceededError) -> JSONResponse:
    """The HTTP answer of a refused request: 429 with Retry-After."""
    headers = {"Retry-After": str(error.details["retryAfter"])}
    return JSONResponse({"error": str(error), **error.extensions}, 429, headers=headers)


def _digest(identity: tuple) -> str:
    text = "\0".join(identity).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=16).hexdigest()
