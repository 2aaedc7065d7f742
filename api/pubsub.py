"""Change events for live subscriptions: an in-process broker, or Redis across processes.

Services publish after their transaction commits. Each subscriber reads from a bounded queue: one
that falls behind by more than `QUEUE_LIMIT` messages is dropped (its iterator raises
`SubscriberDroppedError`) rather than letting memory grow. With Redis, one connection per process
listens and fans messages out to local subscribers. When Redis goes away, open subscriptions
stay open: the listener reconnects, subscribes again to every channel still heard, and gives
each subscription one EVENTS_MISSED notice (events published meanwhile may be gone). New
subscriptions wait for Redis a moment, then fail as unavailable.

A subscription hears its channel once it is *listening*: at once in process, and with Redis once
Redis has confirmed the SUBSCRIBE. A broker's `fan_out.on_listening`, unset in production, is
called with the channel at that moment, so tests wait for it instead of sleeping; a subscriber
may pass its own `heard` event, set at that moment (a visitor is online once it can be told).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, Protocol

import redis.asyncio as redis
from redis.asyncio.client import PubSub
from redis.asyncio.connection import Connection
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from api import metrics
from api.errors import EventsMissedError, SubscriptionClosedError

logger = logging.getLogger("propflow.pubsub")

QUEUE_LIMIT = 1000
REDIS_PREFIX = "propflow:"
RECONNECT_SECONDS = 1.0
# Events waiting for Redis, oldest dropped first (and counted) past this many.
OUTGOING_LIMIT = 10_000
PUBLISH_TIMEOUT_SECONDS = 1.0
CLOSE_FLUSH_SECONDS = 2.0
READY_TIMEOUT_SECONDS = 1.0
SUBSCRIBE_WAIT_SECONDS = 2.0


# Given to every open subscription once Redis is back after an outage: events published
# meanwhile may be gone, so a client should fetch again what it shows. The stream goes on.
EVENTS_MISSED: dict[str, Any] = {"eventsMissed": True}


def missed(event: dict[str, Any]) -> bool:
    """Whether `event` is the EVENTS_MISSED notice rather than an event."""
    return event is EVENTS_MISSED


def events_missed() -> EventsMissedError:
    """What a GraphQL subscription yields for the notice: one `next` carrying this error."""
    return EventsMissedError(
        "Live updates were interrupted and some changes may be missing: fetch them again."
    )


class SubscriberDroppedError(Exception):
    """The subscriber's stream ended: it fell behind, or the broker lost its connection."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return f"Subscription closed: {self.reason}"


class BrokerUnavailableError(Exception):
    """The broker cannot be reached (Redis down at start-up)."""


class Broker(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def publish(self, channel: str, message: dict[str, Any]) -> None: ...

    def subscribe(
        self, channel: str, heard: asyncio.Event | None = None
    ) -> AsyncIterator[dict[str, Any]]: ...

    async def ready(self) -> bool: ...


class _Subscriber:
    def __init__(self, heard: asyncio.Event | None = None) -> None:
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=QUEUE_LIMIT)
        self.dropped: str | None = None
        self.listening = False
        self.heard = heard

    def offer(self, message: dict[str, Any]) -> None:
        if self.dropped is not None:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.drop(f"more than {QUEUE_LIMIT} events behind")

    def drop(self, reason: str) -> None:
        self.dropped = reason
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait({})  # wakes a waiting reader

    async def messages(self) -> AsyncIterator[dict[str, Any]]:
        while True:
            message = await self.queue.get()
            if self.dropped is not None:
                raise SubscriberDroppedError(self.dropped)
            yield message


class _FanOut:
    """Local subscribers by channel; shared by both brokers."""

    def __init__(self) -> None:
        self.channels: dict[str, set[_Subscriber]] = {}
        self.on_listening: Callable[[str], object] | None = None  # see the module docstring

    def deliver(self, channel: str, message: dict[str, Any]) -> None:
        for subscriber in list(self.channels.get(channel, ())):
            subscriber.offer(message)

    def add(self, channel: str, heard: asyncio.Event | None = None) -> tuple[_Subscriber, bool]:
        """The new subscriber, and whether it is the channel's first."""
        subscribers = self.channels.setdefault(channel, set())
        subscriber = _Subscriber(heard)
        subscribers.add(subscriber)
        return subscriber, len(subscribers) == 1

    def mark_listening(self, channel: str, subscribers: Iterable[_Subscriber]) -> None:
        """Mark `subscribers` of `channel` as hearing it from now on; tell `on_listening`."""
        for subscriber in subscribers:
            if not subscriber.listening:
                subscriber.listening = True
                if subscriber.heard is not None:
                    subscriber.heard.set()
                if self.on_listening is not None:
                    self.on_listening(channel)

    def is_listening(self, channel: str) -> bool:
        """Whether the channel is heard already (with Redis: its SUBSCRIBE was confirmed)."""
        return any(subscriber.listening for subscriber in self.channels.get(channel, ()))

    def remove(self, channel: str, subscriber: _Subscriber) -> bool:
        """Whether the channel has no subscriber left."""
        subscribers = self.channels.get(channel, set())
        subscribers.discard(subscriber)
        if not subscribers:
            self.channels.pop(channel, None)
            return True
        return False

    def miss_all(self) -> None:
        """Tell every subscriber it may have missed events (and no longer hears until Redis
        confirms it again)."""
        for subscribers in self.channels.values():
            for subscriber in subscribers:
                subscriber.listening = False
                subscriber.offer(EVENTS_MISSED)

    def drop_all(self, reason: str) -> None:
        for subscribers in self.channels.values():
            for subscriber in subscribers:
                subscriber.drop(reason)


class InProcessBroker:
    """The default: subscribers see what this process publishes. Nothing to install."""

    def __init__(self) -> None:
        self.fan_out = _FanOut()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self.fan_out.drop_all("the server is shutting down")

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        self.fan_out.deliver(channel, message)

    async def ready(self) -> bool:
        return True

    async def subscribe(
        self, channel: str, heard: asyncio.Event | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        subscriber, _ = self.fan_out.add(channel, heard)
        self.fan_out.mark_listening(channel, [subscriber])
        try:
            async for message in subscriber.messages():
                yield message
        finally:
            self.fan_out.remove(channel, subscriber)


class RedisBroker:
    """Redis pub/sub: a change committed through any process reaches subscribers on all."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.fan_out = _FanOut()
        # A pooled connection left over from before an outage is dead when Redis comes back:
        # retry a command once on a fresh connection rather than lose that event.
        self.client: redis.Redis = redis.Redis.from_url(
            url,
            retry=Retry(NoBackoff(), retries=1),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )
        self.pubsub = self._new_pubsub()
        self.listener: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()
        self.outgoing: collections.deque[tuple[str, str]] = collections.deque()
        self.dropped_events = 0
        self.has_outgoing = asyncio.Event()
        self.drained = asyncio.Event()
        self.drained.set()
        self.publisher: asyncio.Task[None] | None = None

    async def start(self) -> None:
        try:
            await self.client.ping()
        except (RedisError, OSError) as error:
            await self.client.aclose()
            raise BrokerUnavailableError(f"Cannot reach Redis at {self.url}: {error}") from None
        # A placeholder subscription keeps the listener's connection open from the start.
        await self.pubsub.subscribe(REDIS_PREFIX + "_")
        self.connected.set()
        self.listener = asyncio.create_task(self._listen(), name="propflow-redis-listener")
        self.publisher = asyncio.create_task(self._send(), name="propflow-redis-publisher")

    async def close(self) -> None:
        """Send what is queued (for at most CLOSE_FLUSH_SECONDS: a CLI's one event, a server's
        last ones), then stop."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_FLUSH_SECONDS):
                await self.drained.wait()
        for task in (self.publisher, self.listener):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self.fan_out.drop_all("the server is shutting down")
        await self.pubsub.aclose()
        await self.client.aclose()

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        """Queue the event for Redis and return at once: a slow, frozen or lost Redis never
        holds a mutation. While Redis is away the queue keeps the newest OUTGOING_LIMIT events
        (the oldest dropped and counted); they are sent when it is back."""
        if len(self.outgoing) >= OUTGOING_LIMIT:
            self.outgoing.popleft()
            self.dropped_events += 1
            if self.dropped_events == 1 or self.dropped_events % OUTGOING_LIMIT == 0:
                logger.warning("Redis is away: %d events dropped so far", self.dropped_events)
        self.outgoing.append((REDIS_PREFIX + channel, json.dumps(message)))
        self.drained.clear()
        self.has_outgoing.set()

    async def _send(self) -> None:
        """Publish the queued events in order; each waits at most PUBLISH_TIMEOUT_SECONDS, and
        one that fails stays first in line until Redis takes it."""
        away = False
        while True:
            await self.has_outgoing.wait()
            while self.outgoing:
                channel, data = self.outgoing[0]
                try:
                    async with asyncio.timeout(PUBLISH_TIMEOUT_SECONDS):
                        await self.client.publish(channel, data)
                except (RedisError, OSError, TimeoutError) as error:
                    if not away:
                        logger.warning("Cannot publish to Redis (%r); events wait", error)
                    away = True
                    await asyncio.sleep(RECONNECT_SECONDS)
                    continue
                self.outgoing.popleft()
                if away:
                    logger.info(
                        "Publishing to Redis again (%d events still queued)", len(self.outgoing)
                    )
                    away = False
            self.has_outgoing.clear()
            self.drained.set()

    async def subscribe(
        self, channel: str, heard: asyncio.Event | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Events of `channel`; while Redis is away a new subscription waits for it a moment
        (SUBSCRIBE_WAIT_SECONDS), then fails as unavailable."""
        try:
            async with asyncio.timeout(SUBSCRIBE_WAIT_SECONDS):
                await self.connected.wait()
        except TimeoutError:
            raise SubscriberDroppedError(
                "live updates are unavailable: Redis is unreachable"
            ) from None
        subscriber, first = self.fan_out.add(channel, heard)
        try:
            if first:
                await self.pubsub.subscribe(REDIS_PREFIX + channel)  # confirmed in `_listen`
            elif self.fan_out.is_listening(channel):
                self.fan_out.mark_listening(channel, [subscriber])
            async for message in subscriber.messages():
                yield message
        finally:
            if self.fan_out.remove(channel, subscriber) and self.connected.is_set():
                with contextlib.suppress(RedisError, OSError):
                    await self.pubsub.unsubscribe(REDIS_PREFIX + channel)

    async def ready(self) -> bool:
        """Whether the listener is connected and Redis answers a ping within a second."""
        if not self.connected.is_set():
            return False
        try:
            async with asyncio.timeout(READY_TIMEOUT_SECONDS):
                return bool(await self.client.ping())
        except (RedisError, OSError, TimeoutError):
            return False

    async def _listen(self) -> None:
        while True:
            try:
                async for raw in self.pubsub.listen():
                    if raw.get("type") == "message":
                        self.fan_out.deliver(_channel_of(raw), json.loads(raw["data"]))
                    elif raw.get("type") == "subscribe":
                        channel = _channel_of(raw)
                        self.fan_out.mark_listening(channel, self.fan_out.channels.get(channel, ()))
            except (RedisError, OSError) as error:
                logger.warning("Lost Redis (%s); open subscriptions wait for it", error)
                self.connected.clear()
                await self._reconnect()
                # Whatever was published meanwhile is gone: each open stream is told so.
                self.fan_out.miss_all()

    def _new_pubsub(self) -> _NoticingPubSub:
        return _NoticingPubSub(self.client.connection_pool, on_reconnect=self._reconnected_at_once)

    def _reconnected_at_once(self) -> None:
        logger.warning("Redis dropped the listening connection; reconnected at once")
        self.fan_out.miss_all()

    async def _reconnect(self) -> None:
        broken, self.pubsub = self.pubsub, self._new_pubsub()
        with contextlib.suppress(RedisError, OSError):
            await broken.aclose()
        while True:
            await asyncio.sleep(RECONNECT_SECONDS)
            channels = [REDIS_PREFIX + "_", *(REDIS_PREFIX + c for c in self.fan_out.channels)]
            try:
                await self.pubsub.subscribe(*channels)
            except (RedisError, OSError):
                with contextlib.suppress(RedisError, OSError):
                    await self.pubsub.aclose()
                continue
            self.connected.set()
            logger.info("Reconnected to Redis")
            return


class _NoticingPubSub(PubSub):
    """redis-py's PubSub, telling `on_reconnect` when it has connected again by itself: a
    connection lost and made again within redis-py's own retry (a blip, a killed client)
    subscribes again silently, and what was published in between is gone all the same."""

    def __init__(self, pool: redis.ConnectionPool, *, on_reconnect: Callable[[], None]) -> None:
        super().__init__(pool)
        self.on_reconnect = on_reconnect

    async def on_connect(self, connection: Connection) -> None:
        # Called on connecting again only: the first connection is made before it is set.
        await super().on_connect(connection)
        self.on_reconnect()


def _channel_of(raw: dict[str, Any]) -> str:
    return str(raw["channel"].decode()).removeprefix(REDIS_PREFIX)


async def check_redis(url: str) -> None:
    """Fail fast, with one clear line, when Redis does not answer at start-up."""
    client = redis.Redis.from_url(url, socket_connect_timeout=5)
    try:
        await client.ping()
    except (RedisError, OSError, ValueError) as error:
        raise BrokerUnavailableError(f"Cannot reach Redis at {url}: {error}") from None
    finally:
        await client.aclose()


def create_broker(redis_url: str | None) -> Broker:
    return RedisBroker(redis_url) if redis_url else InProcessBroker()


_current: Broker | None = None


def install(broker: Broker | None) -> None:
    """Make `broker` the one services publish to (the app's lifespan installs it)."""
    global _current
    _current = broker


async def publish(channel: str, message: dict[str, Any]) -> None:
    """Publish through the installed broker; without one (CLI, scripts) nobody listens."""
    if _current is not None:
        await _current.publish(channel, message)


async def ready() -> bool:
    """Whether the installed broker can carry events now (for /readyz)."""
    return _current is not None and await _current.ready()


async def subscribe(
    channel: str, heard: asyncio.Event | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Messages of `channel` from the installed broker, as a subscription error when dropped;
    `heard` is set once the subscription is listening."""
    if _current is None:
        raise RuntimeError("No broker installed: the app's lifespan installs one")
    metrics.OPEN_SUBSCRIPTIONS.inc()
    try:
        async for message in _current.subscribe(channel, heard):
            yield message
    except SubscriberDroppedError as dropped:
        raise SubscriptionClosedError(str(dropped), reason=dropped.reason) from None
    finally:
        metrics.OPEN_SUBSCRIPTIONS.dec()


def backlog() -> int:
    """Events the installed broker has yet to publish (its lag; always 0 in process)."""
    return len(getattr(_current, "outgoing", ()))
