"""Which failures a retry can fix: the database or the broker briefly away, not the request.

A lost or terminated connection, a deadlock or serialization failure, a locked, busy or full
database, an I/O error, a broker out of reach: each is answered as `UNAVAILABLE` with
`retryable: true` (HTTP 503 with `Retry-After` outside GraphQL), so that clients retry
instead of losing what they sent. Anything else stays an unexpected error, masked and logged.
The ORM wraps driver errors, so the whole chain of causes is looked at.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator

import asyncpg
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from tortoise.exceptions import DBConnectionError

RETRY_AFTER_SECONDS = 1
DATABASE, BROKER = "the database", "the broker"
# SQLSTATE classes: connection exception, transaction rollback (serialization, deadlock),
# insufficient resources (disk full, too many connections), operator intervention (shutdown,
# cannot connect now), system error (I/O).
_POSTGRES_CLASSES = ("08", "40", "53", "57", "58")
_SQLITE_MESSAGES = (
    "database is locked",
    "database table is locked",
    "database or disk is full",
    "disk i/o error",
    "unable to open database file",
    "attempt to write a readonly database",
)
_OS_ERRNOS = {errno.ENOSPC, errno.EIO, errno.EROFS, errno.EDQUOT}
_LOST = (
    asyncpg.InterfaceError,  # the connection is closed
    asyncpg.InternalClientError,  # left mid-operation by a lost connection
    asyncpg.PostgresConnectionError,  # SQLSTATE 08: lost in the middle of an operation
    asyncpg.AdminShutdownError,  # terminated, or the server shuts down
    asyncpg.CrashShutdownError,
    ConnectionError,
)


def is_transient(error: BaseException | None) -> bool:
    """Whether `error`, or any error it was raised from, is one a retry can fix."""
    return any(_transient(cause) for cause in _causes(error))


def is_connection_lost(error: BaseException | None) -> bool:
    """Whether `error`, or any error it was raised from, says a PostgreSQL connection is gone
    (closed, terminated by the server, or left mid-operation by a loss): the pool's other
    connections, opened to the same server, are likely gone too."""
    return any(isinstance(cause, _LOST) for cause in _causes(error))


def dependency_of(error: BaseException | None) -> str:
    """'the broker' or 'the database': which one failed, for the log."""
    broker = (RedisConnectionError, RedisTimeoutError)
    return BROKER if any(isinstance(c, broker) for c in _causes(error)) else DATABASE


def _transient(error: BaseException) -> bool:
    if isinstance(error, asyncpg.PostgresError):
        return str(getattr(error, "sqlstate", "") or "")[:2] in _POSTGRES_CLASSES
    if isinstance(error, asyncpg.InterfaceError | asyncpg.InternalClientError):
        return True  # a closed connection, or one left mid-operation by a lost one
    if isinstance(error, sqlite3.OperationalError | sqlite3.DatabaseError):
        return str(error).lower().startswith(_SQLITE_MESSAGES)
    if isinstance(error, DBConnectionError | RedisConnectionError | RedisTimeoutError):
        return True
    if isinstance(error, ConnectionError | TimeoutError):
        return True
    return isinstance(error, OSError) and error.errno in _OS_ERRNOS


def _causes(error: BaseException | None) -> Iterator[BaseException]:
    """The error, what it was raised from, and an error it wraps as its first argument (as the
    ORM does), without looping."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending.extend([current.__cause__, current.__context__])
        pending.extend(arg for arg in current.args[:1] if isinstance(arg, BaseException))
