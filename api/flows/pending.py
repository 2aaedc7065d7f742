"""The writes of steps applied together, kept in memory and stored at the end of the transaction.

Page views arriving together are applied in one transaction (`api/visitors/page_views.py`): their
runs are planned first, against the values read under lock, and their rows are written last, in
few statements: one insert per run and per bot message (their ids are needed), one atomic update
per increment of a set value, one write of the final value for any other changed value, and one
insert for all node entries and one for all history rows. A run's id is known only once it is
inserted, so history rows name their run (`flowId:version:nodeId:runId`) at `flush`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tortoise.timezone import now

from api.contacts import service as contacts_service
from api.contacts.models import ChangeSource, Contact
from api.flows.models import BotMessage, FlowNodeEntry, FlowRun
from api.properties.models import PropertyDefinition
from flow_graph.property_types import Value


@dataclass(frozen=True)
class StepOrigin:
    """A change made by a run's node; its history `sourceId` is built once the run has an id."""

    source: ChangeSource
    run: FlowRun
    node_id: str

    def resolved(self) -> contacts_service.Origin:
        run = self.run
        return contacts_service.Origin(
            self.source, f"{run.flow_id}:{run.version}:{self.node_id}:{run.id}"
        )


@dataclass
class _ValueHistory:
    """What happened to one contact's property: its value under lock, then each change."""

    contact: Contact
    definition: PropertyDefinition
    locked: Value | None
    changes: list[tuple[contacts_service.ValueChange, float | None]] = field(default_factory=list)


@dataclass
class PendingWrites:
    """Rows to write for the steps of one transaction: runs, messages, node entries and history
    in the order the steps made them; values per contact and property."""

    _runs: list[tuple[FlowRun, dict[str, Any]]] = field(default_factory=list)
    _messages: list[tuple[BotMessage, FlowRun]] = field(default_factory=list)
    _entries: list[tuple[FlowRun, str]] = field(default_factory=list)
    _values: dict[tuple[int, int], _ValueHistory] = field(default_factory=dict)
    _history: list[tuple[Contact, contacts_service.ValueChange, StepOrigin]] = field(
        default_factory=list
    )

    def run(self, run: FlowRun, state: Mapping[str, Any]) -> None:
        """A run's state after its step: a new run is inserted, an existing one updated."""
        self._runs.append((run, dict(state)))

    def message(self, message: BotMessage, run: FlowRun) -> None:
        """A bot message, unsaved: `flush` gives it its run's id and its own."""
        self._messages.append((message, run))

    def entered(self, run: FlowRun, node_ids: tuple[str, ...]) -> None:
        self._entries.extend((run, node_id) for node_id in node_ids)

    def change(
        self,
        contact: Contact,
        definition: PropertyDefinition,
        change: contacts_service.ValueChange,
        origin: StepOrigin,
        *,
        increment: float | None = None,
    ) -> None:
        """A value changed from `change.old` (what the step saw) to `change.new`."""
        key = (contact.id, definition.id)
        history = self._values.get(key)
        if history is None:
            history = self._values[key] = _ValueHistory(contact, definition, change.old)
        history.changes.append((change, increment))
        self._history.append((contact, change, origin))

    async def flush(self) -> None:
        """Write everything, runs first: the other rows refer to them."""
        for run, state in self._runs:
            if run.id is None:
                run.update_from_dict(state)
                await run.save()
            else:
                await FlowRun.filter(id=run.id).update(updated_at=now(), **state)
            if state["status"] == "waiting":
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
        await _write_values(self._values.values())
        await contacts_service.record_history(
            [(contact, change, origin.resolved()) for contact, change, origin in self._history]
        )


async def _supersede_older_questions(run: FlowRun) -> None:
    """A contact answers one question at a time: a newer one ends the older waiting runs."""
    await (
        FlowRun.filter(contact_id=run.contact_id, status="waiting")
        .exclude(id=run.id)
        .update(status="failed", failure="superseded by a newer question", finished_at=now())
    )


async def _write_values(histories: Iterable[_ValueHistory]) -> None:
    """Increments of a set value stay atomic SQL updates, one per increment; any other history
    is written once, as its final value."""
    replaced = []
    for history in histories:
        increments = [(change, by) for change, by in history.changes if by is not None]
        if history.locked is not None and len(increments) == len(history.changes):
            for change, by in increments:
                await contacts_service.write_increment(
                    history.contact, history.definition, change, by
                )
            continue
        final = history.changes[-1][0].new
        if not contacts_service.unchanged(history.locked, final):
            replaced.append(
                contacts_service.ValueWrite(
                    history.contact, history.definition, history.locked, final
                )
            )
    await contacts_service.write_values(replaced)
