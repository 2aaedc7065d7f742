"""Scheduling a job, inside the caller's transaction: the job exists exactly when the state it
continues was committed, and a rolled-back step leaves no job behind.

On PostgreSQL the job goes into procrastinate's table through procrastinate's own defer
function, on the caller's connection; `propflow worker` (or `propflow serve --worker`) runs it.
On SQLite it goes into the `job` table, which the in-process worker of `propflow serve` reads
(`api/jobs/local.py`). Handlers are registered by kind (`api/jobs/registry.py`).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

from api import db
from api.jobs.models import Job

# Runs of a failing job before it is given up (with back-off between them), on both engines.
MAX_ATTEMPTS = 5
QUEUE = "propflow"
TASK = "propflow.job"
DEFER_SQL = (
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW($1::varchar, $2::varchar, 0, NULL, NULL, "
    "$3::jsonb, $4::timestamptz)::procrastinate_job_to_defer_v1])"
)

# The in-process worker of this process, told when a job is scheduled so it need not poll.
_wake: Callable[[], None] | None = None


async def schedule(kind: str, payload: dict[str, Any], *, at: datetime.datetime) -> None:
    """A job of `kind` that runs `payload` once `at` has come (at once when it has passed)."""
    client = db.connection()
    if client.capabilities.dialect == "postgres":
        args = json.dumps({"kind": kind, "payload": payload})
        await client.execute_query(DEFER_SQL, [QUEUE, TASK, args, at])
    else:
        await Job.create(kind=kind, payload=payload, due_ms=epoch_ms(at))
    if _wake is not None:
        _wake()


def epoch_ms(at: datetime.datetime) -> int:
    return int(at.timestamp() * 1000)


def on_schedule(wake: Callable[[], None] | None) -> None:
    """Install (or with None, remove) the in-process worker's wake-up call."""
    global _wake
    _wake = wake
