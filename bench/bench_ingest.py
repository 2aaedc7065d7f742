"""Ingestion: `trackPageView` events per second from 50 concurrent clients, on SQLite.

The app runs as a real `propflow serve` process with the "Page views" flow published (every
visit adds 1) and its rate limits off: each client sends its 40 events as fast as it can, far
past the 10 a second a visitor may send (`bench_overload` runs with the limits on). Each client
is one keep-alive HTTP/1.1 connection written by hand: httpx spent about 5 ms of CPU per
request on this machine's two cores, a whole core for 200 requests a second, so it measured
itself rather than the server. The baseline, measured in the same run, is raw aiosqlite doing
the same durable writes per event in one transaction (claim the event id, increment the
counter, write the history row) from 50 concurrent tasks. The final counters must equal the
accepted events.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import uuid
from pathlib import Path

import aiosqlite
import httpx

from tests.support.server import UNLIMITED, operator_token, served

CLIENTS = 50
EVENTS_PER_CLIENT = 40
FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "flows" / "page_views.json"
TRACK = """
mutation($key: String!, $visitor: String!, $eventId: String!) {
  trackPageView(workspaceKey: $key, visitorId: $visitor, url: "/pricing", eventId: $eventId) {
    duplicate
  }
}"""


def rows() -> list[tuple[str, float, float | None]]:
    """(name, events per second, None) rows; the first is the baseline."""
    with tempfile.TemporaryDirectory() as folder:
        baseline = asyncio.run(_raw_sqlite(Path(folder) / "raw.db"))
        served_rate, lost = asyncio.run(_served(Path(folder) / "app.db"))
    total = CLIENTS * EVENTS_PER_CLIENT
    return [
        (f"raw aiosqlite, {total:,} events (baseline)", baseline, None),
        (f"trackPageView over HTTP, {CLIENTS} clients, rate limits off", served_rate, float(lost)),
    ]


async def _served(path: Path) -> tuple[float, int]:
    url = f"sqlite://{path}"
    token = operator_token(url)
    with served(url, env=UNLIMITED) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
            headers = {"Authorization": f"Bearer {token}"}
            key = await prepare(http, headers)
            rate, accepted = await drive([int(base_url.rsplit(":", 1)[1])], key)
            total = await counted(http, headers)
    return rate, accepted - total


async def drive(ports: list[int], key: str) -> tuple[float, int]:
    """CLIENTS clients, each a new visitor on its own connection (to the ports in turn),
    sending their events; events accepted per second, and how many."""
    connections = [await Connection.open(ports[n % len(ports)]) for n in range(CLIENTS)]
    visitors = [str(uuid.uuid4()) for _ in range(CLIENTS)]
    started = time.perf_counter()
    accepted = await asyncio.gather(
        *(client_events(c, key, v) for c, v in zip(connections, visitors, strict=True))
    )
    elapsed = time.perf_counter() - started
    await asyncio.gather(*(connection.close() for connection in connections))
    return sum(accepted) / elapsed, sum(accepted)


async def client_events(connection: Connection, key: str, visitor: str) -> int:
    accepted = 0
    for n in range(EVENTS_PER_CLIENT):
        variables = {"key": key, "visitor": visitor, "eventId": f"{visitor}-{n}"}
        body = await connection.post_json("/graphql", {"query": TRACK, "variables": variables})
        if not body.get("errors") and not body["data"]["trackPageView"]["duplicate"]:
            accepted += 1
    return accepted


class Connection:
    """One keep-alive HTTP/1.1 connection posting JSON, one request at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def post_json(self, path: str, payload: object) -> dict:
        status, answer = await self.post(path, payload)
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {answer.decode()[:200]}")
        return json.loads(answer)

    async def post(self, path: str, payload: object, headers: str = "") -> tuple[int, bytes]:
        """The status and body of the answer; `headers`: more header lines, each ending CRLF."""
        body = json.dumps(payload).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"{headers}Content-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        status = await self.reader.readline()
        if not status:
            raise ConnectionError("the server closed the connection")
        length = None
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if length is None:
            raise RuntimeError(f"{status.decode().strip()}: an answer without Content-Length")
        return int(status.split()[1]), await self.reader.readexactly(length)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


async def prepare(http: httpx.AsyncClient, headers: dict[str, str]) -> str:
    """Publish the \"Page views\" flow; the workspace's public key."""

    async def gql(query: str, **variables: object) -> dict:
        response = await http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        body = response.json()
        assert not body.get("errors"), body
        return body["data"]

    await gql('mutation { createProperty(input: {label: "Page views", type: NUMBER}) { id } }')
    flow = await gql(
        'mutation($g: JSON) { createFlow(name: "Page views", graph: $g) { id } }',
        g=json.loads(FIXTURE.read_text()),
    )
    await gql("mutation($id: ID!) { publishFlow(id: $id) { id } }", id=flow["createFlow"]["id"])
    return (await gql("{ workspace { publicKey } }"))["workspace"]["publicKey"]


async def counted(http: httpx.AsyncClient, headers: dict[str, str]) -> int:
    query = (
        '{ contacts(first: 500, includeAnonymous: true) { edges { node { value(key: "page_views") }'
        " } } }"
    )
    response = await http.post("/graphql", json={"query": query}, headers=headers)
    edges = response.json()["data"]["contacts"]["edges"]
    return int(sum(edge["node"]["value"] or 0 for edge in edges))


async def _raw_sqlite(path: Path) -> float:
    """The same durable writes per event, with nothing else around them."""
    async with aiosqlite.connect(path, isolation_level=None) as connection:
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.executescript(
            """
            CREATE TABLE event (visitor TEXT, event_id TEXT, PRIMARY KEY (visitor, event_id));
            CREATE TABLE counter (visitor TEXT PRIMARY KEY, value REAL NOT NULL);
            CREATE TABLE history (id INTEGER PRIMARY KEY, visitor TEXT, old REAL, new REAL);
            """
        )
        lock = asyncio.Lock()
        visitors = [str(uuid.uuid4()) for _ in range(CLIENTS)]
        for visitor in visitors:
            await connection.execute("INSERT INTO counter VALUES (?, 0)", (visitor,))

        async def one_client(visitor: str) -> None:
            for n in range(EVENTS_PER_CLIENT):
                async with lock:
                    await connection.execute("BEGIN")
                    await connection.execute(
                        "INSERT INTO event VALUES (?, ?)", (visitor, f"{visitor}-{n}")
                    )
                    await connection.execute(
                        "UPDATE counter SET value = value + 1 WHERE visitor = ?", (visitor,)
                    )
                    await connection.execute(
                        "INSERT INTO history (visitor, old, new) VALUES (?, ?, ?)",
                        (visitor, n, n + 1),
                    )
                    await connection.execute("COMMIT")

        started = time.perf_counter()
        await asyncio.gather(*(one_client(visitor) for visitor in visitors))
        elapsed = time.perf_counter() - started
        async with connection.execute("SELECT sum(value) FROM counter") as cursor:
            (total,) = await cursor.fetchone()  # type: ignore[misc]
        assert total == CLIENTS * EVENTS_PER_CLIENT
    return CLIENTS * EVENTS_PER_CLIENT / elapsed


if __name__ == "__main__":
    for name, rate, lost in rows():
        extra = f"  lost {lost:.0f}" if lost is not None else ""
        print(f"{name:55} {rate:9.1f} events/s{extra}")
