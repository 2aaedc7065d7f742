"""Hits of a shared rate limit taken from Redis a few at a time, for callers that send many.

Asking Redis for every signed-in request's hit was a third of the request's cost
(`bench/bench_signin.py`). A process now takes hits of a key's window in advance (a lease)
and spends them on its next requests of that key for up to LEASE_SECONDS; unspent, they
lapse. A lease starts at one hit and doubles each time one is spent before it lapses, up to
`most`, so a client sending a few requests a second is counted hit by hit and one sending
hundreds asks Redis once per dozens of requests. When the window has fewer hits left than the
lease asks for, the lease is one hit, so the limit is reached exactly.

The shared window stays an upper bound: a hit is counted when leased, before it is spent. A
lapsed lease counted hits that were never made, at most `most` per process per key.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from cachetools import TTLCache

LEASE_SECONDS = 0.25
# Keys with a lease: hashes of whatever bearer tokens were sent, so bounded.
MAX_KEYS = 10_000

Take = Callable[[str, int], Awaitable[bool]]


@dataclass
class _Lease:
    size: int = 0
    left: int = 0
    until: float = 0.0
    taking: asyncio.Future[bool] | None = None


class HitLeases:
    """Leases of one limit's hits; `take(key, hits)` counts `hits` in the shared window, or
    nothing and False when it has fewer left."""

    def __init__(self, take: Take, most: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._take = take
        self._most = max(1, most)
        self._clock = clock
        self._leases: TTLCache[str, _Lease] = TTLCache(maxsize=MAX_KEYS, ttl=4 * LEASE_SECONDS)

    async def hit(self, key: str) -> bool:
        """Spend one hit of `key`'s lease, taking a new lease when it is spent or lapsed;
        False when the shared window has no hit left."""
        lease = self._leases.get(key)
        if lease is None:
            lease = self._leases[key] = _Lease()
        while not (lease.left and self._clock() < lease.until):
            if lease.taking is None:
                lease.taking = asyncio.ensure_future(self._renew(key, lease))
            # Shielded: the requests waiting for one renewal do not cancel it for the others.
            if not await asyncio.shield(lease.taking):
                return False
        lease.left -= 1
        return True

    async def _renew(self, key: str, lease: _Lease) -> bool:
        try:
            spent_in_time = lease.left == 0 and self._clock() < lease.until
            size = min(self._most, 2 * lease.size) if spent_in_time else 1
            if not await self._take(key, size):
                if size == 1 or not await self._take(key, 1):
                    lease.left, lease.until = 0, 0.0  # the next request asks for one hit
                    return False
                size = 1
            lease.size = lease.left = size
            lease.until = self._clock() + LEASE_SECONDS
            return True
        finally:
            lease.taking = None
