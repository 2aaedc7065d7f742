"""A worker process for the kill test: it runs the real job handlers, but once a `flow.wake`
job has committed its step it prints COMMITTED and hangs, so that the test can kill it between
the commit and the job's completion (the worst moment: the step is done, the job is not)."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from api import db, pubsub
from api.app import register_jobs
from api.flows import timers
from api.flows.pending import WAKE_JOB
from api.jobs import postgres, registry
from api.jobs.local import LocalWorker
from api.settings import Settings


async def wake_then_hang(payload: dict[str, Any]) -> None:
    await timers.wake(payload)
    print("COMMITTED", flush=True)
    await asyncio.Event().wait()


async def main(url: str) -> None:
    register_jobs(Settings.from_env(database_url=url))
    registry.register(WAKE_JOB, wake_then_hang)
    await db.open_database(url)
    broker = pubsub.create_broker(None)
    await broker.start()
    pubsub.install(broker)
    print("READY", flush=True)
    if db.is_postgres(url):
        app = postgres.create_app(url)
        async with app.open_async():
            await postgres.run_worker(app, install_signal_handlers=False)
    else:
        await LocalWorker().run_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
