"""The worker a server process runs beside serving: SQLite's in-process worker, or on
PostgreSQL (when asked: `propflow serve --worker`) a procrastinate worker in the same process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from typing import Any

from api import db
from api.jobs import postgres, queue
from api.jobs.local import LocalWorker


@contextlib.asynccontextmanager
async def in_process_worker(database_url: str) -> AsyncIterator[None]:
    """Run due jobs in this process while the context lasts (the database is open)."""
    if db.is_postgres(database_url):
        app = postgres.create_app(database_url)
        async with app.open_async():
            worker = postgres.run_worker(app, install_signal_handlers=False)
            async with _running(worker):
                yield
        return
    local = LocalWorker()
    queue.on_schedule(local.wake)
    try:
        async with _running(local.run_forever()):
            yield
    finally:
        queue.on_schedule(None)


@contextlib.asynccontextmanager
async def _running(work: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    task = asyncio.create_task(work)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
