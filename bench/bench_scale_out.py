"""PostgreSQL and scale-out: ingestion through 2 `propflow serve` processes sharing PostgreSQL
and Redis, and 50 clients incrementing one contact on each database.

1. Ingestion: as `bench_ingest` (50 clients, 40 `trackPageView` events each, the "Page views"
   flow published, rate limits off), the clients split over two server processes. The baseline,
   in the same run, is raw asyncpg doing the same durable writes per event in one transaction
   (claim the event id, increment the counter, write the history row) from 50 concurrent tasks
   over a pool of POOL connections. Target: 0.25x the baseline, 0 lost (the final counters
   equal the accepted events).
2. One hot contact: 50 clients each send 100 `incrementContactProperty` calls for the same
   contact, one after another, over keep-alive connections: on SQLite through one process, on
   PostgreSQL through two. The value must end at exactly 5,000; the note gives the time.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx

from bench.bench_fanout import postgres_and_redis
from bench.bench_ingest import CLIENTS, EVENTS_PER_CLIENT, Connection, counted, drive
from bench.bench_ingest import prepare as publish_page_views
from bench.table import Row, Section, exactly, ratio_at_least
from tests.support.server import UNLIMITED, operator_token, served

POOL = 10
HOT_CLIENTS = 50
INCREMENTS = 100
INCREMENT = 'mutation($id: ID!) { incrementContactProperty(contactId: $id, key: "score") { id } }'
TOTAL = CLIENTS * EVENTS_PER_CLIENT
RAW_SCHEMA = "bench_raw"


def sections() -> list[Section]:
    hot: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite://{Path(folder) / 'hot.db'}"
        token = operator_token(url)  # before serving: a server seeds an empty database
        with served(url, env=UNLIMITED) as base_url:
            hot.append(asyncio.run(_hot_contact("SQLite, 1 process", token, [base_url])))
    try:
        postgres, environment = postgres_and_redis()
    except RuntimeError as missing:
        print(f"(no PostgreSQL scale-out rows: {missing})", file=sys.stderr)
        return [("One contact, 50 clients x 100 increments", "final", hot)]
    baseline = asyncio.run(_raw_asyncpg(postgres))
    _empty(postgres)
    token = operator_token(postgres)
    with _two_servers(postgres, environment) as base_urls:
        rate, lost = asyncio.run(_ingest(token, base_urls))
    _empty(postgres)
    token = operator_token(postgres)
    with _two_servers(postgres, environment) as base_urls:
        name = "PostgreSQL + Redis, 2 processes"
        hot.append(asyncio.run(_hot_contact(name, token, base_urls)))
    ingestion = [
        Row(f"raw asyncpg, {TOTAL:,} events, pool of {POOL} (baseline)", baseline),
        Row(
            f"trackPageView, 2 processes, {CLIENTS} clients, limits off",
            rate,
            float(lost),
            ratio_at_least(0.25),
        ),
    ]
    return [
        ("Ingestion on PostgreSQL + Redis, 2 processes (higher is better)", "events/s", ingestion),
        ("One contact, 50 clients x 100 increments", "final", hot),
    ]


async def _ingest(token: str, base_urls: list[str]) -> tuple[float, int]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_urls[0], timeout=120) as http:
        key = await publish_page_views(http, headers)
        ports = [int(base_url.rsplit(":", 1)[1]) for base_url in base_urls]
        rate, accepted = await drive(ports, key)
        total = await counted(http, headers)
    return rate, accepted - total


async def _hot_contact(name: str, token: str, base_urls: list[str]) -> Row:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_urls[0], timeout=120) as http:
        for query in (
            'mutation { createProperty(input: {label: "Score", type: NUMBER}) { id } }',
            'mutation { createContact(values: [{key: "email", value: "hot@example.com"}]) { id } }',
        ):
            body = (await http.post("/graphql", json={"query": query}, headers=headers)).json()
            assert not body.get("errors"), body
        contact_id = body["data"]["createContact"]["id"]
        ports = [int(base_url.rsplit(":", 1)[1]) for base_url in base_urls]
        connections = [await Connection.open(ports[n % len(ports)]) for n in range(HOT_CLIENTS)]
        line = f"Authorization: Bearer {token}\r\n"

        async def increments(connection: Connection) -> int:
            failed = 0
            for _ in range(INCREMENTS):
                payload = {"query": INCREMENT, "variables": {"id": contact_id}}
                status, answer = await connection.post("/graphql", payload, headers=line)
                failed += status != 200 or b'"errors"' in answer
            return failed

        started = time.perf_counter()
        failed = sum(await asyncio.gather(*(increments(c) for c in connections)))
        seconds = time.perf_counter() - started
        await asyncio.gather(*(connection.close() for connection in connections))
        query = f'{{ contact(id: "{contact_id}") {{ value(key: "score") }} }}'
        body = (await http.post("/graphql", json={"query": query}, headers=headers)).json()
    final = float(body["data"]["contact"]["value"] or 0)
    note = f"in {seconds:.1f} s ({HOT_CLIENTS * INCREMENTS / seconds:,.0f}/s), {failed} failed"
    return Row(name, final, note, exactly(HOT_CLIENTS * INCREMENTS))


async def _raw_asyncpg(url: str) -> float:
    """The same durable writes per event over a pool, with nothing else around them."""
    setup = await asyncpg.connect(url)
    try:
        await setup.execute(
            f"""
            DROP SCHEMA IF EXISTS {RAW_SCHEMA} CASCADE;
            CREATE SCHEMA {RAW_SCHEMA};
            CREATE TABLE {RAW_SCHEMA}.event (visitor TEXT, event_id TEXT,
                                             PRIMARY KEY (visitor, event_id));
            CREATE TABLE {RAW_SCHEMA}.counter (visitor TEXT PRIMARY KEY, value FLOAT NOT NULL);
            CREATE TABLE {RAW_SCHEMA}.history (id SERIAL PRIMARY KEY, visitor TEXT,
                                               old FLOAT, new FLOAT);
            """
        )
        visitors = [str(uuid.uuid4()) for _ in range(CLIENTS)]
        await setup.executemany(
            f"INSERT INTO {RAW_SCHEMA}.counter VALUES ($1, 0)", [(v,) for v in visitors]
        )
        async with asyncpg.create_pool(url, min_size=POOL, max_size=POOL) as pool:

            async def one_client(visitor: str) -> None:
                for n in range(EVENTS_PER_CLIENT):
                    async with pool.acquire() as connection, connection.transaction():
                        await connection.execute(
                            f"INSERT INTO {RAW_SCHEMA}.event VALUES ($1, $2)", visitor, f"e{n}"
                        )
                        old = await connection.fetchval(
                            f"UPDATE {RAW_SCHEMA}.counter SET value = value + 1 "
                            "WHERE visitor = $1 RETURNING value - 1",
                            visitor,
                        )
                        await connection.execute(
                            f"INSERT INTO {RAW_SCHEMA}.history (visitor, old, new) "
                            "VALUES ($1, $2, $3)",
                            visitor,
                            old,
                            old + 1,
                        )

            started = time.perf_counter()
            await asyncio.gather(*(one_client(visitor) for visitor in visitors))
            elapsed = time.perf_counter() - started
        total = await setup.fetchval(f"SELECT sum(value) FROM {RAW_SCHEMA}.counter")
        assert total == TOTAL, total
        await setup.execute(f"DROP SCHEMA {RAW_SCHEMA} CASCADE")
    finally:
        await setup.close()
    return TOTAL / elapsed


@contextlib.contextmanager
def _two_servers(url: str, environment: dict[str, str]) -> Iterator[list[str]]:
    with served(url, env=environment) as first, served(url, env=environment) as second:
        yield [first, second]


def _empty(url: str) -> None:
    from tests.support import databases

    asyncio.run(databases.truncate_postgres(url))


if __name__ == "__main__":
    from bench.table import print_table

    print_table(sections())
