"""The PostgreSQL job engine: procrastinate runs the jobs that `api/jobs/queue.py` deferred.

One procrastinate task runs every kind (its arguments are the kind and the payload) with
back-off retries. A worker that dies mid-job leaves it `doing`; a sweep at start-up and every
minute gives such jobs of stalled workers (no heartbeat for STALLED_SECONDS) back to the queue,
and their handlers are idempotent, so the step runs once.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import procrastinate
from procrastinate.job_context import JobContext

from api.jobs import registry
from api.jobs.queue import MAX_ATTEMPTS, QUEUE, TASK

STALLED_SECONDS = 30.0
# Jobs a worker runs at once: wake-ups running together share a transaction
# (`api/flows/timers.py`), so more at once is fewer transactions, not only more overlap.
CONCURRENCY = 16
HEARTBEAT_SECONDS = 10.0
SWEEP_TASK = "propflow.retry_stalled_jobs"
# procrastinate counts retries, not runs.
RETRY = procrastinate.RetryStrategy(max_attempts=MAX_ATTEMPTS - 1, exponential_wait=5)
logger = logging.getLogger("propflow.jobs")


def create_app(database_url: str) -> procrastinate.App:
    """A procrastinate app on the database of `database_url` (a `postgres://` URL)."""
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url), max_size=8)
    )
    app.task(name=TASK, queue=QUEUE, retry=RETRY)(_run_job)
    sweep = app.task(name=SWEEP_TASK, queue=QUEUE, queueing_lock=SWEEP_TASK, pass_context=True)(
        _sweep
    )
    app.periodic(cron="* * * * *", periodic_id=SWEEP_TASK)(sweep)
    return app


def conninfo(database_url: str) -> str:
    """The URL as libpq reads it: without the options that only Tortoise understands."""
    parts = urlsplit(database_url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, "", ""))


async def run_worker(
    app: procrastinate.App,
    *,
    concurrency: int = CONCURRENCY,
    wait: bool = True,
    stalled_seconds: float = STALLED_SECONDS,
    name: str = "propflow",
    install_signal_handlers: bool = True,
) -> None:
    """Run a worker on the open `app`: until stopped, or with wait=False until no job is due."""
    await retry_stalled_jobs(app, stalled_seconds)
    await app.run_worker_async(
        queues=[QUEUE],
        concurrency=concurrency,
        wait=wait,
        name=name,
        install_signal_handlers=install_signal_handlers,
        stalled_worker_timeout=stalled_seconds,
        update_heartbeat_interval=min(HEARTBEAT_SECONDS, stalled_seconds / 3),
        fetch_job_polling_interval=1.0,
        delete_jobs="successful",
    )


async def retry_stalled_jobs(app: procrastinate.App, stalled_seconds: float) -> int:
    """Give the jobs of workers silent for `stalled_seconds` back to the queue; how many."""
    await app.job_manager.prune_stalled_workers(stalled_seconds)
    stalled = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_seconds))
    for job in stalled:
        logger.warning("Job %s of a stalled worker goes back to the queue", job.id)
        await app.job_manager.retry_job(job)
    return len(stalled)


async def _run_job(kind: str, payload: dict[str, Any]) -> None:
    await registry.run(kind, payload)


async def _sweep(context: JobContext, timestamp: int) -> None:
    await retry_stalled_jobs(context.app, STALLED_SECONDS)
