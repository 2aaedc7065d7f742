"""Contacts at scale: filter, sort, page and export 100,000 contacts on SQLite.

Rows time the GraphQL-facing service calls (`listing.list_contacts`) on a seeded database; the
baseline is the plain first page (no filter, no sort) in the same run.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from api import db
from api.contacts import listing
from api.workspaces import service as workspaces_service

CONTACTS = 100_000
REPEATS = 5
PLANS = ["Free", "Pro", "Team"]


async def rows() -> list[tuple[str, float, float | None]]:
    """(name, median milliseconds, peak MiB or None) rows; the first is the baseline."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite://{Path(folder) / 'bench.db'}"
        await db.apply_migrations(url)
        await db.open_database(url)
        try:
            operator, _ = await workspaces_service.create_operator(email="bench@example.com")
            workspace_id = operator.workspace_id
            await db.close_database()
            _seed(Path(folder) / "bench.db", workspace_id)
            await db.open_database(url)
            return await _measure(workspace_id)
        finally:
            await db.close_database()


async def _measure(workspace_id: int) -> list[tuple[str, float, float | None]]:
    def page(**kwargs: Any) -> Callable[[], Awaitable[object]]:
        return lambda: listing.list_contacts(workspace_id, first=50, **kwargs)

    gt_40 = [{"key": "shoe_size", "op": "GT", "value": 40}]
    by_size = [listing.SortKey("shoe_size", descending=True)]
    cases = [
        (f"contacts {CONTACTS:,}: first page, no filter (baseline)", page()),
        ("filter shoe_size > 40, with totalCount", page(filters=gt_40)),
        ("sort by shoe_size desc", page(sort=by_size)),
        ("filter + sort + plan IN", page(
            filters=[*gt_40, {"key": "plan", "op": "IN", "value": ["Pro", "Team"]}], sort=by_size
        )),
        ("email CONTAINS '7@'", page(filters=[{"key": "email", "op": "CONTAINS", "value": "7@"}])),
    ]  # fmt: skip
    results = [(name, await _median_ms(run), None) for name, run in cases]
    seconds, peak = await _export_all(workspace_id)
    results.append(("iterate every contact in batches (export)", seconds * 1000, peak))
    return results


async def _median_ms(run: Callable[[], Awaitable[object]]) -> float:
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        await run()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


async def _export_all(workspace_id: int) -> tuple[float, float]:
    """Seconds to walk every contact, and the peak MiB traced over the first 20,000 of them
    (batches are fixed-size, so the peak does not grow with the total)."""
    started = time.perf_counter()
    count = 0
    async for batch in listing.iterate_contacts(workspace_id):
        count += len(batch)
    seconds = time.perf_counter() - started
    assert count == CONTACTS, count
    tracemalloc.start()
    count = 0
    async for batch in listing.iterate_contacts(workspace_id):
        count += len(batch)
        if count >= 20_000:
            break
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak


def _seed(path: Path, workspace_id: int) -> None:
    """Bulk rows straight into SQLite: the benchmark measures reads, not seeding."""
    rng = random.Random(7)
    connection = sqlite3.connect(path)
    ids = {
        key: connection.execute(
            "SELECT id FROM property_definition WHERE workspace_id = ? AND key = ?",
            (workspace_id, key),
        ).fetchone()[0]
        for key in ("email",)
    }
    connection.execute(
        "INSERT INTO property_definition (workspace_id, key, label, type, options, hidden, "
        "built_in, created_at) VALUES (?, 'shoe_size', 'Shoe size', 'NUMBER', NULL, 0, 0, "
        "datetime('now')), (?, 'plan', 'Plan', 'SELECT', '[\"Free\",\"Pro\",\"Team\"]', 0, 0, "
        "datetime('now'))",
        (workspace_id, workspace_id),
    )
    for key in ("shoe_size", "plan"):
        ids[key] = connection.execute(
            "SELECT id FROM property_definition WHERE workspace_id = ? AND key = ?",
            (workspace_id, key),
        ).fetchone()[0]
    now = "2026-01-01 00:00:00+00:00"
    connection.executemany(
        "INSERT INTO contact (id, workspace_id, email, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?)",
        ((n, workspace_id, f"user{n}@example.com", now, now) for n in range(1, CONTACTS + 1)),
    )
    values = []
    for n in range(1, CONTACTS + 1):
        values.append((n, ids["email"], f"user{n}@example.com", None, now))
        values.append((n, ids["shoe_size"], None, float(rng.randint(30, 48)), now))
        if n % 3:
            values.append((n, ids["plan"], rng.choice(PLANS), None, now))
    connection.executemany(
        "INSERT INTO property_value (contact_id, property_id, value_text, value_number, "
        "updated_at) VALUES (?, ?, ?, ?, ?)",
        values,
    )
    connection.execute("ANALYZE")
    connection.commit()
    connection.close()


if __name__ == "__main__":
    for name, ms, peak in asyncio.run(rows()):
        extra = f"  peak {peak:.1f} MiB" if peak is not None else ""
        print(f"{name:55} {ms:9.1f} ms{extra}")
