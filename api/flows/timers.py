"""Runs waiting on a timer: the job that continues one when its Wait node's time comes, and the
operator's cancel.

The job (`flow.wake`, scheduled with the run's state in `api/flows/pending.py`) re-reads the run
under the contact's lock and goes on only if the run still waits at that node until that
moment: a job that runs twice (its worker died after the commit), a cancelled run or a stale
job of a loop through the same wait does nothing. Wake-ups that run at the same time (a worker
runs a batch of due jobs at once) are grouped into one transaction (`api/group_commit.py`).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api import faults
from api.contacts import service as contacts_service
from api.contacts.models import Contact
from api.errors import NotFoundError, ValidationFailedError
from api.flows import runner
from api.flows.models import FlowRun
from api.flows.pending import WAKE_JOB
from api.flows.runner import FlowChanges
from api.flows.visits import STAY_JOB
from api.group_commit import GroupCommitter, committing
from api.ids import parse_id
from api.visitors import service as visitors_service

# Wake-ups applied in one transaction at most (the local worker claims 200 jobs at a time).
WAKE_GROUP = 200


async def wake(payload: dict[str, Any]) -> None:
    """The `flow.wake` job: continue the run if it still waits for this timer. The wake-ups
    that come together (many timers ending at once) go on in one transaction."""
    await visitors_service.announce(await _wakes.submit(payload))


async def _wake_group(payloads: Sequence[dict[str, Any]]) -> list[FlowChanges | Exception | None]:
    """Each payload's changes (None when its run no longer waits for that timer: cancelled,
    done, or woken by a copy of the job in the same group), all committed together."""
    async with committing(in_transaction()):
        runs = await FlowRun.filter(id__in=[payload["runId"] for payload in payloads])
        contacts = await Contact.filter(id__in=[run.contact_id for run in runs])
        batch = await runner.lock_for_runs(contacts)
        # Read again under the contacts' lock: what another worker committed meanwhile counts.
        waiting = {
            run.id: run
            for run in await FlowRun.filter(id__in=[run.id for run in runs], status="waiting")
        }
        contact_of = {contact.id: contact for contact in contacts}
        due = [_due_run(waiting, payload) for payload in payloads]
        await batch.values.touch([contact_of[run.contact_id] for run in due if run is not None])
        results: list[FlowChanges | Exception | None] = [
            await runner.step_woken(batch, contact_of[run.contact_id], run, port="next")
            if run is not None
            else None
            for run in due
        ]
        await batch.flush()
    return results


def _due_run(waiting: dict[int, FlowRun], payload: dict[str, Any]) -> FlowRun | None:
    """The run this wake-up continues, taken out of `waiting` so that a copy of the same job
    in the group finds nothing; None when it no longer waits at this node until this time."""
    run = waiting.get(payload["runId"])
    resume_at = datetime.datetime.fromisoformat(payload["resumeAt"])
    if run is None or run.current_node_id != payload["nodeId"] or run.resume_at != resume_at:
        return None
    return waiting.pop(run.id)


_wakes: GroupCommitter[dict[str, Any], FlowChanges | None] = GroupCommitter(
    _wake_group, max_group=WAKE_GROUP, transient=faults.is_transient
)


async def cancel_run(workspace_id: int, run_id: str) -> FlowRun:
    """Stop a waiting run (its timer job then finds nothing to do)."""
    row_id = parse_id(run_id)
    run = await FlowRun.get_or_none(id=row_id, workspace_id=workspace_id) if row_id else None
    if run is None:
        raise NotFoundError(f"No flow run with id '{run_id}'", id=run_id)
    cancelled = await FlowRun.filter(id=run.id, status="waiting").update(
        status="cancelled", resume_at=None, finished_at=now(), updated_at=now()
    )
    if not cancelled:
        raise ValidationFailedError(
            f"Run {run.id} is {run.status}: only a waiting run can be cancelled", field="id"
        )
    await run.refresh_from_db()
    await run.fetch_related("contact")
    return run


async def pending_of(workspace_id: int, contact_id: str) -> list[FlowRun]:
    """The contact's runs waiting on a timer, soonest first."""
    contact = await contacts_service.require_contact(workspace_id, contact_id)
    return (
        await FlowRun.filter(contact_id=contact.id, status="waiting", resume_at__isnull=False)
        .order_by("resume_at", "id")
        .prefetch_related("contact")
    )


async def stay(payload: dict[str, Any]) -> None:
    """The `flow.stay` job: the visitor stayed on the page long enough, unless they moved on."""
    contact = await contacts_service.get_contact(payload["workspaceId"], str(payload["contactId"]))
    if contact is None:
        return
    async with in_transaction():
        batch = await runner.lock_for_runs([contact])
        changes = await runner.run_stay(batch, contact, payload)
    await visitors_service.announce(changes)


JOBS = {WAKE_JOB: wake, STAY_JOB: stay}
