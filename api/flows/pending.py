"""The run rows of steps applied together, kept in memory and stored at the end of the transaction.

Page views arriving together are applied in one transaction (`api/visitors/page_views.py`): their
runs are planned first, against the values read under lock, and their rows are written last, in
few statements (`rows.py`): one insert for the new runs and one update for the others, one
insert for the bot messages and one for the node entries. The values go through the value store,
flushed after these: a run's id is known only once it is inserted, so history rows name their
run (`flowId:version:nodeId:runId`) then.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tortoise.timezone import now

from api.contacts.models import ChangeSource
from api.contacts.value_store import Origin
from api.flows import rows
from api.flows.models import BotMessage, FlowNodeEntry, FlowRun
from api.jobs import queue
from api.webhooks.models import WebhookDelivery
from flow_graph.effects import CallWebhook

WAKE_JOB = "flow.wake"
DELIVER_JOB = "webhook.deliver"


@dataclass(frozen=True)
class StepOrigin:
    """A change made by a run's node; its history `sourceId` is built once the run has an id."""

    source: ChangeSource
    run: FlowRun
    node_id: str

    def resolved(self) -> Origin:
        run = self.run
        return Origin(self.source, f"{run.flow_id}:{run.version}:{self.node_id}:{run.id}")

    def chain(self) -> tuple[int, ...]:
        """The flows that led to the run, then its own: none of them starts from this change."""
        return (*(self.run.trigger_chain or ()), self.run.flow_id)


@dataclass
class PendingWrites:
    """Rows to write for the steps of one transaction: runs, messages and node entries, in the
    order the steps made them."""

    _runs: list[tuple[FlowRun, dict[str, Any]]] = field(default_factory=list)
    _messages: list[tuple[BotMessage, FlowRun]] = field(default_factory=list)
    _entries: list[tuple[FlowRun, str]] = field(default_factory=list)
    _timers: list[tuple[FlowRun, str, datetime.datetime]] = field(default_factory=list)
    _webhooks: list[tuple[FlowRun, CallWebhook]] = field(default_factory=list)

    def run(self, run: FlowRun, state: Mapping[str, Any]) -> None:
        """A run's state after its step: a new run is inserted, an existing one updated."""
        self._runs.append((run, dict(state)))

    def message(self, message: BotMessage, run: FlowRun) -> None:
        """A bot message, unsaved: `flush` gives it its run's id and its own."""
        self._messages.append((message, run))

    def entered(self, run: FlowRun, node_ids: tuple[str, ...]) -> None:
        self._entries.extend((run, node_id) for node_id in node_ids)

    def timer(self, run: FlowRun, node_id: str, resume_at: datetime.datetime) -> None:
        """A Wait node's timer: a `flow.wake` job at `resume_at`."""
        self._timers.append((run, node_id, resume_at))

    def webhook(self, run: FlowRun, call: CallWebhook) -> None:
        """A webhook call: a delivery row and its first `webhook.deliver` job, now."""
        self._webhooks.append((run, call))

    async def flush(self) -> None:
        """Write everything, runs first: the other rows refer to them."""
        written = 0
        for index, (run, state) in enumerate(self._runs):
            if state["status"] == "waiting" and state["resume_at"] is None:
                # It ends the questions written before it, not those after.
                await rows.write_runs(self._runs[written : index + 1])
                written = index + 1
                await _supersede_older_questions(run)
        await rows.write_runs(self._runs[written:])
        for run, node_id, resume_at in self._timers:
            await queue.schedule(WAKE_JOB, wake_payload(run.id, node_id, resume_at), at=resume_at)
        for run, call in self._webhooks:
            delivery = await WebhookDelivery.create(
                workspace_id=run.workspace_id,
                flow_id=run.flow_id,
                run_id=run.id,
                node_id=call.node_id,
                url=call.url,
                keys=list(call.keys),
            )
            await queue.schedule(DELIVER_JOB, {"deliveryId": delivery.id, "attempt": 1}, at=now())
        for message, run in self._messages:
            message.run_id = run.id
        await rows.insert([message for message, _ in self._messages])
        if self._entries:
            await FlowNodeEntry.bulk_create(
                [
                    FlowNodeEntry(
                        run_id=run.id, flow_id=run.flow_id, version=run.version, node_id=n
                    )
                    for run, n in self._entries
                ]
            )


def wake_payload(run_id: int, node_id: str, resume_at: datetime.datetime) -> dict[str, Any]:
    """What the wake-up job of a run waiting on a timer carries: enough to tell a stale job
    (the run went on, or loops through the same wait again) from the one due."""
    return {"runId": run_id, "nodeId": node_id, "resumeAt": resume_at.isoformat()}


async def _supersede_older_questions(run: FlowRun) -> None:
    """A contact answers one question at a time: a newer one ends the older waiting runs (a
    run waiting on a timer is not waiting for an answer, and goes on)."""
    await (
        FlowRun.filter(contact_id=run.contact_id, status="waiting", resume_at__isnull=True)
        .exclude(id=run.id)
        .update(status="failed", failure="superseded by a newer question", finished_at=now())
    )
