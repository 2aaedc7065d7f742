"""The worker a server runs beside serving (`propflow serve`: always on SQLite, with --worker on
PostgreSQL): a wait that comes due goes on without anyone running the jobs by hand."""

from __future__ import annotations

import asyncio

import pytest

from api.flows.models import FlowRun
from api.settings import Settings
from tests.support import jobs
from tests.support.builders import publish_flow, wait_flow, workspace_key
from tests.support.visitor import Visitor

SECONDS = 30


@pytest.fixture
def settings(empty_db: str) -> Settings:
    return Settings(database_url=empty_db, run_jobs=True)


async def test_the_servers_own_worker_continues_a_due_wait(gql):
    flow_id = await publish_flow(gql, "Nudge", wait_flow())
    await Visitor(gql, await workspace_key(gql)).visit("https://shop.example/pricing")

    await jobs.make_due()

    async with asyncio.timeout(SECONDS):
        # The worker polls the database; so does the test, for the run it finishes.
        while (await FlowRun.get(flow_id=int(flow_id))).status != "completed":  # noqa: ASYNC110
            await asyncio.sleep(0.1)
