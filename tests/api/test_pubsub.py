"""The brokers: bounded subscribers, Redis across processes, Redis lost and back, and the signal
that a subscription is listening (what every live test waits on, see tests/support/listening)."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import redis.asyncio as redis

from api import pubsub
from api.pubsub import InProcessBroker, RedisBroker, SubscriberDroppedError
from tests.support import databases
from tests.support.listening import listening
from tests.support.private_redis import PrivateRedis, private_redis_server
from tests.support.server import free_port


async def started(broker, iterator):
    """Start a subscription of `broker`; its next message, once the broker says it listens."""
    async with listening(broker):
        task = asyncio.ensure_future(anext(iterator))
    return task


async def lost(broker: RedisBroker) -> None:
    """Until the broker's listener has seen Redis go (its state, polled: no event says so)."""
    while broker.connected.is_set():  # noqa: ASYNC110
        await asyncio.sleep(0.01)


async def test_a_new_subscription_during_an_outage_waits_then_fails_unavailable(
    private_redis, private_broker, monkeypatch
):
    monkeypatch.setattr(pubsub, "SUBSCRIBE_WAIT_SECONDS", 0.2)
    broker = private_broker
    private_redis.kill()
    await asyncio.wait_for(lost(broker), 5)

    with pytest.raises(SubscriberDroppedError, match="unavailable"):
        await anext(broker.subscribe("a"))
    private_redis.start()
    assert await published_once_back(broker) == {"back": True}


async def published_once_back(broker: RedisBroker) -> dict:
    """Once the broker has reconnected: what a new subscriber receives of one publish."""
    await asyncio.wait_for(broker.connected.wait(), 10)
    stream = broker.subscribe("a")
    try:
        waiting = await started(broker, stream)
        await broker.publish("a", {"back": True})
        return await asyncio.wait_for(waiting, 5)
    finally:
        await stream.aclose()


async def test_in_process_broker_delivers_to_each_subscriber_of_the_channel():
    broker = InProcessBroker()
    one, two, other = (broker.subscribe(c) for c in ("a", "a", "b"))
    waits = [await started(broker, s) for s in (one, two, other)]

    await broker.publish("a", {"n": 1})
    await broker.publish("b", {"n": 2})

    assert await waits[0] == {"n": 1} and await waits[1] == {"n": 1}
    assert await waits[2] == {"n": 2}  # the sentinel came first: "a" never reached "b"
    for stream in (one, two, other):
        await stream.aclose()
    await broker.close()


async def test_a_subscriber_that_falls_behind_is_dropped(monkeypatch):
    monkeypatch.setattr(pubsub, "QUEUE_LIMIT", 3)
    broker = InProcessBroker()
    slow = broker.subscribe("a")
    waiting = await started(broker, slow)
    for number in range(5):
        await broker.publish("a", {"n": number})

    with pytest.raises(SubscriberDroppedError, match="more than 3 events behind"):
        await waiting
    assert broker.fan_out.channels == {}


@pytest.fixture
def redis_url() -> str:
    return databases.require_redis()


async def test_redis_carries_a_change_from_one_broker_to_another(redis_url):
    publisher, subscriber = RedisBroker(redis_url), RedisBroker(redis_url)
    await publisher.start()
    await subscriber.start()
    channel = f"test-{uuid.uuid4()}"
    try:
        stream = subscriber.subscribe(channel)
        waiting = await started(subscriber, stream)
        await publisher.publish(channel, {"contactId": 7})

        assert await asyncio.wait_for(waiting, 5) == {"contactId": 7}
        await stream.aclose()
    finally:
        await publisher.close()
        await subscriber.close()


async def test_a_redis_subscription_listens_once_redis_confirmed_it(redis_url):
    broker = RedisBroker(redis_url)
    await broker.start()
    channel = f"test-{uuid.uuid4()}"
    first, second = broker.subscribe(channel), broker.subscribe(channel)
    try:
        # The second joins while the first's SUBSCRIBE is on its way: both wait for Redis.
        async with listening(broker, count=2):
            waits = [asyncio.ensure_future(anext(stream)) for stream in (first, second)]
        [(_, subscribed)] = await broker.client.pubsub_numsub(pubsub.REDIS_PREFIX + channel)
        await broker.publish(channel, {"n": 1})

        assert subscribed == 1
        assert [await asyncio.wait_for(wait, 5) for wait in waits] == [{"n": 1}, {"n": 1}]
    finally:
        for stream in (first, second):
            await stream.aclose()
        await broker.close()


async def test_redis_down_at_start_is_a_clear_error():
    with pytest.raises(pubsub.BrokerUnavailableError, match="Cannot reach Redis"):
        await pubsub.check_redis(f"redis://127.0.0.1:{free_port()}")
    broker = RedisBroker(f"redis://127.0.0.1:{free_port()}")
    with pytest.raises(pubsub.BrokerUnavailableError):
        await broker.start()


@pytest.fixture
def private_redis(redis_url) -> Iterator[PrivateRedis]:
    with private_redis_server() as redis:
        yield redis


@pytest.fixture
async def private_broker(private_redis, monkeypatch) -> AsyncIterator[RedisBroker]:
    """A broker on the private server, reconnecting every 0.1 s."""
    monkeypatch.setattr(pubsub, "RECONNECT_SECONDS", 0.1)
    broker = RedisBroker(f"redis://127.0.0.1:{private_redis.port}")
    await broker.start()
    yield broker
    await broker.close()


async def test_a_redis_outage_keeps_streams_open_and_says_events_were_missed(
    private_redis, private_broker
):
    broker = private_broker
    stream = broker.subscribe("a")
    waiting = await started(broker, stream)
    private_redis.kill()
    await asyncio.wait_for(lost(broker), 5)
    await broker.publish("elsewhere", {"queued": True})  # queued for Redis, never raised
    async with listening(broker):  # the open stream, heard again once Redis confirmed it
        private_redis.start()

    assert pubsub.missed(await asyncio.wait_for(waiting, 10))
    await broker.publish("a", {"after": True})
    assert await asyncio.wait_for(anext(stream), 5) == {"after": True}
    await stream.aclose()


async def test_the_first_publish_after_redis_comes_back_is_delivered(private_redis, private_broker):
    broker = private_broker
    await broker.publish("a", {"before": True})  # leaves a pooled publishing connection
    # publish only queues: sent before the kill, or "before" would be delivered after it
    await asyncio.wait_for(broker.drained.wait(), 5)
    private_redis.kill()
    await asyncio.wait_for(lost(broker), 5)
    private_redis.start()
    assert await published_once_back(broker) == {"back": True}


async def test_a_frozen_redis_never_holds_a_publish_and_gets_the_event_later(
    private_redis, private_broker
):
    broker = private_broker
    stream = broker.subscribe("a")
    waiting = await started(broker, stream)
    private_redis.freeze()
    try:
        # Returns without waiting on Redis (it once took two 5 s socket timeouts).
        await asyncio.wait_for(broker.publish("a", {"while": "frozen"}), 1)
    finally:
        private_redis.thaw()
    assert await asyncio.wait_for(waiting, 10) == {"while": "frozen"}
    await stream.aclose()


async def test_events_waiting_for_redis_are_bounded_oldest_dropped_first(
    private_redis, private_broker, monkeypatch
):
    monkeypatch.setattr(pubsub, "OUTGOING_LIMIT", 3)
    broker = private_broker
    private_redis.kill()
    for index in range(5):
        await broker.publish("a", {"n": index})

    assert [json.loads(data)["n"] for _, data in broker.outgoing] == [2, 3, 4]
    assert broker.dropped_events == 2


async def test_a_blip_that_redis_py_reconnects_by_itself_still_says_events_were_missed(
    private_redis, private_broker
):
    broker = private_broker
    stream = broker.subscribe("a")
    waiting = await started(broker, stream)
    killer = redis.Redis.from_url(private_redis.url)
    try:
        # Redis stays up; the listener's connection goes, and redis-py connects again and
        # subscribes again within its own retry: whatever was published in between is gone.
        await killer.client_kill_filter(_type="pubsub")
    finally:
        await killer.aclose()

    assert pubsub.missed(await asyncio.wait_for(waiting, 5))
    await broker.publish("a", {"after": True})
    assert await asyncio.wait_for(anext(stream), 5) == {"after": True}
    await stream.aclose()
