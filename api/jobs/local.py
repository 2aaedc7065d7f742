"""The in-process worker of SQLite: claims due rows of the `job` table and runs them.

A claim is one UPDATE … RETURNING (atomic under SQLite's write lock), so two workers never take
the same job; it holds a lease, and a job whose worker died mid-run is taken again once its
lease has run out (handlers are idempotent). A failing job is retried with back-off up to
MAX_ATTEMPTS, then kept as `failed` with its error. Done jobs are deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from api import db
from api.jobs import registry
from api.jobs.queue import MAX_ATTEMPTS

LEASE_SECONDS = 60.0
POLL_SECONDS = 1.0
BATCH = 200
BACKOFF_SECONDS = 5.0
logger = logging.getLogger("propflow.jobs")

DUE_SQL = (
    "SELECT 1 FROM job WHERE due_ms <= ? AND (status = 'todo' OR (status = 'doing' AND "
    "lease_ms < ?)) LIMIT 1"
)
CLAIM_SQL = (
    "UPDATE job SET status = 'doing', attempts = attempts + 1, lease_ms = ? "
    "WHERE id IN (SELECT id FROM job WHERE due_ms <= ? "
    "AND (status = 'todo' OR (status = 'doing' AND lease_ms < ?)) ORDER BY due_ms, id LIMIT ?) "
    "RETURNING id, kind, payload, attempts"
)

RETRY_SQL = "UPDATE job SET status = ?, due_ms = ?, last_error = ? WHERE id = ? AND attempts = ?"


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


class LocalWorker:
    """Runs the due jobs of the `job` table; `run_forever` in `propflow serve`, `run_until_idle`
    for tests and the benchmark."""

    def __init__(
        self,
        *,
        lease_seconds: float = LEASE_SECONDS,
        poll_seconds: float = POLL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self.clock = clock
        self._woken = asyncio.Event()

    def wake(self) -> None:
        self._woken.set()

    async def run_forever(self) -> None:
        while True:
            try:
                ran = await self.run_due()
            except Exception:  # a busy or lost database: try again at the next poll
                logger.warning("Could not claim due jobs", exc_info=True)
                ran = 0
            if not ran:
                self._woken.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._woken.wait(), self.poll_seconds)

    async def run_until_idle(self) -> int:
        """Run due jobs until none is left; how many ran."""
        total = 0
        while ran := await self.run_due():
            total += ran
        return total

    async def run_due(self) -> int:
        """Claim a batch of due jobs and run them at once (handlers that group their work, as
        the wake-ups of timers do, then share transactions); how many were claimed. The done
        ones are deleted together at the end (one commit, not one each): a job whose worker
        dies before that runs again, and handlers are idempotent."""
        claimed = await self._claim()
        executed = await asyncio.gather(*(self._execute(job) for job in claimed))
        done = [job for job, ok in zip(claimed, executed, strict=True) if ok]
        if done:
            # Only these claims' rows: a job whose lease ran out may have been claimed again.
            pairs = " OR ".join("(id = ? AND attempts = ?)" for _ in done)
            await db.connection().execute_query(
                f"DELETE FROM job WHERE {pairs}",
                [value for job in done for value in (job.id, job.attempts)],
            )
        return len(claimed)

    async def _claim(self) -> list[Claimed]:
        now_ms = int(self.clock() * 1000)
        client = db.connection()
        # A read first: an idle poll must not take SQLite's write lock.
        if not await client.execute_query_dict(DUE_SQL, [now_ms, now_ms]):
            return []
        lease_ms = now_ms + int(self.lease_seconds * 1000)
        rows = await client.execute_query_dict(CLAIM_SQL, [lease_ms, now_ms, now_ms, BATCH])
        return [
            Claimed(row["id"], row["kind"], json.loads(row["payload"]), row["attempts"])
            for row in rows
        ]

    async def _execute(self, job: Claimed) -> bool:
        """Run one job; whether it is done (else it was put back for a retry, or given up)."""
        try:
            await registry.run(job.kind, job.payload)
        except Exception as error:
            logger.warning("Job %s (%s) failed, attempt %s", job.id, job.kind, job.attempts)
            status = "failed" if job.attempts >= MAX_ATTEMPTS else "todo"
            due_ms = int((self.clock() + BACKOFF_SECONDS * 2**job.attempts) * 1000)
            await db.connection().execute_query(
                RETRY_SQL,
                [status, due_ms, f"{type(error).__name__}: {error}"[:500], job.id, job.attempts],
            )
            return False
        return True
