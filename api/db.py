"""The database: Tortoise config from a URL, opening and closing it, and applying migrations.

SQLite (aiosqlite, WAL) is the embedded default; PostgreSQL (asyncpg) is selected by a
`postgres://` URL. Tortoise reads the URL (`expand_db_url`: its query string sets SQLite pragmas
or asyncpg options); this module adds our defaults and turns what it refuses into one clear line.
The schema only ever changes through the versioned migrations in `api/migrations/`, applied by
`propflow migrate` and on `propflow serve` start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.exceptions import BaseORMException, ConfigurationError
from tortoise.migrations.api import migrate

APP_LABEL = "propflow"
MODEL_MODULES = [
    "api.workspaces.models",
    "api.properties.models",
    "api.contacts.models",
    "api.flows.models",
    "api.visitors.models",
    "api.inbox.models",
    "api.jobs.models",
    "api.webhooks.models",
    "api.persisted_queries.models",
]
DEFAULT_DATABASE_URL = "sqlite://propflow.db"
SQLITE_BUSY_TIMEOUT_MS = 5000
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5
# Tortoise's asyncpg client, with transactions that give their connection back whatever fails.
POSTGRES_ENGINE = "api.postgres_client"
POSTGRES_DEFAULTS = {"minsize": 1, "maxsize": 10, "timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS}


# What a driver raises when the server or file is unusable (refused, unknown role or database).
DRIVER_ERRORS = (OSError, asyncio.TimeoutError, asyncpg.PostgresError, BaseORMException)


class DatabaseError(Exception):
    """The database URL is unusable: unknown scheme, unreachable server, unwritable file."""


def tortoise_config(url: str) -> dict[str, Any]:
    """The Tortoise config for `url`; raises DatabaseError for a URL we cannot use."""
    # Named after the backend: Tortoise caches insert queries per connection name, so a process
    # that opens SQLite and then PostgreSQL (the test suite) must not reuse one name for both.
    name = "postgres" if is_postgres(url) else "sqlite"
    return {
        "connections": {name: _connection(url)},
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "default_connection": name,
                "migrations": "api.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _connection(url: str) -> dict[str, Any]:
    """Tortoise's reading of `url`, with our defaults where the URL leaves them out."""
    scheme = _scheme(url)
    if scheme not in ("sqlite", "postgres", "postgresql"):
        raise DatabaseError(
            f"Unsupported database URL scheme '{scheme}' in {url!r}: "
            "use sqlite://PATH or postgres://USER@HOST:PORT/DB"
        )
    try:
        connection = expand_db_url(url)
    except (ConfigurationError, ValueError) as error:  # no file; a bad port; an unclosed [IPv6
        if scheme == "sqlite" and isinstance(error, ConfigurationError):
            raise DatabaseError(
                f"The SQLite URL {url!r} names no file: use sqlite://propflow.db"
            ) from None
        raise DatabaseError(f"Malformed database URL {safe_url(url)!r}: {error}") from None
    credentials = connection["credentials"]
    if scheme == "sqlite":
        credentials.setdefault("busy_timeout", SQLITE_BUSY_TIMEOUT_MS)
        return connection
    if not credentials["host"] or not credentials["database"]:
        raise DatabaseError(
            f"The PostgreSQL URL {safe_url(url)!r} needs a host and a database name: "
            "postgres://USER@HOST:PORT/DB"
        )
    connection["engine"] = POSTGRES_ENGINE
    credentials["user"] = credentials["user"] or "postgres"
    credentials["password"] = credentials["password"] or ""
    for option, default in POSTGRES_DEFAULTS.items():
        credentials.setdefault(option, default)
    credentials["reset"] = _keep_session
    return connection


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """What the pool does to a connection given back, beyond rolling back a transaction left
    open: nothing. asyncpg's default (RESET ALL, UNLISTEN *, unlock advisory locks) is one more
    round trip after every query run outside a transaction, and Propflow keeps no session
    state: its locks are row locks, its notifications go through Redis."""


def is_postgres(url: str) -> bool:
    return _scheme(url) in ("postgres", "postgresql")


def _scheme(url: str) -> str:
    """The scheme, read without parsing the rest (which may be malformed)."""
    scheme, separator, _ = url.partition("://")
    return scheme.lower() if separator else ""


async def open_database(url: str) -> None:
    """Connect and check the database answers; raises DatabaseError with one clear line."""
    config = tortoise_config(url)
    _check_reachable(config)
    await Tortoise.init(config=config, _enable_global_fallback=True)
    try:
        await connection().execute_query("SELECT 1")
    except DRIVER_ERRORS as error:
        await Tortoise.close_connections()
        raise DatabaseError(f"Cannot use the database {safe_url(url)}: {error}") from error
    if not is_postgres(url):
        await _unicode_lower(connection())


async def _unicode_lower(client: BaseDBAsyncClient) -> None:
    """SQLite's lower() folds ASCII letters only: replace it with Python's, so text filters
    ignore case in every language, as they do on PostgreSQL ("é" finds "Émile")."""
    sqlite_connection = client._connection
    await sqlite_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


async def close_database() -> None:
    await Tortoise.close_connections()


async def apply_migrations(url: str) -> None:
    """Apply every pending migration to the database at `url`."""
    config = tortoise_config(url)
    _check_reachable(config)
    try:
        await migrate(config=config)
    except DRIVER_ERRORS as error:
        raise DatabaseError(f"Cannot migrate the database {safe_url(url)}: {error}") from error
    finally:
        await Tortoise.close_connections()


async def ping() -> bool:
    """Whether the open database answers a trivial query (for /healthz)."""
    try:
        await connection().execute_query("SELECT 1")
    except Exception:
        return False
    return True


def connection() -> BaseDBAsyncClient:
    """The open database's one connection (or pool)."""
    (name,) = connections.db_config
    return connections.get(name)


def timestamp(stored: datetime | str) -> datetime:
    """A timestamp column as the driver returns it (text on SQLite), aware as tortoise gives
    it, for reads that skip the model: `fromisoformat` costs a tenth of tortoise's parse."""
    moment = stored if isinstance(stored, datetime) else datetime.fromisoformat(stored)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return url.split("@", 1)[-1]
    if password:
        return url.replace(f":{password}@", ":***@", 1)
    return url


def _check_reachable(config: dict[str, Any]) -> None:
    """Fail fast, with a clear message, before a driver reports the problem its own way."""
    ((name, connection),) = config["connections"].items()
    credentials = connection["credentials"]
    if name == "postgres":
        address = (credentials["host"], credentials["port"])
        try:
            with socket.create_connection(address, timeout=POSTGRES_CONNECT_TIMEOUT_SECONDS):
                pass
        except OSError as error:
            raise DatabaseError(
                f"Cannot reach PostgreSQL at {address[0]}:{address[1]} ({error.strerror or error})"
            ) from None
        return
    path = Path(credentials["file_path"])
    if str(path) == ":memory:":
        return
    folder = path.parent.resolve()
    if not folder.is_dir():
        raise DatabaseError(f"Cannot create the SQLite database {path}: {folder} does not exist")
    if path.is_dir():
        raise DatabaseError(f"Cannot use {path} as the SQLite database: it is a folder")
    target = path if path.exists() else folder
    if not os.access(target, os.W_OK):
        raise DatabaseError(f"Cannot write the SQLite database {path}: permission denied")
    if path.exists():
        _check_sqlite_file(path)


def _check_sqlite_file(path: Path) -> None:
    """An existing file must be a SQLite database (the driver would hang on anything else)."""
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=5)) as connection:
            connection.execute("PRAGMA schema_version").fetchone()
    except sqlite3.Error as error:
        raise DatabaseError(f"Cannot open the SQLite database {path}: {error}") from None
