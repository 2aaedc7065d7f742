"""Page views applied in groups: every view waiting when a transaction starts joins it.

A site's widgets send page views all the time, and one view touches many rows (the contact, its
values, a run per started flow, node entries, history, the event id). One at a time, each view
paid a transaction and a dozen statements, queued behind the others on SQLite's single writer.
Grouped (`api/group_commit.py`), the views that arrived meanwhile are applied together: one
transaction, the reads done once for all of them, most rows inserted in one statement per kind.

Each view's result is still its own: a group that fails is applied again view by view, and a
failed commit is every view's error, never applied again (the widgets retry, and their event ids
make the retries count once). A view whose event id was claimed before is a duplicate: its
contact is locked but left unchanged, and it gets the first answer (`api/visitors/event_ids.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api import faults
from api.contacts import service as contacts_service
from api.flows import runner
from api.flows.models import BotMessage
from api.group_commit import GroupCommitter, committing
from api.inbox import presence
from api.visitors import event_ids
from api.visitors.event_ids import Claim

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
        return event_ids.fingerprint("pageView", self.url)

    @property
    def visitor(self) -> tuple[int, str]:
        return (self.workspace_id, self.visitor_id)

    @property
    def claim(self) -> Claim | None:
        if self.event_id is None:
            return None
        return (self.workspace_id, self.visitor_id, self.event_id)


@dataclass(frozen=True)
class EventResult:
    contact_id: int
    messages: list[BotMessage]
    started_runs: int
    duplicate: bool = False
    # What the event committed, for the caller to announce: None for a duplicate.
    committed: runner.FlowChanges | None = None
    # The visitor as the Inbox shows it after this view, to announce: None when it is offline.
    moved: presence.Visitor | None = None


async def track(view: PageView) -> EventResult:
    """Apply `view` with whatever other views are waiting; its own result."""
    return await _committer.submit(view)


async def _apply_views(views: Sequence[PageView]) -> list[EventResult | Exception]:
    """Each view's result, or its CONFLICT, all committed in one transaction."""
    async with committing(in_transaction()):
        contacts = await contacts_service.visitor_contacts(view.visitor for view in views)
        batch = await runner.lock_for_runs(contacts.values())
        # Sorted under the lock: the claims another process committed meanwhile are seen.
        events = await event_ids.sort_out([(view.claim, view.fingerprint) for view in views])
        visits = [(contacts[views[index].visitor], views[index].url) for index in events.new]
        committed = dict(zip(events.new, await runner.run_visits(batch, visits), strict=True))
        moved = await presence.record_views(
            [
                (contact.workspace_id, contact.id, str(contact.visitor_id), url)
                for contact, url in visits
            ]
        )
        moved_by_index = dict(zip(events.new, moved, strict=True))
        await event_ids.claim(
            [
                (claim, views[index].fingerprint, _answer(changes))
                for index, changes in committed.items()
                if (claim := views[index].claim) is not None
            ]
        )
        return [
            await _result(index, events, committed, moved_by_index) for index in range(len(views))
        ]


async def _result(
    index: int,
    events: event_ids.Sorted,
    committed: Mapping[int, runner.FlowChanges],
    moved: Mapping[int, presence.Visitor | None],
) -> EventResult | Exception:
    """A view's result: what it committed, else what its first time did, or its CONFLICT."""
    if index in committed:
        changes = committed[index]
        return EventResult(
            changes.contact.id,
            changes.messages,
            changes.started_runs,
            committed=changes,
            moved=moved[index],
        )
    if index in events.same_as:
        first = committed[events.same_as[index]]
        return EventResult(first.contact.id, first.messages, first.started_runs, duplicate=True)
    if index in events.answered:
        return await answered(events.answered[index])
    return events.conflicts[index]


async def answered(answer: event_ids.Answer) -> EventResult:
    """A duplicate of an event id claimed before: its first answer, with its messages."""
    ids = answer.message_ids
    found = {m.id: m for m in await BotMessage.filter(id__in=ids)} if ids else {}
    return EventResult(
        contact_id=answer.contact_id,
        messages=[found[i] for i in ids if i in found],
        started_runs=answer.started_runs,
        duplicate=True,
    )


async def _claimed_meanwhile(view: PageView, error: Exception) -> EventResult | Exception:
    """A view that failed alone: if another process claimed its event id meanwhile (the
    insert of the claim failed), that one's answer or a CONFLICT; else its error."""
    if not isinstance(error, IntegrityError) or view.claim is None:
        return error
    try:
        events = await event_ids.sort_out([(view.claim, view.fingerprint)])
        if 0 in events.answered:
            return await answered(events.answered[0])
        return events.conflicts.get(0, error)
    except Exception as lookup_error:
        return lookup_error


def _answer(changes: runner.FlowChanges) -> event_ids.Answer:
    return event_ids.Answer(
        changes.contact.id, changes.started_runs, [m.id for m in changes.messages]
    )


_committer: GroupCommitter[PageView, EventResult] = GroupCommitter(
    _apply_views, max_group=MAX_GROUP, alone=_claimed_meanwhile, transient=faults.is_transient
)
