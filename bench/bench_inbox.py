"""Inbox: a visitor's message to the operator's `inboxEvents`, with 100 open conversations.

100 visitors each open a conversation, then send messages in turn, 20 a second for 10 seconds,
while one operator listens to the Inbox. Latency is from the visitor's request leaving the
client to the operator's socket receiving its MESSAGE_ADDED (matched by the message's text),
on this machine's clock: the whole way, the visitor's HTTP request and the event included. Two
set-ups, as for the fan-out: one `propflow serve` on SQLite with the in-process broker, and two
processes on PostgreSQL sharing Redis (visitors on one, the operator on the other). Rate limits
are off: the visitors all come from one address.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time

import httpx
from websockets.asyncio.client import connect

from bench.bench_fanout import rows_on_both_brokers
from tests.support.server import operator_token

CONVERSATIONS = 100
MESSAGES_PER_SECOND = 20
SECONDS = 10
SUBSCRIPTION = "subscription { inboxEvents { kind message { text } } }"
SEND = """
mutation($key: String!, $visitor: String!, $text: String!) {
  visitorSendMessage(workspaceKey: $key, visitorId: $visitor, text: $text) { contactId }
}"""


def rows() -> list[tuple[str, float, float | None]]:
    """(name, p99 milliseconds, delivered share) rows; the first, in-process, is the baseline."""
    return rows_on_both_brokers("inbox.db", _run)


async def _run(url: str, visitors_at: str, operator_at: str) -> tuple[float, float, float]:
    token = operator_token(url)
    async with httpx.AsyncClient(base_url=visitors_at, timeout=30) as http:
        key = await _workspace_key(http, token)
        visitors = [f"bench-visitor-{n}" for n in range(CONVERSATIONS)]
        for visitor in visitors:
            await _send(http, key, visitor, f"hello from {visitor}")
        sent: dict[str, float] = {}
        received: dict[str, float] = {}
        ready = asyncio.Event()
        listener = asyncio.create_task(_listen(operator_at, token, received, ready))
        await asyncio.wait_for(ready.wait(), 60)
        started = time.perf_counter()
        for tick in range(MESSAGES_PER_SECOND * SECONDS):
            await asyncio.sleep(
                max(0.0, started + tick / MESSAGES_PER_SECOND - time.perf_counter())
            )
            text = f"message {tick}"
            sent[text] = time.perf_counter()
            await _send(http, key, visitors[tick % CONVERSATIONS], text)
        await asyncio.sleep(2)
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
    latencies = sorted(
        (received[text] - at) * 1000 for text, at in sent.items() if text in received
    )
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else float("nan")
    return statistics.median(latencies), p99, len(latencies) / len(sent)


async def _listen(
    base_url: str, token: str, received: dict[str, float], ready: asyncio.Event
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
        ready.set()
        async for raw in ws:
            at = time.perf_counter()
            message = json.loads(raw)
            if message.get("type") == "next":
                event = message["payload"]["data"]["inboxEvents"]
                if event["kind"] == "MESSAGE_ADDED":
                    received.setdefault(event["message"]["text"], at)


async def _workspace_key(http: httpx.AsyncClient, token: str) -> str:
    headers = {"Authorization": f"Bearer {token}"}
    body = (
        await http.post("/graphql", json={"query": "{ workspace { publicKey } }"}, headers=headers)
    ).json()
    return str(body["data"]["workspace"]["publicKey"])


async def _send(http: httpx.AsyncClient, key: str, visitor: str, text: str) -> None:
    variables = {"key": key, "visitor": visitor, "text": text}
    body = (await http.post("/graphql", json={"query": SEND, "variables": variables})).json()
    assert not body.get("errors"), body


if __name__ == "__main__":
    for name, p99, delivered in rows():
        print(f"{name:50} {p99:8.1f} ms  delivered {delivered:.1%}")
