"""Live tests wait on signals, never on the clock. The rule, for every test of subscriptions:

- **Ready** means the broker says the subscription is listening (`fan_out.on_listening`: at once
  in process; with Redis, once Redis confirmed the SUBSCRIBE). A broker test subscribes inside
  `listening(broker)`; a WebSocket test of an app served in this process (`live_url`, `serving`)
  calls `GraphQLWebSocket.subscribed`, which watches the broker that app installed. A server in
  another process cannot be watched: serve the subscribing side in this process instead.
- **Nothing arrived** is proved by a sentinel: make the change that must not be delivered, then
  one that must, and assert that the next message is the second. Never a quiet window.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from api import pubsub

WAIT_SECONDS = 10
Watchable = pubsub.InProcessBroker | pubsub.RedisBroker


@contextlib.asynccontextmanager
async def listening(broker: Watchable, count: int = 1) -> AsyncIterator[None]:
    """Leave the block only once `count` subscriptions started in it are listening."""
    fan_out = broker.fan_out
    heard: list[str] = []
    changed = asyncio.Event()

    def hear(channel: str) -> None:
        heard.append(channel)
        changed.set()

    previous, fan_out.on_listening = fan_out.on_listening, hear
    try:
        yield
        async with asyncio.timeout(WAIT_SECONDS):
            while len(heard) < count:
                changed.clear()
                await changed.wait()
    finally:
        fan_out.on_listening = previous


def installed_broker() -> Watchable:
    """The broker of the app served in this process: its lifespan installed it."""
    broker = pubsub._current
    if not isinstance(broker, Watchable):
        raise RuntimeError("No app is served in this process: its broker cannot be watched")
    return broker
