"""Test databases: a migrated SQLite template copied per test, and a PostgreSQL database
migrated once per session and truncated before each test."""

from __future__ import annotations

import os
import shutil
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from api import db

POSTGRES_URL = os.environ.get(
    "PROPFLOW_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/propflow_test"
)
IN_CI = os.environ.get("CI", "").lower() == "true"


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
    template = folder / "template.db"
    await db.apply_migrations(f"sqlite://{template}")
    return template


def fresh_sqlite_url(template: Path, folder: Path) -> str:
    target = folder / "propflow.db"
    shutil.copyfile(template, target)
    return f"sqlite://{target}"


async def prepare_postgres() -> str:
    """Create the test database when missing and migrate it."""
    parts = urlsplit(POSTGRES_URL)
    require_service("PostgreSQL", parts.hostname or "127.0.0.1", parts.port or 5432)
    name = parts.path.lstrip("/")
    admin = await asyncpg.connect(POSTGRES_URL.replace(f"/{name}", "/postgres"))
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    await db.apply_migrations(POSTGRES_URL)
    return POSTGRES_URL


async def truncate_postgres(url: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'tortoise_migrations'"
        )
        names = ", ".join(f'"{row["tablename"]}"' for row in tables)
        await connection.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
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
