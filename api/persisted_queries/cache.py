"""The cache of automatic persisted queries: SHA-256 → query text, bounded.

In this process's memory (bounded in entries and characters, least recently used out first),
or in Redis when REDIS_URL is set, so that a query stored through one process is found by the
others behind the same load balancer (bounded in entries through a sorted index, and each entry
expires). A Redis outage is a miss, never a failed request: the client sends the text again.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Protocol

import redis.asyncio as redis
from redis.exceptions import RedisError

logger = logging.getLogger("propflow.persisted_queries")

MAX_ENTRIES = 2_000
MAX_CHARS = 8 * 1024 * 1024
REDIS_TTL_SECONDS = 7 * 24 * 3600
REDIS_PREFIX = "propflow-apq"


class QueryCache(Protocol):
    async def get(self, sha256: str) -> str | None: ...

    async def put(self, sha256: str, query: str) -> None: ...

    async def close(self) -> None: ...


def create_query_cache(redis_url: str | None) -> QueryCache:
    return RedisQueryCache(redis_url) if redis_url else InProcessQueryCache()


class InProcessQueryCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, max_chars: int = MAX_CHARS) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._queries: OrderedDict[str, str] = OrderedDict()
        self._chars = 0

    async def get(self, sha256: str) -> str | None:
        query = self._queries.get(sha256)
        if query is not None:
            self._queries.move_to_end(sha256)
        return query

    async def put(self, sha256: str, query: str) -> None:
        if sha256 in self._queries:
            return
        self._queries[sha256] = query
        self._chars += len(query)
        while len(self._queries) > self.max_entries or self._chars > self.max_chars:
            _, oldest = self._queries.popitem(last=False)
            self._chars -= len(oldest)

    async def close(self) -> None:
        self._queries.clear()


class RedisQueryCache:
    def __init__(
        self,
        url: str,
        *,
        prefix: str = REDIS_PREFIX,
        max_entries: int = MAX_ENTRIES,
        ttl_seconds: int = REDIS_TTL_SECONDS,
    ) -> None:
        self.client: redis.Redis = redis.Redis.from_url(
            url, socket_connect_timeout=1, socket_timeout=1, decode_responses=True
        )
        self.prefix = prefix
        self.max_entries = max_entries
        self.ttl_seconds = ttl_seconds

    async def get(self, sha256: str) -> str | None:
        try:
            query = await self.client.get(self._key(sha256))
        except (RedisError, OSError) as error:
            logger.warning("Persisted query cache unavailable (a miss): %r", error)
            return None
        return None if query is None else str(query)

    async def put(self, sha256: str, query: str) -> None:
        """Store, then trim the index's oldest entries past `max_entries`."""
        index = f"{self.prefix}:index"
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.set(self._key(sha256), query, ex=self.ttl_seconds)
                pipe.zadd(index, {sha256: time.time()})
                pipe.zcard(index)
                replies = await pipe.execute()
            over = int(replies[-1]) - self.max_entries
            if over > 0:
                evicted = await self.client.zpopmin(index, over)  # [(member, score)]
                keys = [self._key(str(pair[0])) for pair in evicted]
                if keys:
                    await self.client.delete(*keys)
        except (RedisError, OSError) as error:
            logger.warning("Persisted query cache unavailable (not stored): %r", error)

    async def close(self) -> None:
        await self.client.aclose()

    def _key(self, sha256: str) -> str:
        return f"{self.prefix}:{sha256}"
