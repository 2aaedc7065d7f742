"""Due steps: 10,000 runs waiting on a Wait node whose timers all end at the same instant.

The runs are made the real way (page views of 10,000 visitors through the page-view path, each
starting a flow "opens /pricing → wait 1 minute → send a message"); then every wake-up job is set
due at one instant T, and the workers go: SQLite's in-process worker (as in `propflow serve`), and
on PostgreSQL two `propflow worker` processes (procrastinate). Throughput is the steps finished
per second from T to the last; lag is from T to each run's finish (its `finishedAt`).
"""

from __future__ import annotations

import asyncio
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from api import db, pubsub
from api.app import register_jobs
from api.flows import service as flows_service
from api.flows.models import FlowRun
from api.jobs.local import LocalWorker
from api.settings import Settings
from api.visitors.page_views import PageView, track
from api.workspaces import service as workspaces_service
from tests.support import databases
from tests.support.builders import wait_flow
from tests.support.server import PROPFLOW

WAITS = int(os.environ.get("PROPFLOW_BENCH_WAITS", "10000"))
GROUP = 200
LEAD_SECONDS = 3.0


def rows() -> list[tuple[str, float, str]]:
    """(name, steps per second, lag note) rows; the first, SQLite in-process, is the baseline."""
    results = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite://{Path(folder) / 'jobs.db'}"
        results.append((f"SQLite, in-process worker, {WAITS:,} waits", asyncio.run(_sqlite(url))))
    try:
        url = asyncio.run(databases.prepare_postgres())
        asyncio.run(databases.truncate_postgres(url))
    except pytest.skip.Exception as skipped:
        print(f"(no PostgreSQL row: {skipped})", file=sys.stderr)
    else:
        results.append((f"PostgreSQL, 2 worker processes, {WAITS:,} waits", _postgres(url)))
    return [
        (name, rate, f"lag p50 {p50:.0f} ms, p99 {p99:.0f} ms")
        for name, (rate, p50, p99) in results
    ]


async def _sqlite(url: str) -> tuple[float, float, float]:
    await db.apply_migrations(url)
    await db.open_database(url)
    try:
        due_at = await _prepare(url)
        worker = LocalWorker()
        task = asyncio.create_task(worker.run_forever())
        try:
            await _until_done()
        finally:
            task.cancel()
        return await _measure(due_at)
    finally:
        pubsub.install(None)
        await db.close_database()


def _postgres(url: str) -> tuple[float, float, float]:
    async def prepare() -> datetime.datetime:
        await db.open_database(url)
        try:
            return await _prepare(url)
        finally:
            pubsub.install(None)
            await db.close_database()

    due_at = asyncio.run(prepare())
    workers = [
        subprocess.Popen(
            [PROPFLOW, "worker", "--db", url, "--log-level", "warning"],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]

    async def measure() -> tuple[float, float, float]:
        await db.open_database(url)
        try:
            await _until_done()
            return await _measure(due_at)
        finally:
            await db.close_database()

    try:
        return asyncio.run(measure())
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait()


async def _prepare(url: str) -> datetime.datetime:
    """WAITS runs waiting; every wake-up job due LEAD_SECONDS from now; that instant."""
    register_jobs(Settings(database_url=url))
    broker = pubsub.create_broker(None)
    await broker.start()
    pubsub.install(broker)
    operator, _ = await workspaces_service.create_operator(
        email="bench@example.com", workspace_name="Bench"
    )
    flow = await flows_service.create_flow(operator.workspace_id, name="Nudge", graph=wait_flow())
    await flows_service.publish(operator.workspace_id, str(flow.id), actor_id=operator.id)
    for start in range(0, WAITS, GROUP):
        views = [
            PageView(operator.workspace_id, f"visitor-{n}", "https://shop.example/pricing", None)
            for n in range(start, min(start + GROUP, WAITS))
        ]
        await asyncio.gather(*(track(view) for view in views))
    due_at = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=LEAD_SECONDS)
    client = db.connection()
    if db.is_postgres(url):
        await client.execute_query(
            "UPDATE procrastinate_jobs SET scheduled_at = $1 WHERE status = 'todo' "
            "AND task_name = 'propflow.job'",
            [due_at],
        )
    else:
        await client.execute_query(
            "UPDATE job SET due_ms = ? WHERE status = 'todo'", [int(due_at.timestamp() * 1000)]
        )
    return due_at


async def _until_done() -> None:
    """Poll until every run has finished (the bench's own clock, not a test's barrier)."""
    while await FlowRun.filter(status="waiting").count():  # noqa: ASYNC110 (the database)
        await asyncio.sleep(0.2)


async def _measure(due_at: datetime.datetime) -> tuple[float, float, float]:
    finished = await FlowRun.all().values_list("finished_at", flat=True)
    lags = sorted(max(0.0, (at - due_at).total_seconds() * 1000) for at in finished)
    span = max(lags) / 1000 or 1e-9
    p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))]
    return len(lags) / span, statistics.median(lags), p99


if __name__ == "__main__":
    started = time.monotonic()
    for name, rate, note in rows():
        print(f"{name:50} {rate:8.1f} steps/s  {note}")
    print(f"({time.monotonic() - started:.0f} s)")
