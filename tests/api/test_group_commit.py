"""The group committer (api/group_commit.py), with a fake transaction: no database."""

import asyncio
from collections.abc import Sequence

import pytest

from api.group_commit import GroupCommitter, UncertainCommitError, committing


class Ledger:
    """A fake store: `apply` doubles each item, refuses negatives, and fails a whole group
    holding a poison item (as a rolled-back transaction would); `groups` records each call."""

    def __init__(self) -> None:
        self.groups: list[list[int]] = []
        self.committed: list[int] = []
        self.release = asyncio.Event()
        self.release.set()
        self.entered = asyncio.Event()

    async def apply(self, items: Sequence[int]) -> list[int | Exception]:
        self.groups.append(list(items))
        self.entered.set()
        await self.release.wait()
        if 13 in items:
            raise RuntimeError("poison")
        self.committed.extend(items)
        return [ValueError(item) if item < 0 else item * 2 for item in items]


async def test_group_commit_applies_items_arriving_meanwhile_together():
    ledger = Ledger()
    committer = GroupCommitter(ledger.apply, max_group=10)
    ledger.release.clear()
    first = asyncio.create_task(committer.submit(1))
    await ledger.entered.wait()  # the first group started, and waits inside its transaction
    later = [asyncio.create_task(committer.submit(n)) for n in (2, 3, 4)]
    # One turn of the event loop (no time passes): the new tasks run in the order they were
    # created, each up to its wait in the queue.
    await asyncio.sleep(0)
    ledger.release.set()

    assert await asyncio.gather(first, *later) == [2, 4, 6, 8]
    assert ledger.groups == [[1], [2, 3, 4]]


async def test_group_commit_splits_groups_at_max_group():
    ledger = Ledger()
    committer = GroupCommitter(ledger.apply, max_group=2)

    assert await asyncio.gather(*(committer.submit(n) for n in range(5))) == [0, 2, 4, 6, 8]
    assert ledger.groups == [[0, 1], [2, 3], [4]]


async def test_group_commit_returns_an_items_own_refusal_to_it_alone():
    committer = GroupCommitter(Ledger().apply, max_group=10)

    results = await asyncio.gather(
        *(committer.submit(n) for n in (1, -1, 2)), return_exceptions=True
    )

    assert results[0] == 2 and results[2] == 4
    assert isinstance(results[1], ValueError)


async def test_group_commit_applies_a_failed_group_again_one_by_one():
    ledger = Ledger()
    committer = GroupCommitter(ledger.apply, max_group=10)

    results = await asyncio.gather(
        *(committer.submit(n) for n in (1, 13, 2)), return_exceptions=True
    )

    assert results[0] == 2 and results[2] == 4
    assert isinstance(results[1], RuntimeError)
    assert ledger.groups == [[1, 13, 2], [1], [13], [2]]
    assert ledger.committed == [1, 2]  # each once


async def test_group_commit_asks_alone_what_an_item_failing_alone_gets():
    async def alone(item: int, error: Exception) -> int | Exception:
        return -item if isinstance(error, RuntimeError) else error

    committer = GroupCommitter(Ledger().apply, max_group=10, alone=alone)

    assert await asyncio.gather(*(committer.submit(n) for n in (1, 13))) == [2, -13]


async def test_group_commit_never_applies_an_uncertain_commit_again():
    calls: list[list[int]] = []

    async def apply(items: Sequence[int]) -> list[int | Exception]:
        calls.append(list(items))
        async with committing(FailingCommit()):
            pass
        raise AssertionError("unreachable")

    committer = GroupCommitter(apply, max_group=10)

    for items in ([1, 2, 3], [4]):
        results = await asyncio.gather(
            *(committer.submit(n) for n in items), return_exceptions=True
        )
        assert [type(result) for result in results] == [ConnectionResetError] * len(items)
    assert calls == [[1, 2, 3], [4]]


async def test_committing_lets_a_failure_before_the_commit_through():
    transaction = FailingCommit()

    with pytest.raises(KeyError):
        async with committing(transaction):
            raise KeyError("body")
    assert transaction.exited_with is KeyError


async def test_committing_turns_a_failed_commit_into_uncertain():
    with pytest.raises(UncertainCommitError) as raised:
        async with committing(FailingCommit()):
            pass
    assert isinstance(raised.value.error, ConnectionResetError)


class FailingCommit:
    """A transaction whose COMMIT fails (the connection lost on the way)."""

    exited_with: type[BaseException] | None = None

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        self.exited_with = kind
        if kind is None:
            raise ConnectionResetError("connection lost during COMMIT")


async def test_a_group_that_failed_of_a_transient_fault_is_applied_together_once_more():
    ledger = Ledger()
    lost = [ConnectionError("connection lost")]

    async def losing_once(items: Sequence[int]) -> list[int | Exception]:
        if lost:
            ledger.groups.append(list(items))
            raise lost.pop()
        return await ledger.apply(items)

    transient = GroupCommitter(losing_once, max_group=10, transient=lambda e: True)
    assert await asyncio.gather(*(transient.submit(n) for n in (1, 2, 3))) == [2, 4, 6]
    assert ledger.groups == [[1, 2, 3], [1, 2, 3]]

    ledger.groups.clear()
    lost.append(ConnectionError("connection lost"))
    other = GroupCommitter(losing_once, max_group=10)  # not transient: one by one
    assert await asyncio.gather(*(other.submit(n) for n in (1, 2))) == [2, 4]
    assert ledger.groups == [[1, 2], [1], [2]]


async def test_a_group_that_failed_twice_of_a_transient_fault_is_refused_at_once():
    # The database is away: one transaction per item would make the whole group wait for each
    # to fail in turn. Every item gets the error, for its client to retry.
    tries: list[list[int]] = []

    async def database_away(items: Sequence[int]) -> list[int | Exception]:
        tries.append(list(items))
        raise ConnectionError("connection lost")

    committer = GroupCommitter(database_away, max_group=10, transient=lambda e: True)
    results = await asyncio.gather(
        *(committer.submit(n) for n in (1, 2, 3)), return_exceptions=True
    )

    assert [type(result) for result in results] == [ConnectionError] * 3
    assert tries == [[1, 2, 3], [1, 2, 3]]
