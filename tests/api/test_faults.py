"""Failures a retry can fix answer UNAVAILABLE with `retryable: true` (503 with Retry-After
outside GraphQL), never a masked "Unexpected error.": each fault is caused for real."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from tortoise.exceptions import OperationalError

from api import db, outages
from api.app import create_app
from api.contacts import models as contact_models
from api.faults import is_transient
from api.settings import Settings
from api.visitors import models as visitor_models
from api.workspaces import service as workspaces_service
from tests.support import databases
from tests.support.builders import workspace_key
from tests.support.graphql import GraphQLClient
from tests.support.private_redis import private_redis_server
from tests.support.visitor import TRACK, Visitor

CREATE = "mutation($v: [PropertyValueInput!]!) { createContact(values: $v) { id } }"


def assert_unavailable(error: dict) -> None:
    assert error["message"] == "The service is briefly unavailable: try again.", error
    extensions = error["extensions"]
    assert (extensions["code"], extensions["retryable"], extensions["retryAfter"]) == (
        "UNAVAILABLE",
        True,
        1,
    )
    assert extensions["requestId"]


def full_sqlite_error(folder: Path) -> sqlite3.Error:
    connection = sqlite3.connect(folder / "full.db")
    connection.execute("CREATE TABLE t (x BLOB)")
    connection.execute("PRAGMA max_page_count = 3")
    with pytest.raises(sqlite3.Error) as raised:
        for _ in range(100):
            connection.execute("INSERT INTO t VALUES (zeroblob(4096))")
    return raised.value


def locked_sqlite_error(folder: Path) -> sqlite3.Error:
    holder = sqlite3.connect(folder / "locked.db", isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    writer = sqlite3.connect(folder / "locked.db", timeout=0)
    with pytest.raises(sqlite3.Error) as raised:
        writer.execute("INSERT INTO t VALUES (1)")
    return raised.value


def test_a_full_or_locked_sqlite_database_is_a_fault_a_retry_can_fix(tmp_path: Path):
    assert "full" in str(full_sqlite_error(tmp_path))
    assert "locked" in str(locked_sqlite_error(tmp_path))
    assert is_transient(full_sqlite_error(tmp_path / ".."))
    assert is_transient(locked_sqlite_error(tmp_path / ".."))


def test_bugs_and_refusals_are_not_faults_a_retry_can_fix():
    with sqlite3.connect(":memory:") as connection:
        connection.execute("CREATE TABLE t (x UNIQUE)")
        connection.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(sqlite3.IntegrityError) as duplicate:
            connection.execute("INSERT INTO t VALUES (1)")
    assert not is_transient(duplicate.value)
    assert not is_transient(ValueError("a bug"))
    assert not is_transient(None)


@pytest.mark.postgres
async def test_a_terminated_postgres_backend_is_a_fault_a_retry_can_fix():
    url = await databases.prepare_postgres()
    victim = await asyncpg.connect(url)
    killer = await asyncpg.connect(url)
    try:
        await killer.fetchval("SELECT pg_terminate_backend($1)", victim.get_server_pid())
        with pytest.raises(Exception) as raised:
            await victim.fetchval("SELECT 1")
    finally:
        await killer.close()
        victim.terminate()
    assert is_transient(raised.value)


# A SQLite file's own limits, and PostgreSQL's own backends: each test runs on its backend only.
ON_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
ON_POSTGRES = pytest.mark.parametrize("db_url", ["postgres"], indirect=True)


@pytest.fixture
async def full_database() -> AsyncIterator[None]:
    """The app's SQLite file, filled to the last page it may have."""
    connection = db.connection()
    await connection.execute_script("CREATE TABLE filler (x BLOB)")
    await connection.execute_script("PRAGMA max_page_count = 1")  # as many as it has now
    for size in (65536, 4096, 512, 64, 8, 1):
        with contextlib.suppress(OperationalError):  # full for blobs of this size
            for _ in range(1000):
                await connection.execute_query(f"INSERT INTO filler VALUES (zeroblob({size}))")
    yield
    await connection.execute_script("PRAGMA max_page_count = 1073741823")


@ON_SQLITE
async def test_a_full_database_answers_unavailable_and_writes_again_once_there_is_room(
    gql: GraphQLClient, full_database: None
):
    value = [{"key": "name", "value": "x" * 9_000}]
    assert_unavailable(await gql.error(CREATE, v=value))

    await db.connection().execute_script("PRAGMA max_page_count = 1073741823")
    assert await gql(CREATE, v=value)
    assert await contact_models.Contact.all().count() == 1


@pytest.fixture
async def locked_database(db_url: str) -> AsyncIterator[sqlite3.Connection]:
    """Another process holds the SQLite file's write lock; the app waits 50 ms for it."""
    await db.connection().execute_script("PRAGMA busy_timeout = 50")
    holder = sqlite3.connect(db_url.removeprefix("sqlite://"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    yield holder
    if holder.in_transaction:
        holder.execute("ROLLBACK")
    holder.close()


@pytest.fixture
async def key(gql: GraphQLClient) -> str:
    return await workspace_key(gql)


@ON_SQLITE
async def test_a_page_view_while_the_database_is_locked_is_retried_and_counts_once(
    gql: GraphQLClient, key: str, locked_database: sqlite3.Connection
):
    visitor = Visitor(gql, key)
    assert_unavailable(await visitor.error(TRACK, url="/pricing", eventId="e-1"))
    locked_database.execute("ROLLBACK")

    first = await visitor.visit("/pricing", event_id="e-1")
    again = await visitor.visit("/pricing", event_id="e-1")
    assert again["duplicate"] and not first["duplicate"]
    assert await contact_models.Contact.all().count() == 1


@ON_SQLITE
async def test_a_database_outage_is_logged_once_when_it_starts_and_once_when_it_ends(
    gql: GraphQLClient,
    key: str,
    locked_database: sqlite3.Connection,
    caplog: pytest.LogCaptureFixture,
):
    visitor = Visitor(gql, key)
    outages.database_recovered()  # ends an outage an earlier test left open
    with caplog.at_level(logging.WARNING, logger="propflow.outages"):
        for index in range(3):
            await visitor.error(TRACK, url="/pricing", eventId=f"e-{index}")
        locked_database.execute("ROLLBACK")
        for index in range(3):
            await visitor.visit("/pricing", event_id=f"e-{index}")

    outage = [(r.levelname, r.getMessage()) for r in caplog.records if r.name.endswith("outages")]
    assert [level for level, _ in outage] == ["WARNING", "WARNING"]
    assert outage[0][1].startswith("The database is unavailable: OperationalError(")
    assert re.fullmatch(r"The database is available again after \d+\.\d s", outage[1][1])


@ON_SQLITE
async def test_a_locked_database_answers_503_with_retry_after_on_import(
    client: httpx.AsyncClient, gql: GraphQLClient, locked_database: sqlite3.Connection
):
    response = await client.post(
        "/import/contacts.csv",
        content="email\nann@example.com\n",
        headers={"Authorization": f"Bearer {gql.token}", "Content-Type": "text/csv"},
    )
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1"
    assert response.json()["code"] == "UNAVAILABLE"
    locked_database.execute("ROLLBACK")
    assert await contact_models.Contact.all().count() == 0


@ON_POSTGRES
async def test_terminated_postgres_backends_answer_unavailable_never_a_masked_error(
    gql: GraphQLClient, db_url: str
):
    killer = await asyncpg.connect(db_url)
    answers = []
    try:
        for index in range(20):
            await killer.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            body = await gql.execute(CREATE, v=[{"key": "name", "value": f"Ann {index}"}])
            for error in body.get("errors") or []:
                assert_unavailable(error)
            answers.append("error" if body.get("errors") else "ok")
    finally:
        await killer.close()
    assert "ok" in answers  # the pool heals: later requests get fresh connections


@pytest.fixture
def immutable(db_url: str) -> Iterator[Callable[[bool], None]]:
    """Makes the app's SQLite file and its write-ahead log immutable (`chattr +i`: not even
    root may write them), or writable again. Its shared-memory index stays writable: SQLite
    maps it, and a process writing to an immutable mapping dies of SIGBUS."""
    path = db_url.removeprefix("sqlite://")
    files = [path, f"{path}-wal"]
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")

    def set_immutable(on: bool) -> None:
        subprocess.run(["chattr", "+i" if on else "-i", *files], check=True, capture_output=True)

    try:
        set_immutable(False)
    except subprocess.CalledProcessError as error:
        pytest.skip(f"chattr is not permitted here: {error.stderr.decode().strip()}")
    yield set_immutable
    set_immutable(False)


@ON_SQLITE
async def test_an_immutable_database_file_answers_unavailable_and_writes_again_once_writable(
    gql: GraphQLClient, immutable: Callable[[bool], None]
):
    assert await gql(CREATE, v=[{"key": "name", "value": "Ann"}])
    immutable(True)
    for name in ("Bob", "C" * 9_000):  # into the log, and past a page
        assert_unavailable(await gql.error(CREATE, v=[{"key": "name", "value": name}]))

    immutable(False)
    assert await gql(CREATE, v=[{"key": "name", "value": "Dee"}])
    assert await contact_models.Contact.all().count() == 2


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MiB tmpfs of the test's own, to fill (skipped where mounting is not permitted)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounting = ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(folder)]
    mounted = subprocess.run(mounting, capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)


def fill(path: Path) -> None:
    """Write `path` until its file system has no room left."""
    with path.open("wb", buffering=0) as filler, contextlib.suppress(OSError):
        while True:
            filler.write(b"\0" * 4096)


async def test_page_views_on_a_full_disk_answer_unavailable_and_count_once_once_there_is_room(
    sqlite_template: Path, small_disk: Path
):
    # Once answered 200 with a masked "Unexpected error.", which the widget does not retry.
    url = databases.fresh_sqlite_url(sqlite_template, small_disk)
    async with LifespanManager(create_app(Settings(database_url=url))) as manager:
        transport = httpx.ASGITransport(app=manager.app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            _, token = await workspaces_service.create_operator(
                email="ops@example.com", workspace_name="Acme"
            )
            visitor = Visitor(
                GraphQLClient(http, token), await workspace_key(GraphQLClient(http, token))
            )
            await visitor.visit("/", event_id="before")
            fill(small_disk / "filler")
            refused = []
            for index in range(200):  # the log may still have room for a few
                body = await visitor.client.execute(
                    TRACK,
                    key=visitor.key,
                    visitor=visitor.id,
                    url=f"/{index}",
                    eventId=f"e-{index}",
                )
                if body.get("errors"):
                    assert_unavailable(body["errors"][0])
                    refused.append(index)
                    if len(refused) == 5:
                        break
            assert refused, "the disk never filled up"

            (small_disk / "filler").unlink()
            for index in refused:  # the widget's retries, with the same event ids
                await visitor.visit(f"/{index}", event_id=f"e-{index}")
            sent = refused[-1] + 2  # "before", and /0 to the last refused
            assert await visitor_models.VisitorEvent.all().count() == sent


@pytest.mark.parametrize("fault", ["stopped", "frozen"])
async def test_writes_answer_while_redis_is_stopped_or_frozen(empty_db: str, fault: str):
    """The broker and the rate limits both use Redis: neither may hold a mutation."""
    with private_redis_server() as redis:
        application = create_app(Settings(database_url=empty_db, redis_url=redis.url))
        async with LifespanManager(application) as manager:
            transport = httpx.ASGITransport(app=manager.app)  # type: ignore[arg-type]
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                _, token = await workspaces_service.create_operator(
                    email="ops@example.com", workspace_name="Acme"
                )
                gql = GraphQLClient(http, token)
                redis.kill() if fault == "stopped" else redis.freeze()
                try:
                    # A frozen Redis once held each mutation for seconds.
                    async with asyncio.timeout(5):
                        for index in range(5):
                            await gql(CREATE, v=[{"key": "name", "value": f"Ann {index}"}])
                finally:
                    if fault == "frozen":
                        redis.thaw()
                assert await contact_models.Contact.all().count() == 5
