"""Contact lists at 100,000 contacts, over HTTP, on SQLite and PostgreSQL.

A real `propflow serve` answers `contacts(first: 100)` with five property columns per contact
(name, email, shoe size, plan, signup date), REPEATS times per case; the rows are the 95th
percentile in milliseconds. Seeding goes straight into the database (the bench measures reads),
then ANALYZE. The target is 50 ms p95 for no filter, one NUMBER filter, one sort and filter +
sort; the first row is also the baseline. The other rows (a deep page through the cursor, a
count, a text search) are there to watch.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.bench_fanout import postgres_and_redis
from bench.table import Row, Section, at_most
from tests.support.server import UNLIMITED, operator_token, served

CONTACTS = 100_000
REPEATS = 20
TARGET_MS = 50
PLANS = ["Free", "Pro", "Team"]
PROPERTIES = [
    {"label": "Shoe size", "type": "NUMBER"},
    {"label": "Plan", "type": "SELECT", "options": PLANS},
    {"label": "Signed up", "type": "DATE"},
]
COLUMNS = " ".join(
    f'{key}: value(key: "{key}")' for key in ("name", "email", "shoe_size", "plan", "signed_up")
)
LIST = f"""
query($filter: [PropertyFilter!], $sort: [ContactSort!], $after: String) {{
  contacts(first: 100, filter: $filter, sort: $sort, after: $after) {{
    pageInfo {{ hasNextPage endCursor }}
    edges {{ node {{ id {COLUMNS} }} }}
  }}
}}"""
COUNT = """
query($filter: [PropertyFilter!]) { contacts(first: 0, filter: $filter) { totalCount } }"""
BIG_FEET = [{"key": "shoe_size", "op": "GT", "value": 40}]
BY_SIZE = [{"key": "shoe_size", "direction": "DESC"}]


def sections() -> list[Section]:
    found = []
    with tempfile.TemporaryDirectory() as folder:
        found.append(_section("SQLite", f"sqlite://{Path(folder) / 'contacts.db'}"))
    postgres = _postgres()
    if postgres is not None:
        found.append(_section("PostgreSQL", postgres))
    return found


def _section(backend: str, url: str) -> Section:
    token = operator_token(url)
    headers = {"Authorization": f"Bearer {token}"}
    with served(url, env=UNLIMITED) as base_url, httpx.Client(base_url=base_url) as http:
        for prop in PROPERTIES:
            _ask(http, headers, "mutation($p: CreatePropertyInput!) { createProperty(input: $p) "
                 "{ id } }", p=prop)  # fmt: skip
    _seed(url)
    with served(url, env=UNLIMITED) as base_url, httpx.Client(base_url=base_url) as http:
        deep = _cursor_after_pages(http, headers, 10)

        def p95(query: str, **variables: Any) -> float:
            return _p95_ms(lambda: _ask(http, headers, query, **variables))

        target = at_most(TARGET_MS)
        rows = [
            Row("first page, no filter (baseline)", p95(LIST), None, target),
            Row("filter shoe_size > 40", p95(LIST, filter=BIG_FEET), None, target),
            Row("sort by shoe_size desc", p95(LIST, sort=BY_SIZE), None, target),
            Row("filter + sort", p95(LIST, filter=BIG_FEET, sort=BY_SIZE), None, target),
            Row("page 11 through the cursor", p95(LIST, after=deep)),
            Row("totalCount of the filter", p95(COUNT, filter=BIG_FEET)),
            Row("email CONTAINS '7@'", p95(LIST, filter=[
                {"key": "email", "op": "CONTAINS", "value": "7@"}
            ])),
        ]  # fmt: skip
    title = f"Contacts at {CONTACTS:,} on {backend}: first 100, 5 columns, over HTTP"
    return (title, "ms p95", rows)


def _ask(http: httpx.Client, headers: dict[str, str], query: str, **variables: Any) -> dict:
    body = http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    ).json()
    assert not body.get("errors"), body
    return body["data"]


def _cursor_after_pages(http: httpx.Client, headers: dict[str, str], pages: int) -> str:
    after = None
    for _ in range(pages):
        after = _ask(http, headers, LIST, after=after)["contacts"]["pageInfo"]["endCursor"]
    assert after is not None
    return after


def _p95_ms(run: Any) -> float:
    run()  # warm: plans, caches, the first connection
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        run()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return timings[int(0.95 * (len(timings) - 1))]


def _contacts_and_values(workspace_id: int, ids: dict[str, int]) -> tuple[list[tuple], list[tuple]]:
    """Contact rows and property_value rows (contact, property, text, number, date)."""
    rng = random.Random(7)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    contacts, values = [], []
    for n in range(1, CONTACTS + 1):
        email = f"user{n}@example.com"
        contacts.append((n, workspace_id, email, now, now))
        values.append((n, ids["email"], email, None, None, now))
        values.append((n, ids["name"], f"User {n}", None, None, now))
        values.append((n, ids["shoe_size"], None, float(rng.randint(30, 48)), None, now))
        values.append(
            (n, ids["signed_up"], None, None, date(2020, 1, 1) + timedelta(n % 2000), now)
        )
        if n % 3:
            values.append((n, ids["plan"], rng.choice(PLANS), None, None, now))
    return contacts, values


CONTACT_COLUMNS = ["id", "workspace_id", "email", "created_at", "updated_at"]
VALUE_COLUMNS = ["contact_id", "property_id", "value_text", "value_number", "value_date",
                 "updated_at"]  # fmt: skip
PROPERTY_IDS = "SELECT key, id, workspace_id FROM property_definition"


def _seed(url: str) -> None:
    if url.startswith("sqlite://"):
        _seed_sqlite(url.removeprefix("sqlite://"))
    else:
        asyncio.run(_seed_postgres(url))


def _seed_sqlite(path: str) -> None:
    connection = sqlite3.connect(path)
    found = connection.execute(PROPERTY_IDS).fetchall()
    contacts, values = _contacts_and_values(found[0][2], {key: id for key, id, _ in found})
    connection.executemany(_insert("contact", CONTACT_COLUMNS), _iso(contacts))
    connection.executemany(_insert("property_value", VALUE_COLUMNS), _iso(values))
    connection.execute("ANALYZE")
    connection.commit()
    connection.close()


async def _seed_postgres(url: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        found = await connection.fetch(PROPERTY_IDS)
        contacts, values = _contacts_and_values(found[0][2], {r[0]: r[1] for r in found})
        await connection.copy_records_to_table("contact", records=contacts, columns=CONTACT_COLUMNS)
        await connection.copy_records_to_table(
            "property_value", records=values, columns=VALUE_COLUMNS
        )
        await connection.execute(
            "SELECT setval(pg_get_serial_sequence('contact', 'id'), (SELECT max(id) FROM contact))"
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


def _insert(table: str, columns: list[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _iso(rows: list[tuple]) -> Iterator[tuple]:
    """Rows as SQLite holds them through tortoise: dates and times as text."""
    for row in rows:
        yield tuple(str(v) if isinstance(v, date) else v for v in row)


def _postgres() -> str | None:
    """The test PostgreSQL database, emptied; None (and a line on stderr) when it is down."""
    try:
        url, _ = postgres_and_redis()
    except RuntimeError as missing:
        print(f"(no PostgreSQL contacts rows: {missing})", file=sys.stderr)
        return None
    return url


if __name__ == "__main__":
    from bench.table import print_table

    print_table(sections())
