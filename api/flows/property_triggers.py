""" "Property changed" triggers: each flushed change of a watched property schedules a job in the
writer's own transaction, whatever the source (operator, API, import, flow, visitor), and the job
starts the triggered flows once that change has committed (a rolled-back change starts nothing).

The loop rule: a flow never starts from a change that its own runs led to, directly or through
other flows' runs. The chain of flows travels with the job and is kept on the runs it starts, so
flow A may start B and B's changes may start C, but nothing in that chain starts A again: a cycle
of flows goes round once, then stops.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api.contacts import service as contacts_service
from api.contacts.value_store import FlushedChanges
from api.flows import runner
from api.jobs import queue
from api.visitors import service as visitors_service

CHANGED_JOB = "flow.property_changed"


async def schedule_triggers(flushed: Sequence[FlushedChanges]) -> None:
    """Inside the writer's transaction: one job per contact and chain whose changes touch a
    property that a published flow of its workspace watches."""
    watched: dict[int, set[str]] = {}
    for group in flushed:
        workspace_id = group.contact.workspace_id
        if workspace_id not in watched:
            watched[workspace_id] = await runner.watched_keys_of(workspace_id)
        changes = {
            key: list(change)
            for key, change in group.changes.items()
            if key in watched[workspace_id]
        }
        if changes:
            payload = {
                "workspaceId": workspace_id,
                "contactId": group.contact.id,
                "changes": changes,
                "chain": list(group.chain),
                "cause": uuid.uuid4().hex,
            }
            await queue.schedule(CHANGED_JOB, payload, at=now())


async def start_triggered(payload: dict[str, Any]) -> None:
    """The `flow.property_changed` job: start the flows the committed changes trigger (once,
    however often the job runs: the runs remember their cause)."""
    contact = await contacts_service.get_contact(payload["workspaceId"], str(payload["contactId"]))
    if contact is None:  # deleted since: nothing to start
        return
    changed = {key: (old, new) for key, (old, new) in payload["changes"].items()}
    async with in_transaction():
        batch = await runner.lock_for_runs([contact])
        changes = await runner.run_changes(
            batch, contact, changed=changed, chain=payload["chain"], cause=payload["cause"]
        )
    await visitors_service.announce(changes)
