"""Runs waiting on a timer: the job that continues one when its Wait node's time comes, and the
operator's cancel.

The job (`flow.wake`, scheduled with the run's state in `api/flows/pending.py`) re-reads the run
under the contact's lock and goes on only if the run still waits at that node until that
moment: a job that runs twice (its worker died after the commit), a cancelled run or a stale
job of a loop through the same wait does nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api.contacts import service as contacts_service
from api.errors import NotFoundError, ValidationFailedError
from api.flows import runner
from api.flows.models import FlowRun
from api.flows.pending import WAKE_JOB
from api.flows.visits import STAY_JOB
from api.ids import parse_id
from api.visitors import service as visitors_service


async def wake(payload: dict[str, Any]) -> None:
    """The `flow.wake` job: continue the run if it still waits for this timer."""
    run = await FlowRun.get_or_none(id=payload["runId"])
    if run is None or run.status != "waiting":
        return
    contact = await contacts_service.require_contact(run.workspace_id, str(run.contact_id))
    async with in_transaction():
        batch = await runner.lock_for_runs([contact])
        changes = await runner.wake_waiting(
            batch,
            contact,
            run_id=run.id,
            node_id=payload["nodeId"],
            resume_at=datetime.datetime.fromisoformat(payload["resumeAt"]),
        )
    await visitors_service.announce(changes)


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
