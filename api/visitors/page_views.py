"""Page views applied in groups: every view waiting when a transaction starts joins it.

A site's widgets send page views all the time, and one view touches many rows (the contact, its
values, a run per started flow, node entries, history, the event id). One at a time, each view
paid a transaction and a dozen statements, queued behind the others on SQLite's single writer.
Grouped, as databases group commits, the views that arrived meanwhile are applied together: one
transaction, the reads done once for all of them, most rows inserted in one statement per kind.

Each view's result is still its own. If anything fails in a group (a view's own error, a
duplicate event id claimed by another process at the same moment, a lock conflict), the group is
rolled back and its views are applied again one by one, so an error reaches only its own view
and nothing is counted twice or lost. Only a failure of the commit itself, which may have been
applied, is every view's error: never applied again, it is retried by the widgets, whose event
ids make the retries count once. A duplicate's contact is locked but left unchanged.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.contacts import service as contacts_service
from api.contacts.models import Contact
from api.errors import ConflictError
from api.flows import runner
from api.flows.models import BotMessage
from api.visitors.models import VisitorEvent

logger = logging.getLogger("propflow.page_views")
# Enough to keep statements short; under load the groups stay far smaller than this.
MAX_GROUP = 200


@dataclass(frozen=True)
class PageView:
    workspace_id: int
    visitor_id: str
    url: str
    event_id: str | None

    @property
    def fingerprint(self) -> str:
        """The payload an event id is bound to: the same id for another URL is a CONFLICT."""
        return hashlib.sha256(json.dumps(["pageView", self.url]).encode()).hexdigest()

    @property
    def claim(self) -> tuple[int, str, str] | None:
        if self.event_id is None:
            return None
        return (self.workspace_id, self.visitor_id, self.event_id)


@dataclass(frozen=True)
class EventResult:
    contact_id: int
    messages: list[BotMessage]
    started_runs: int
    duplicate: bool = False
    # What to announce once committed (the caller does, outside the group): None for a duplicate.
    changed: tuple[Contact, runner.Applied] | None = None


Outcome = EventResult | Exception


async def track(view: PageView) -> EventResult:
    """Apply `view` with whatever other views are waiting; its own result."""
    loop = asyncio.get_running_loop()
    applier = _appliers.get(loop)
    if applier is None:
        applier = _appliers[loop] = _Applier()
    return await applier.track(view)


class _Applier:
    """The views waiting in one event loop, and the task applying them group after group."""

    def __init__(self) -> None:
        self.waiting: list[tuple[PageView, asyncio.Future[EventResult]]] = []
        self.task: asyncio.Task[None] | None = None

    async def track(self, view: PageView) -> EventResult:
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((view, future))
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
        # A view whose caller went away before its group started is not applied at all.
        group = [(view, future) for view, future in self.waiting[:MAX_GROUP] if not future.done()]
        del self.waiting[:MAX_GROUP]
        if not group:
            return
        try:
            outcomes = await _apply_group([view for view, _ in group])
        except BaseException as error:  # cancelled with the loop: nobody waits forever
            for _, future in group:
                if not future.done():
                    future.set_exception(error)
            raise
        for (_, future), outcome in zip(group, outcomes, strict=True):
            if future.done():  # its caller went away
                continue
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)


_appliers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Applier] = (
    weakref.WeakKeyDictionary()
)


async def _apply_group(views: Sequence[PageView]) -> list[Outcome]:
    """Each view's outcome. A group rolled back is applied again view by view; one whose
    commit failed midway may have been applied, so its views get the error (clients retry,
    and their event ids keep the retries from counting twice)."""
    if len(views) == 1:
        return [await _apply_alone(views[0])]
    try:
        return await _apply_together(views)
    except _UncertainCommitError as uncertain:
        return [uncertain.error] * len(views)
    except Exception as error:
        logger.info("A group of %d page views failed (%r): one by one", len(views), error)
        return [await _apply_alone(view) for view in views]


async def _apply_alone(view: PageView) -> Outcome:
    """One view in its own transaction: a concurrent claim of its event id replays that one."""
    try:
        return (await _apply_together([view]))[0]
    except _UncertainCommitError as uncertain:
        return uncertain.error
    except IntegrityError as error:
        return await _claimed_meanwhile(view, error)
    except Exception as error:
        return error


class _UncertainCommitError(Exception):
    """The transaction failed in its commit: it may have been applied, so never apply it again."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


async def _claimed_meanwhile(view: PageView, error: IntegrityError) -> Outcome:
    """After a failed insert: if another process claimed this event id meanwhile, its result."""
    try:
        seen = (await _claimed([view])).get(view.claim) if view.claim is not None else None
        return error if seen is None else await _replay(view, seen)
    except Exception as lookup_error:
        return lookup_error


async def _apply_together(views: Sequence[PageView]) -> list[Outcome]:
    """Raises only if nothing was committed, or as `_UncertainCommitError`."""
    contacts = await _contacts_of(views)
    committing = False
    try:
        async with in_transaction():
            # Held first, so that the claims read next include any committed meanwhile by
            # another process for these visitors.
            await contacts_service.hold(contacts.values())
            claimed = await _claimed(views)
            first_of = _first_views(views, claimed)
            results = await _apply_first_views(views, first_of, contacts)
            committing = True
    except Exception as error:
        if committing:
            raise _UncertainCommitError(error) from error
        raise
    # Committed: from here on, a failure is one view's outcome, never the group's.
    outcomes: list[Outcome] = []
    for index, view in enumerate(views):
        try:
            if index in results:
                outcomes.append(results[index])
            elif view.claim in claimed:
                outcomes.append(await _replay(view, claimed[view.claim]))
            else:
                first = first_of[view.claim]  # type: ignore[index]
                outcomes.append(_repeat(view, views[first], results[first]))
        except Exception as error:
            outcomes.append(error)
    return outcomes


def _first_views(
    views: Sequence[PageView], claimed: Mapping[tuple[int, str, str], VisitorEvent]
) -> dict[tuple[int, str, str], int]:
    """The index of each event id's first view in the group, unless it was claimed before."""
    first_of: dict[tuple[int, str, str], int] = {}
    for index, view in enumerate(views):
        if view.claim is not None and view.claim not in claimed:
            first_of.setdefault(view.claim, index)
    return first_of


async def _apply_first_views(
    views: Sequence[PageView],
    first_of: Mapping[tuple[int, str, str], int],
    contacts: Mapping[tuple[int, str], Contact],
) -> dict[int, EventResult]:
    """Apply the views that are no duplicate, and claim their event ids; results by index."""
    indexes = [
        index
        for index, view in enumerate(views)
        if view.claim is None or first_of.get(view.claim) == index
    ]
    if not indexes:
        return {}
    touched = [contacts[views[i].workspace_id, views[i].visitor_id] for i in indexes]
    batch = await runner.batch_for(touched)
    values = await contacts_service.lock(touched, batch.definitions_by_id())
    applied = {}
    for index, contact in zip(indexes, touched, strict=True):
        applied[index] = await runner.start_runs(
            batch, contact, url=views[index].url, values=values[contact.id]
        )
    await batch.writes.flush()
    results = {
        index: EventResult(contact.id, done.messages, done.started_runs, changed=(contact, done))
        for (index, done), contact in zip(applied.items(), touched, strict=True)
    }
    await VisitorEvent.bulk_create(
        [
            VisitorEvent(
                workspace_id=views[index].workspace_id,
                visitor_id=views[index].visitor_id,
                event_id=views[index].event_id,
                payload_hash=views[index].fingerprint,
                result=_stored(result),
            )
            for index, result in results.items()
            if views[index].event_id is not None
        ]
    )
    return results


async def _contacts_of(views: Sequence[PageView]) -> dict[tuple[int, str], Contact]:
    """The views' contacts by (workspace, visitor), created on a visitor's first event."""
    visitors: dict[int, set[str]] = {}
    for view in views:
        visitors.setdefault(view.workspace_id, set()).add(view.visitor_id)
    contacts = {}
    for workspace_id, visitor_ids in visitors.items():
        found = await contacts_service.visitor_contacts(workspace_id, visitor_ids)
        for visitor_id in visitor_ids:
            contact = found.get(visitor_id)
            if contact is None:
                contact = await contacts_service.create_visitor_contact(workspace_id, visitor_id)
            contacts[workspace_id, visitor_id] = contact
    return contacts


async def _claimed(views: Sequence[PageView]) -> dict[tuple[int, str, str], VisitorEvent]:
    """The views' event ids already handled, by claim: one query per workspace."""
    claims = {view.claim for view in views if view.claim is not None}
    seen: dict[tuple[int, str, str], VisitorEvent] = {}
    for workspace_id in {claim[0] for claim in claims}:
        event_ids = [event_id for w, _, event_id in claims if w == workspace_id]
        for event in await VisitorEvent.filter(workspace_id=workspace_id, event_id__in=event_ids):
            claim = (event.workspace_id, event.visitor_id, event.event_id)
            if claim in claims:
                seen[claim] = event
    return seen


def _repeat(view: PageView, first: PageView, result: EventResult) -> Outcome:
    """A duplicate of a view earlier in the same group."""
    if view.fingerprint != first.fingerprint:
        return _conflict(view)
    return EventResult(result.contact_id, result.messages, result.started_runs, duplicate=True)


async def _replay(view: PageView, seen: VisitorEvent) -> Outcome:
    """The first result of an event id handled before."""
    if view.fingerprint != seen.payload_hash:
        return _conflict(view)
    stored: dict[str, Any] = seen.result or {}
    ids = stored.get("messageIds", [])
    found = {m.id: m for m in await BotMessage.filter(id__in=ids)}
    return EventResult(
        contact_id=stored.get("contactId", 0),
        messages=[found[i] for i in ids if i in found],
        started_runs=stored.get("startedRuns", 0),
        duplicate=True,
    )


def _conflict(view: PageView) -> ConflictError:
    return ConflictError(
        "This eventId was already used for a different event", eventId=view.event_id
    )


def _stored(result: EventResult) -> dict[str, Any]:
    return {
        "contactId": result.contact_id,
        "startedRuns": result.started_runs,
        "messageIds": [m.id for m in result.messages],
    }
