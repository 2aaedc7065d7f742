"""The PostgreSQL engine: Tortoise's asyncpg client, whose connections go back to the pool
whatever failed, whose pool replaces its connections when one was lost, and closes promptly.

Tortoise's pooled transaction (1.1.9) takes a connection from the pool, points its context
variable at it and sends BEGIN. When BEGIN fails (the connection's backend was terminated a
moment before, say) it neither gives the connection back nor resets the variable; when giving it
back fails, the reset is skipped too (tortoise/tortoise-orm#1438). The pool was then a
connection short for good, closing it waited for that connection, and the task went on running
each later transaction on the dead one. Here a connection goes back and the variable is reset
whatever failed (asyncpg discards a connection it cannot reset).

A server that terminates one connection (a restart, a failover, an administrator) has usually
terminated them all, and asyncpg notices each only when it is next used: after a connection is
lost, the pool's others are replaced too (`Pool.expire_connections`), so the retry of what
failed gets a fresh connection rather than the next dead one. A read outside a transaction is
retried so at once; a transaction is the caller's to retry (`api/group_commit.py`).

`db.tortoise_config` names this module as the engine of every PostgreSQL URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import (
    PoolConnectionWrapper,
    TransactionContext,
    TransactionContextPooled,
)
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError

from api import faults, outages

# Requests and jobs are done when the pool closes: a connection still in use then is one a fault
# left behind, not worth waiting for.
CLOSE_SECONDS = 2

logger = logging.getLogger("propflow.db")


class PostgresClient(AsyncpgDBClient):
    def _in_transaction(self) -> TransactionContext:
        return _Transaction(TransactionWrapper(self), self._pool_init_lock)

    def acquire_connection(self) -> Any:
        return _PooledConnection(self, self._pool_init_lock)

    async def execute_query(self, query: str, values: list[Any] | None = None) -> Any:
        return await _reading_again(super().execute_query, query, values)

    async def execute_query_dict(self, query: str, values: list[Any] | None = None) -> Any:
        return await _reading_again(super().execute_query_dict, query, values)

    async def _close(self) -> None:
        if self._pool is None:
            return
        try:
            await asyncio.wait_for(self._pool.close(), CLOSE_SECONDS)
        except TimeoutError:
            logger.warning("Database connections still in use at shutdown were terminated")
            self._pool.terminate()
        self._pool = None


class _Transaction(TransactionContextPooled):
    """A transaction on a connection of the pool, given back whatever fails."""

    async def __aenter__(self) -> Any:
        await self.ensure_connection()
        self.client._connection = await self.client._parent._pool.acquire()
        self.token = get_connections().set(self.connection_name, self.client)
        try:
            await self.client.begin()
        except BaseException as error:
            await self._give_back(error)
            raise
        return self.client

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        error = exc_val
        try:
            if self.client._finalized:
                pass
            elif exc_type is None:
                await self.client.commit()
            elif exc_type is not TransactionManagementError:
                # The body's error is the one to report: a connection that cannot roll back is
                # one that was lost, and the transaction is not committed either way.
                with contextlib.suppress(Exception):
                    await self.client.rollback()
        except BaseException as commit_error:
            error = commit_error
            raise
        finally:
            await self._give_back(error)

    async def _give_back(self, error: BaseException | None) -> None:
        try:
            await _give_back(self.client._parent, self.client._connection, error)
        finally:
            get_connections().reset(self.token)


class _PooledConnection(PoolConnectionWrapper[Any]):
    """A connection of the pool for one query, given back as a transaction's is."""

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        await _give_back(self.client, self.connection, exc_val)


async def _reading_again(
    execute: Callable[[str, list[Any] | None], Awaitable[Any]],
    query: str,
    values: list[Any] | None,
) -> Any:
    """`execute(query, values)`, once more when `_read_again` says the failure allows it."""
    try:
        return await execute(query, values)
    except Exception as error:
        if not _read_again(query, error):
            raise
    return await execute(query, values)


def _read_again(query: str, error: Exception) -> bool:
    """Whether `query`, which failed of `error`, is a read outside a transaction that lost its
    connection: nothing was written, and the pool has replaced its connections meanwhile, so
    it is read again rather than refused (a transaction's statements are never retried)."""
    if not (query.lstrip()[:6].upper() == "SELECT" and faults.is_connection_lost(error)):
        return False
    logger.info("A read whose connection was lost is read again: %r", error)
    return True


async def _give_back(client: Any, connection: Any, error: BaseException | None) -> None:
    """`connection` back to `client`'s pool, which discards one it cannot reset (a lost one):
    that is no failure of what ran on it, committed or not before. When `error` says it was
    lost, the pool's other connections are replaced too."""
    pool = client._pool
    if pool is None:  # closed meanwhile: closing took the connection back
        return
    try:
        await pool.release(connection)
    except Exception as release_error:
        logger.info("A connection that could not be reset was discarded: %r", release_error)
        error = error or release_error
    if error is None:
        outages.database_recovered()
    elif faults.is_connection_lost(error):
        logger.info("A database connection was lost (%r): the pool opens new ones", error)
        await pool.expire_connections()


client_class = PostgresClient
