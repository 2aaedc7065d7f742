"""Fan-out: 100 subscribers of `contactUpdated`, 20 changes a second for 10 seconds.

Two set-ups: one `propflow serve` process on SQLite with the in-process broker, and two
processes on PostgreSQL sharing Redis (changes through one, subscribers on the other). Latency is
from the change's commit (the contact's `updatedAt`, stamped in the transaction) to the
subscriber receiving it; both run on this machine's clock. Rate limits are off: the 100
subscribers sign in with one token at once, past its burst of 100 requests.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from tests.support import databases
from tests.support.server import UNLIMITED, operator_token, served

SUBSCRIBERS = 100
CHANGES_PER_SECOND = 20
SECONDS = 10
SUBSCRIPTION = 'subscription { contactUpdated(keys: ["score"]) { contact { updatedAt } } }'
INCREMENT = 'mutation($id: ID!) { incrementContactProperty(contactId: $id, key: "score") { id } }'


def rows() -> list[tuple[str, float, float | None]]:
    """(name, p99 milliseconds, delivered share) rows; the first, in-process, is the baseline."""
    return rows_on_both_brokers("fanout.db", _run)


Measured = Callable[[str, str, str], Coroutine[None, None, tuple[float, float, float]]]


def rows_on_both_brokers(
    file_name: str, measure: Measured
) -> list[tuple[str, float, float | None]]:
    """`measure(url, writer, reader)` on one SQLite process, then on two PostgreSQL + Redis ones.

    The Redis row is left out, with its reason on stderr, when either service is down.
    """
    results = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite://{Path(folder) / file_name}"
        with served(url, env=UNLIMITED) as base_url:
            results.append(
                ("in-process broker, 1 process", asyncio.run(measure(url, base_url, base_url)))
            )
    try:
        url, environment = postgres_and_redis()
    except RuntimeError as missing:
        print(f"(no Redis row: {missing})", file=sys.stderr)
    else:
        with served(url, env=environment) as first, served(url, env=environment) as second:
            results.append(("Redis broker, 2 processes", asyncio.run(measure(url, first, second))))
    return [
        (f"{name}: p50 {p50:.1f} ms, p99", p99, delivered)
        for name, (p50, p99, delivered) in results
    ]


async def _run(url: str, writer: str, reader: str) -> tuple[float, float, float]:
    token = operator_token(url)
    async with httpx.AsyncClient(base_url=writer, timeout=30) as http:
        contact_id = await _prepare(http, token)
        latencies: list[float] = []
        ready = asyncio.Event()
        counter = {"subscribed": 0}
        listeners = [
            asyncio.create_task(_listen(reader, token, latencies, counter, ready))
            for _ in range(SUBSCRIBERS)
        ]
        await asyncio.wait_for(ready.wait(), 60)
        published = 0
        started = time.perf_counter()
        for tick in range(CHANGES_PER_SECOND * SECONDS):
            await asyncio.sleep(max(0.0, started + tick / CHANGES_PER_SECOND - time.perf_counter()))
            response = await http.post(
                "/graphql",
                json={"query": INCREMENT, "variables": {"id": contact_id}},
                headers={"Authorization": f"Bearer {token}"},
            )
            if not response.json().get("errors"):
                published += 1
        await asyncio.sleep(2)
        for listener in listeners:
            listener.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else float("nan")
    return statistics.median(latencies), p99, len(latencies) / (published * SUBSCRIBERS)


async def _listen(
    base_url: str, token: str, latencies: list[float], counter: dict[str, int], ready: asyncio.Event
) -> None:
    url = base_url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        )
        await ws.recv()
        await ws.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
        )
        await asyncio.sleep(0.5)
        counter["subscribed"] += 1
        if counter["subscribed"] == SUBSCRIBERS:
            ready.set()
        async for raw in ws:
            received = time.time()
            message = json.loads(raw)
            if message.get("type") == "next":
                stamp = message["payload"]["data"]["contactUpdated"]["contact"]["updatedAt"]
                latencies.append((received - datetime.fromisoformat(stamp).timestamp()) * 1000)


async def _prepare(http: httpx.AsyncClient, token: str) -> str:
    headers = {"Authorization": f"Bearer {token}"}
    for query in (
        'mutation { createProperty(input: {label: "Score", type: NUMBER}) { id } }',
        'mutation { createContact(values: [{key: "email", value: "fan@example.com"}]) { id } }',
    ):
        body = (await http.post("/graphql", json={"query": query}, headers=headers)).json()
        assert not body.get("errors"), body
    return str(body["data"]["createContact"]["id"])


def postgres_and_redis() -> tuple[str, dict[str, str]]:
    """The test PostgreSQL database (emptied) and Redis; RuntimeError when either is down."""
    import pytest

    try:
        url = asyncio.run(databases.prepare_postgres())
        asyncio.run(databases.truncate_postgres(url))
        redis_url = databases.require_redis()
    except pytest.skip.Exception as skipped:
        raise RuntimeError(str(skipped)) from None
    return url, {"REDIS_URL": redis_url, **UNLIMITED}


if __name__ == "__main__":
    for name, p99, delivered in rows():
        print(f"{name:50} {p99:8.1f} ms  delivered {delivered:.1%}")
