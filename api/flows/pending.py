"""The run rows of steps applied together, kept in memory and stored at the end of the transaction.

Page views arriving together are applied in one transaction (`api/visitors/page_views.py`): their
runs are planned first, against the values read under lock, and their rows are written last, in
few statements: one insert per run and per bot message (their ids are needed) and one insert for
all node entries. The values go through the value store, flushed after these: a run's id is known
only once it is inserted, so history rows name their run (`flowId:version:nodeId:runId`) then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tortoise.timezone import now

from api.contacts.models import ChangeSource
from api.contacts.value_store import Origin
from api.flows.models import BotMessage, FlowNodeEntry, FlowRun
from api.jobs import queue

WAKE_JOB = "flow.wake"


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

    def run(self, run: FlowRun, state: Mapping[str, Any]) -> None:
        """A run's state after its step: a new run is inserted, an existing one updated."""
        self._runs.append((run, dict(state)))

    def message(self, message: BotMessage, run: FlowRun) -> None:
        """A bot message, unsaved: `flush` gives it its run's id and its own."""
        self._messages.append((message, run))

    def entered(self, run: FlowRun, node_ids: tuple[str, ...]) -> None:
        self._entries.extend((run, node_id) for node_id in node_ids)

    async def flush(self) -> None:
        """Write everything, runs first: the other rows refer to them."""
        for run, state in self._runs:
            if run.id is None:
                run.update_from_dict(state)
                await run.save()
            else:
                await FlowRun.filter(id=run.id).update(updated_at=now(), **state)
            if state["status"] == "waiting" and state["resume_at"] is not None:
                await queue.schedule(WAKE_JOB, wake_payload(run.id, state), at=state["resume_at"])
            elif state["status"] == "waiting":
                await _supersede_older_questions(run)
        for message, run in self._messages:
            message.run_id = run.id
            await message.save()
        if self._entries:
            await FlowNodeEntry.bulk_create(
                [
                    FlowNodeEntry(
                        run_id=run.id, flow_id=run.flow_id, version=run.version, node_id=n
                    )
                    for run, n in self._entries
                ]
            )


def wake_payload(run_id: int, state: Mapping[str, Any]) -> dict[str, Any]:
    """What the wake-up job of a run waiting on a timer carries: enough to tell a stale job
    (the run went on, or loops through the same wait again) from the one due."""
    return {
        "runId": run_id,
        "nodeId": state["current_node_id"],
        "resumeAt": state["resume_at"].isoformat(),
    }


async def _supersede_older_questions(run: FlowRun) -> None:
    """A contact answers one question at a time: a newer one ends the older waiting runs (a
    run waiting on a timer is not waiting for an answer, and goes on)."""
    await (
        FlowRun.filter(contact_id=run.contact_id, status="waiting", resume_at__isnull=True)
        .exclude(id=run.id)
        .update(status="failed", failure="superseded by a newer question", finished_at=now())
    )
