"""Test databases: a migrated SQLite template copied per test, and a PostgreSQL database
migrated once per session (one per pytest-xdist worker) and emptied before each test."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sqlite3
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from api import db


def _of_this_worker(url: str) -> str:
    """Under pytest-xdist each worker has a database of its own: `NAME_gw0`, `NAME_gw1`…"""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path}_{worker}"))


POSTGRES_URL = _of_this_worker(
    os.environ.get("PROPFLOW_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/propflow_test")
)
IN_CI = os.environ.get("CI", "").lower() == "true"

# Runs of the suite side by side (xdist workers, other checkouts) share one Redis, whose
# pub/sub channels are named after workspace ids (`contacts:ID`, `inbox:ID`): each process numbers
# its workspaces from an offset of its own, so that its channels meet no other process's.
WORKSPACE_IDS_FROM = (os.getpid() % 2_000_000) * 1000 + 1


def backends() -> list[str]:
    """The backends to run: both, or the one PROPFLOW_TEST_DB pins."""
    pinned = os.environ.get("PROPFLOW_TEST_DB")
    if pinned:
        if pinned not in ("sqlite", "postgres"):
            raise pytest.UsageError("PROPFLOW_TEST_DB must be sqlite or postgres")
        return [pinned]
    return ["sqlite", "postgres"]


def require_service(name: str, host: str, port: int) -> None:
    """Skip (fail in CI) when a server the test needs is not listening."""
    try:
        with socket.create_connection((host, port), timeout=2):
            return
    except OSError:
        message = f"{name} is not running on {host}:{port}"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: it must be)")
        pytest.skip(message)


async def migrated_sqlite_template(folder: Path) -> Path:
    """Migrated, with workspace ids from this process's offset (see WORKSPACE_IDS_FROM)."""
    template = folder / "template.db"
    await db.apply_migrations(f"sqlite://{template}")
    with contextlib.closing(sqlite3.connect(template)) as database, database:
        database.execute("DELETE FROM sqlite_sequence WHERE name = 'workspace'")
        database.execute(
            "INSERT INTO sqlite_sequence (name, seq) VALUES ('workspace', ?)",
            (WORKSPACE_IDS_FROM - 1,),
        )
    return template


def fresh_sqlite_url(template: Path, folder: Path) -> str:
    target = folder / "propflow.db"
    shutil.copyfile(template, target)
    return f"sqlite://{target}"


async def prepare_postgres() -> str:
    """Create the test database (this xdist worker's) when missing and migrate it."""
    parts = urlsplit(POSTGRES_URL)
    require_service("PostgreSQL", parts.hostname or "127.0.0.1", parts.port or 5432)
    name = parts.path.lstrip("/")
    admin = await asyncpg.connect(POSTGRES_URL.replace(f"/{name}", "/postgres"))
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
        # A test database need not outlive a crash: commits return without waiting for the disk.
        await admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    finally:
        await admin.close()
    await db.apply_migrations(POSTGRES_URL)
    return POSTGRES_URL


# DELETE (foreign keys and triggers off for the transaction: the test role is a superuser) and
# setval empty the database about forty times faster than TRUNCATE … RESTART IDENTITY, which
# makes new files for every table and sequence (20 ms against 1 s on a busy machine); the ids
# restart all the same.
EMPTY_EVERY_TABLE = f"""
DO $$
DECLARE
  found record;
BEGIN
  SET LOCAL session_replication_role = replica;
  FOR found IN SELECT tablename FROM pg_tables
      WHERE schemaname = 'public' AND tablename <> 'tortoise_migrations' LOOP
    EXECUTE format('DELETE FROM %I', found.tablename);
  END LOOP;
  FOR found IN SELECT sequence.relname AS name, owner.relname AS owner
      FROM pg_class sequence
      JOIN pg_depend link ON link.objid = sequence.oid AND link.classid = 'pg_class'::regclass
      JOIN pg_class owner ON owner.oid = link.refobjid
      JOIN pg_namespace space ON space.oid = sequence.relnamespace
      WHERE sequence.relkind = 'S' AND space.nspname = 'public'
        AND owner.relname <> 'tortoise_migrations' LOOP
    PERFORM setval(quote_ident(found.name),
      CASE WHEN found.owner = 'workspace' THEN {WORKSPACE_IDS_FROM} ELSE 1 END, false);
  END LOOP;
END $$"""


async def truncate_postgres(url: str) -> None:
    """Empty every table of the app (not the migration history), restarting their ids."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(EMPTY_EVERY_TABLE)
    finally:
        await connection.close()


REDIS_URL = os.environ.get("PROPFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require_redis() -> str:
    parts = urlsplit(REDIS_URL)
    require_service("Redis", parts.hostname or "127.0.0.1", parts.port or 6379)
    return REDIS_URL


def wait_for_port(port: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")
