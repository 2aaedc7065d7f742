"""Group commit: items arriving while a transaction runs wait, and the next one applies them all.

A writer that pays a transaction per item queues its items behind each other (SQLite has one
writer). `GroupCommitter.submit` queues an item and returns its own result: the first item starts
a task that applies every waiting item together, group after group, as databases group commits.

`apply(items)` applies a group in one transaction and returns each item's result or its own error
(an error returned is that item's refusal; the others stand). If it raises, nothing was committed:
the items are applied again one by one, so an error reaches only its own item and none is counted
twice. After a fault a retry can fix (a lost connection, say), the group is instead applied
together once more, and if that fails too, every item gets the error at once: the fault is the
database's, and one transaction per item would only make the whole group wait for each to fail
(clients retry what is refused so). Only a failure of the COMMIT itself
(`UncertainCommitError`, raised by a transaction wrapped in `committing`) may have been applied: it
is every item's error, and it is never applied again. Each transaction runs in a task of its own, so
a connection that failed is never used again: the next group gets a fresh one from the pool.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Generic, TypeVar

from api import metrics, outages

logger = logging.getLogger("propflow.group_commit")

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommitter(Generic[Item, Result]):
    """Applies the submitted items in groups of at most `max_group`, one event loop at a time.

    `alone(item, error)`: what an item gets when it failed on its own (another process's result
    for the same item, say); by default its error. `transient(error)`: whether a group that
    failed so is worth applying together once more (see `_together`)."""

    def __init__(
        self,
        apply: Callable[[Sequence[Item]], Coroutine[Any, Any, list[Result | Exception]]],
        *,
        max_group: int,
        alone: Callable[[Item, Exception], Awaitable[Result | Exception]] | None = None,
        transient: Callable[[Exception], bool] = lambda error: False,
    ) -> None:
        self._apply = apply
        self._transient = transient
        self.max_group = max_group
        self._alone = alone
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue[Item, Result]] = (
            weakref.WeakKeyDictionary()
        )

    async def submit(self, item: Item) -> Result:
        """Apply `item` with whatever other items are waiting; its own result."""
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue(self)
        return await queue.submit(item)

    async def apply_group(self, items: Sequence[Item]) -> list[Result | Exception]:
        """Each item's result or error: together, else one by one (see above)."""
        if len(items) == 1:
            return [await self._apply_alone(items[0])]
        try:
            return await self._together(items)
        except Exception as error:
            if self._transient(error):
                # Twice, on fresh connections: the database is away, not one item at fault.
                # Every item is refused at once (clients retry), rather than after one more
                # failed transaction each.
                logger.info("A group of %d failed again (%r): refused", len(items), error)
                return [error] * len(items)
            logger.info("A group of %d failed (%r): one by one", len(items), error)
            return [await self._apply_alone(item) for item in items]

    async def _together(self, items: Sequence[Item]) -> list[Result | Exception]:
        """The group in one transaction. One that failed of a fault a retry can fix (its
        connection lost, say: `transient`) is applied together once more, on a fresh
        connection: one transaction, where one by one would take one per item."""
        try:
            return await self._applied_or_uncertain(items)
        except Exception as error:
            if not self._transient(error):
                raise
            logger.info("A group of %d failed (%r): again, together", len(items), error)
        return await self._applied_or_uncertain(items)

    async def _applied_or_uncertain(self, items: Sequence[Item]) -> list[Result | Exception]:
        try:
            return await self._in_own_task(items)
        except UncertainCommitError as uncertain:
            return [uncertain.error] * len(items)

    async def _apply_alone(self, item: Item) -> Result | Exception:
        try:
            return (await self._in_own_task([item]))[0]
        except UncertainCommitError as uncertain:
            return uncertain.error
        except Exception as error:
            if self._alone is None:
                return error
            return await self._alone(item, error)

    async def _in_own_task(self, items: Sequence[Item]) -> list[Result | Exception]:
        """`apply(items)` in a task of its own, so that nothing its transaction leaves in the
        task's context outlives it. When asyncpg cannot release a connection that a terminated
        backend left mid-operation, Tortoise skips resetting its context variable: a task that
        went on would run every later transaction on that dead connection."""
        return await asyncio.create_task(self._apply(items))


class UncertainCommitError(Exception):
    """The transaction failed in its commit: it may have been applied, so never apply it again."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


@asynccontextmanager
async def committing(transaction: AbstractAsyncContextManager[Any]) -> AsyncIterator[None]:
    """`transaction`, whose failure at commit (its body went through) is an
    `UncertainCommitError`; its success says the database works (`api/outages.py`)."""
    body_done = False
    try:
        async with transaction:
            yield
            body_done = True
    except Exception as error:
        if body_done:
            raise UncertainCommitError(error) from error
        raise
    outages.database_recovered()


class _Queue(Generic[Item, Result]):
    """The items waiting in one event loop, and the task applying them group after group."""

    def __init__(self, committer: GroupCommitter[Item, Result]) -> None:
        self.committer = committer
        self.waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self.task: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self.waiting.append((item, future))
        if self.task is None or self.task.done():
            # A task of its own: a caller that goes away never stops the others' group.
            self.task = asyncio.create_task(self._apply_waiting())
        return await future

    async def _apply_waiting(self) -> None:
        try:
            while self.waiting:
                await self._apply_next_group()
        finally:
            self.task = None  # the task refers to its loop, which must be free to go

    async def _apply_next_group(self) -> None:
        size = self.committer.max_group
        # An item whose caller went away before its group started is not applied at all.
        group = [(item, future) for item, future in self.waiting[:size] if not future.done()]
        del self.waiting[:size]
        if not group:
            return
        metrics.GROUP_COMMIT_SIZE.observe(len(group))
        try:
            results = await self.committer.apply_group([item for item, _ in group])
        except BaseException as error:  # cancelled with the loop: nobody waits forever
            for _, future in group:
                if not future.done():
                    future.set_exception(error)
            raise
        for (_, future), result in zip(group, results, strict=True):
            if future.done():  # its caller went away
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)
