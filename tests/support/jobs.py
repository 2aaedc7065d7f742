"""Jobs in tests: bring scheduled jobs forward to now, and run the due ones until none is left,
with the engine of the test's database (procrastinate on PostgreSQL, the local worker on SQLite).
"""

from __future__ import annotations

import json
import time
from typing import Any

from api import db
from api.jobs import postgres, queue
from api.jobs.local import LocalWorker
from api.jobs.models import Job


async def make_due() -> None:
    """Every job waiting for its time is due now (the controlled clock of the API tests)."""
    client = db.connection()
    if client.capabilities.dialect == "postgres":
        await client.execute_query(
            "UPDATE procrastinate_jobs SET scheduled_at = NOW() - INTERVAL '1 second' "
            "WHERE status = 'todo' AND task_name <> $1",
            [postgres.SWEEP_TASK],
        )
    else:
        await client.execute_query("UPDATE job SET due_ms = 0 WHERE status = 'todo'")


async def run_due_jobs(database_url: str, *, later_seconds: float = 0.0) -> None:
    """Run the due jobs until none is left; `later_seconds` runs the local worker's clock ahead
    (past the lease of a job whose worker died)."""
    if db.is_postgres(database_url):
        app = postgres.create_app(database_url)
        async with app.open_async():
            # One at a time: with wait=False, a worker stops once a fetch finds nothing, and
            # a job that another job schedules must be found after that one is done.
            await postgres.run_worker(app, wait=False, concurrency=1, install_signal_handlers=False)
        return
    await LocalWorker(clock=lambda: time.time() + later_seconds).run_until_idle()


async def scheduled_count() -> int:
    """Jobs not yet done (the sweep of stalled jobs left out)."""
    client = db.connection()
    if client.capabilities.dialect == "postgres":
        rows = await client.execute_query_dict(
            "SELECT count(*) AS n FROM procrastinate_jobs WHERE status IN ('todo', 'doing') "
            "AND task_name <> $1",
            [postgres.SWEEP_TASK],
        )
    else:
        rows = await client.execute_query_dict(
            "SELECT count(*) AS n FROM job WHERE status IN ('todo', 'doing')"
        )
    return int(rows[0]["n"])


async def first_payload(database_url: str) -> dict[str, Any]:
    """The payload of the first job scheduled (to run its handler by hand, twice)."""
    return (await payloads(database_url))[0]


async def payloads(database_url: str) -> list[dict[str, Any]]:
    """The payloads of the jobs scheduled, in order (to run their handlers by hand)."""
    if db.is_postgres(database_url):
        rows = await db.connection().execute_query_dict(
            "SELECT args FROM procrastinate_jobs WHERE task_name = $1 ORDER BY id", [queue.TASK]
        )
        decoded = [
            json.loads(row["args"]) if isinstance(row["args"], str) else row["args"] for row in rows
        ]
        return [args["payload"] for args in decoded]
    return [job.payload for job in await Job.all().order_by("id")]
