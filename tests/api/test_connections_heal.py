"""A PostgreSQL connection that fails is discarded: the next transaction gets a fresh one.

The page-view group committer's task lives as long as views keep arriving, so nothing a failed
transaction leaves behind may outlive that transaction (api/group_commit.py), and a connection
goes back to the pool whatever failed (api/postgres_client.py). Backends are terminated for
real (`pg_terminate_backend`); the one fault that cannot be caused on purpose, asyncpg failing
to release a connection a terminated backend left mid-operation (a race between the error and
the end of the socket, seen under load), is reproduced by making the release fail as asyncpg's
does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from asyncpg.pool import Pool
from tortoise.transactions import in_transaction

from api import db, faults
from api.contacts.models import Contact
from api.visitors import page_views
from api.visitors.page_views import PageView
from api.workspaces import service as workspaces_service
from tests.support.builders import workspace_key
from tests.support.graphql import GraphQLClient

ON_POSTGRES = pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
TERMINATE_THE_OTHERS = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


@pytest.fixture
async def workspace_id(gql: GraphQLClient) -> int:
    return (await workspaces_service.workspace_for_key(await workspace_key(gql))).id


@pytest.fixture
async def watcher(db_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection of the test's own, to lock tables and terminate the app's backends."""
    connection = await asyncpg.connect(db_url)
    yield connection
    await connection.close()


def views(workspace_id: int, *names: str) -> list[PageView]:
    return [PageView(workspace_id, f"visitor-{name}", "/pricing", f"e-{name}") for name in names]


async def blocked_backend(watcher: asyncpg.Connection) -> int:
    """The pid of this database's backend waiting for a lock, once there is one."""
    while True:
        pid = await watcher.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        if pid is not None:
            return int(pid)
        await asyncio.sleep(0.01)


@ON_POSTGRES
async def test_views_whose_backend_was_terminated_mid_query_are_applied_on_a_fresh_connection(
    workspace_id: int, db_url: str, watcher: asyncpg.Connection
):
    group = views(workspace_id, "a", "b", "c")
    holder = await asyncpg.connect(db_url)
    try:
        locking = holder.transaction()
        await locking.start()
        await holder.execute("LOCK TABLE contact IN ACCESS EXCLUSIVE MODE")
        applying = asyncio.gather(*(page_views.track(view) for view in group))
        await watcher.fetchval(
            "SELECT pg_terminate_backend($1, 5000)", await blocked_backend(watcher)
        )
        await locking.rollback()
        results = await applying
    finally:
        await holder.close()

    assert [result.duplicate for result in results] == [False] * 3
    again = [await page_views.track(view) for view in group]
    assert [result.duplicate for result in again] == [True] * 3
    assert await Contact.all().count() == 3


@ON_POSTGRES
async def test_a_connection_whose_release_failed_is_not_used_again_by_the_next_group(
    workspace_id: int, monkeypatch: pytest.MonkeyPatch
):
    first, second = views(workspace_id, "first", "second")
    release = Pool.release
    failing = asyncio.Event()
    queued: list[asyncio.Task] = []

    async def failing_once(pool: Pool, connection: object, **options: float | None) -> None:
        """As asyncpg's release does when its reset fails: the connection goes, the error is
        raised. The second view arrives meanwhile and waits for the next group."""
        if failing.is_set():
            return await release(pool, connection, **options)
        failing.set()
        queued.append(asyncio.create_task(page_views.track(second)))
        await release(pool, connection, **options)
        raise asyncpg.InternalClientError(
            "cannot switch to state 15; another operation (2) is in progress"
        )

    monkeypatch.setattr(Pool, "release", failing_once)
    # Committed before its connection failed: no failure of the view's.
    assert not (await page_views.track(first)).duplicate
    (applying,) = queued
    assert not (await applying).duplicate

    assert (await page_views.track(first)).duplicate
    assert await Contact.all().count() == 2


@ON_POSTGRES
async def test_transactions_failing_on_terminated_backends_leave_no_connection_behind(
    workspace_id: int, watcher: asyncpg.Connection
):
    # A transaction started right after its backend was terminated fails at BEGIN, or at its
    # first statement, before asyncpg has seen the socket close. Tortoise's own transaction
    # then kept the connection out of the pool and in the task's context: the pool was one
    # short for good (and closing it waited for that one), and each later transaction of the
    # task ran on the dead connection.
    pool = db.connection()._pool
    failed = 0
    for _ in range(10):
        await Contact.filter(workspace_id=workspace_id).count()  # the pool's connection is live
        await watcher.execute(TERMINATE_THE_OTHERS)
        try:
            async with in_transaction():
                await Contact.filter(workspace_id=workspace_id).count()
        except Exception as error:
            assert faults.is_transient(error)
            failed += 1

    assert failed > 0, "no transaction met a terminated backend: the test tested nothing"
    assert pool.get_size() == pool.get_idle_size()  # every connection is back in the pool
    async with in_transaction():  # and this task's next transaction gets a live one
        assert await Contact.filter(workspace_id=workspace_id).count() == 0


@ON_POSTGRES
async def test_a_read_right_after_its_backend_was_terminated_is_answered_on_a_fresh_connection(
    workspace_id: int, watcher: asyncpg.Connection
):
    # Nothing was written: the read is made again once the pool has replaced its connections,
    # rather than refused with UNAVAILABLE.
    for _ in range(10):
        await Contact.filter(workspace_id=workspace_id).count()
        await watcher.execute(TERMINATE_THE_OTHERS)
        assert await Contact.filter(workspace_id=workspace_id).count() == 0
