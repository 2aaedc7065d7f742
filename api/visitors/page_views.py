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

from api.contacts import service as contacts_service
from api.errors import ConflictError
from api.flows import runner
from api.flows.models import BotMessage
from api.group_commit import GroupCommitter, committing
from api.visitors import event_ids
from api.visitors.event_ids import Claim
from api.visitors.models import VisitorEvent

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


async def track(view: PageView) -> EventResult:
    """Apply `view` with whatever other views are waiting; its own result."""
    return await _committer.submit(view)


async def _apply_views(views: Sequence[PageView]) -> list[EventResult | Exception]:
    """Each view's result, or its refusal (a CONFLICT), all committed in one transaction."""
    async with committing(in_transaction()):
        contacts = await contacts_service.visitor_contacts(
            (view.workspace_id, view.visitor_id) for view in views
        )
        batch = await runner.lock_for_runs(list(contacts.values()))
        # Read under the lock: it includes the claims another process committed meanwhile.
        claimed = await event_ids.claimed(view.claim for view in views if view.claim)
        firsts = _first_views(views, claimed)
        touched = [contacts[views[i].workspace_id, views[i].visitor_id] for i in firsts]
        await batch.touch(list({contact.id: contact for contact in touched}.values()))
        committed = {
            index: await runner.start_runs(batch, contact, url=views[index].url)
            for index, contact in zip(firsts, touched, strict=True)
        }
        await batch.flush()
        await event_ids.claim(
            [
                (claim, views[index].fingerprint, _answer(changes))
                for index, changes in committed.items()
                if (claim := views[index].claim) is not None
            ]
        )
        return [await _result(index, views, committed, claimed) for index, view in enumerate(views)]


def _first_views(views: Sequence[PageView], claimed: Mapping[Claim, VisitorEvent]) -> list[int]:
    """The indexes of the views to apply: no event id, or its first view in the group when it
    was not claimed before."""
    first_of: dict[Claim, int] = {}
    for index, view in enumerate(views):
        if view.claim is not None and view.claim not in claimed:
            first_of.setdefault(view.claim, index)
    return [
        index
        for index, view in enumerate(views)
        if view.claim is None or first_of.get(view.claim) == index
    ]


async def _result(
    index: int,
    views: Sequence[PageView],
    committed: Mapping[int, runner.FlowChanges],
    claimed: Mapping[Claim, VisitorEvent],
) -> EventResult | Exception:
    """A view's result: what it committed, or a duplicate's first answer (or its CONFLICT)."""
    view = views[index]
    changes = committed.get(index)
    if changes is not None:
        return EventResult(
            changes.contact.id, changes.messages, changes.started_runs, committed=changes
        )
    assert view.claim is not None and view.event_id is not None  # only duplicates are left
    try:
        if view.claim in claimed:
            return await _duplicate_of_earlier(view, claimed[view.claim])
        first = next(i for i in committed if views[i].claim == view.claim)
        return _duplicate_in_group(view, views[first], committed[first])
    except ConflictError as conflict:
        return conflict


def _duplicate_in_group(
    view: PageView, first: PageView, changes: runner.FlowChanges
) -> EventResult:
    """A duplicate of a view earlier in the same group."""
    event_ids.check_same(str(view.event_id), view.fingerprint, first.fingerprint)
    return EventResult(changes.contact.id, changes.messages, changes.started_runs, duplicate=True)


async def _duplicate_of_earlier(view: PageView, seen: VisitorEvent) -> EventResult:
    """A duplicate of an event id claimed before: its first answer."""
    answer = event_ids.first_answer(str(view.event_id), view.fingerprint, seen)
    found = {m.id: m for m in await BotMessage.filter(id__in=answer.message_ids)}
    return EventResult(
        contact_id=answer.contact_id,
        messages=[found[i] for i in answer.message_ids if i in found],
        started_runs=answer.started_runs,
        duplicate=True,
    )


async def _claimed_meanwhile(view: PageView, error: Exception) -> EventResult | Exception:
    """A view that failed alone: if another process claimed its event id meanwhile (the
    insert of the claim failed), that one's answer; else its error."""
    if not isinstance(error, IntegrityError) or view.claim is None:
        return error
    try:
        seen = (await event_ids.claimed([view.claim])).get(view.claim)
        return error if seen is None else await _duplicate_of_earlier(view, seen)
    except Exception as lookup_error:
        return lookup_error


def _answer(changes: runner.FlowChanges) -> event_ids.Answer:
    return event_ids.Answer(
        changes.contact.id, changes.started_runs, [m.id for m in changes.messages]
    )


_committer: GroupCommitter[PageView, EventResult] = GroupCommitter(
    _apply_views, max_group=MAX_GROUP, alone=_claimed_meanwhile
)
