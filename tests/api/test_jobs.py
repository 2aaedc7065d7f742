"""The job engine (api/jobs): a job runs once it is due, exactly once with two workers racing
and with a worker killed mid-job, is retried when it fails, and exists only if the transaction
that scheduled it commits."""

from __future__ import annotations

import asyncio
import datetime
import os
import signal
import sys
from typing import Any

import pytest
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api import db
from api.flows.models import BotMessage, FlowNodeEntry, FlowRun
from api.jobs import local, postgres, queue, registry
from api.jobs.local import LocalWorker
from api.settings import RateLimitSettings, Settings
from tests.support import jobs
from tests.support.builders import publish_flow, wait_flow, workspace_key
from tests.support.server import PROPFLOW
from tests.support.visitor import Visitor

RACED_JOBS = 1000
KILL_TEST_SECONDS = 60
RACE_SECONDS = 300


@pytest.fixture
def settings(empty_db: str) -> Settings:
    """Jobs run when the test says; 1,000 new visitors in a test are not an abuse."""
    return Settings(
        database_url=empty_db, run_jobs=False, rate_limits=RateLimitSettings(enabled=False)
    )


@pytest.fixture
def executed() -> list[Any]:
    """What the test's job kinds ran, in order."""
    ran: list[Any] = []

    async def count(payload: dict[str, Any]) -> None:
        ran.append(payload["n"])

    registry.register("test.count", count)
    return ran


async def test_a_job_runs_once_it_is_due_and_not_before(app, empty_db, executed):
    async with in_transaction():
        await queue.schedule("test.count", {"n": 1}, at=now() + datetime.timedelta(hours=1))
        await queue.schedule("test.count", {"n": 2}, at=now() - datetime.timedelta(seconds=1))

    await jobs.run_due_jobs(empty_db)
    assert executed == [2]

    await jobs.make_due()
    await jobs.run_due_jobs(empty_db)
    assert executed == [2, 1]
    assert await jobs.scheduled_count() == 0


async def test_a_job_scheduled_in_a_rolled_back_transaction_does_not_exist(app, executed):
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await queue.schedule("test.count", {"n": 1}, at=now())
            raise RuntimeError("the step failed")

    assert await jobs.scheduled_count() == 0


async def test_two_workers_racing_run_each_due_job_once(app, empty_db, executed):
    async with in_transaction():
        for n in range(RACED_JOBS):
            await queue.schedule("test.count", {"n": n}, at=now())

    if db.is_postgres(empty_db):
        apps = [postgres.create_app(empty_db) for _ in range(2)]
        async with apps[0].open_async(), apps[1].open_async():
            await asyncio.gather(
                *(
                    postgres.run_worker(
                        worker, wait=False, concurrency=4, install_signal_handlers=False
                    )
                    for worker in apps
                )
            )
    else:
        await asyncio.gather(LocalWorker().run_until_idle(), LocalWorker().run_until_idle())

    assert sorted(executed) == list(range(RACED_JOBS))
    assert await jobs.scheduled_count() == 0


async def test_two_workers_racing_for_due_wake_ups_step_each_run_once(gql, empty_db):
    """1,000 runs whose Wait ends at once, and two workers: on PostgreSQL two `propflow worker`
    processes (each grouping the wake-ups it runs at once into transactions)."""
    await publish_flow(gql, "Nudge", wait_flow())
    key = await workspace_key(gql)
    for start in range(0, RACED_JOBS, 50):
        visitors = [Visitor(gql, key, visitor_id=f"v{n}") for n in range(start, start + 50)]
        await asyncio.gather(*(v.visit("https://shop.example/pricing") for v in visitors))
    await jobs.make_due()

    if db.is_postgres(empty_db):
        await _two_worker_processes_until_done(empty_db)
    else:
        await asyncio.gather(LocalWorker().run_until_idle(), LocalWorker().run_until_idle())

    assert await FlowRun.filter(status="completed").count() == RACED_JOBS
    assert await BotMessage.all().count() == RACED_JOBS
    assert await FlowNodeEntry.filter(node_id="m").count() == RACED_JOBS
    assert await jobs.scheduled_count() == 0


async def _two_worker_processes_until_done(url: str) -> None:
    workers = [
        await asyncio.create_subprocess_exec(
            PROPFLOW, "worker", "--db", url, "--log-level", "warning"
        )
        for _ in range(2)
    ]
    try:
        async with asyncio.timeout(RACE_SECONDS):
            # The runs' state is in the database, which sends no signal: poll it.
            while await FlowRun.filter(status="waiting").exists():  # noqa: ASYNC110
                await asyncio.sleep(0.2)
    finally:
        for worker in workers:
            worker.terminate()
            await worker.wait()


async def test_a_failing_job_is_retried_then_given_up(app, empty_db):
    attempts: list[int] = []

    async def fail(payload: dict[str, Any]) -> None:
        attempts.append(1)
        raise ValueError("the receiver is down")

    registry.register("test.fail", fail)
    async with in_transaction():
        await queue.schedule("test.fail", {}, at=now())

    for _ in range(queue.MAX_ATTEMPTS + 2):
        await jobs.make_due()  # past each retry's back-off
        await jobs.run_due_jobs(empty_db)

    assert len(attempts) == queue.MAX_ATTEMPTS
    assert await jobs.scheduled_count() == 0


async def test_a_worker_killed_mid_job_leaves_a_step_that_runs_exactly_once(gql, empty_db):
    """The worker dies after the step committed and before the job was marked done: the job
    is taken again (lease run out on SQLite, stalled worker on PostgreSQL) and does nothing."""
    flow_id = await publish_flow(gql, "Nudge", wait_flow())
    await Visitor(gql, await workspace_key(gql)).visit("https://shop.example/pricing")
    await jobs.make_due()

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.job_worker",
        empty_db,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    try:
        async with asyncio.timeout(KILL_TEST_SECONDS):
            while (line := await process.stdout.readline()) != b"COMMITTED\n":
                assert line, "the worker ended before it committed the step"
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()

    if db.is_postgres(empty_db):
        await _retry_stalled_jobs(empty_db)
    else:
        await jobs.run_due_jobs(empty_db, later_seconds=local.LEASE_SECONDS * 2)
    await jobs.run_due_jobs(empty_db)

    (run,) = await FlowRun.filter(flow_id=int(flow_id))
    assert run.status == "completed"
    assert [m.text for m in await BotMessage.all()] == ["Still looking?"]
    entered = await FlowNodeEntry.filter(run_id=run.id).values_list("node_id", flat=True)
    assert sorted(entered) == ["e", "m", "t", "w"]
    assert await jobs.scheduled_count() == 0


async def _retry_stalled_jobs(url: str) -> None:
    """Once the killed worker's heartbeat is a second old, its job goes back to the queue."""
    app = postgres.create_app(url)
    async with app.open_async(), asyncio.timeout(KILL_TEST_SECONDS):
        # The condition is in the database, which sends no signal: poll it.
        while not await postgres.retry_stalled_jobs(app, stalled_seconds=1.0):  # noqa: ASYNC110
            await asyncio.sleep(0.2)
