"""Running published flows for contacts: start runs on a page visit, resume a waiting run.

Inside the caller's transaction, `lock_for_runs` locks the contacts (through the value store)
and loads their workspaces' flows. `run_visits` and `resume_waiting` plan each step against the
values under that lock and apply its effects (values through the `ValueStore`; runs, node entries
and bot messages gathered in `PendingWrites`), then write them all (`Batch.flush`), so that
everything a step did commits together. The caller announces the returned `FlowChanges` after
the commit.

The Inbox has its say: a hand-off node (re)opens the contact's conversation waiting for an
operator, and while an operator has joined the contact's open conversation, page visits and
the visitor's free text start no flow (a waiting question still takes the visitor's answer). A
visitor's answer joins the transcript before what the bot says next, so an operator reads the
exchange in order.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Collection, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from cachetools import FIFOCache
from tortoise.timezone import now

from api.contacts import value_store
from api.contacts.models import ChangeSource, Contact
from api.flows import visits as visits_log
from api.flows.models import BotMessage, Flow, FlowRun, FlowVersion, MessageAuthor
from api.flows.pending import PendingWrites, StepOrigin
from api.inbox import conversations
from api.inbox.models import Conversation
from api.properties import service as properties_service
from api.properties.models import PropertyDefinition
from flow_graph import PropertyInfo, parse_document
from flow_graph.effects import (
    Actor,
    CallWebhook,
    End,
    HandOff,
    Increment,
    SendMessage,
    SetValue,
    Wait,
)
from flow_graph.engine import (
    Program,
    RunState,
    Step,
    Trigger,
    Visit,
    changed_triggers,
    compile_document,
    said_triggers,
    visit_triggers,
    watched_keys,
)
from flow_graph.engine import resume_run as engine_resume_run
from flow_graph.engine import start_run as engine_start_run
from flow_graph.engine import wake_run as engine_wake_run
from flow_graph.nodes.base import Reply

PROGRAM_CACHE_SIZE = 256


@dataclass(frozen=True)
class WorkspaceFlows:
    """A workspace's property definitions, loaded once per batch, in the shapes needed, and its
    enabled published flows as (flow id, version), in id order."""

    definitions: Mapping[str, PropertyDefinition]
    infos: Mapping[str, PropertyInfo]
    published: Sequence[tuple[int, int]]


@dataclass
class FlowChanges:
    """What a contact's steps did: the response's messages and runs, and what to announce once
    committed (the changed keys by source and the messages)."""

    contact: Contact
    messages: list[BotMessage] = field(default_factory=list)
    changed_keys: dict[ChangeSource, set[str]] = field(default_factory=dict)
    started_runs: int = 0
    # The visitor's answers the steps took, for the transcript (not sent back to the widget).
    answers: list[BotMessage] = field(default_factory=list)
    handed_off: bool = False
    # The conversation a hand-off opened, to announce.
    conversation: Conversation | None = None


class EarlierRuns:
    """Which of a batch's contacts already ran a flow version (for `once_per_visitor`): one query
    per version the batch asks about, and the runs the batch itself starts."""

    def __init__(self, contact_ids: Collection[int]) -> None:
        self._contact_ids = list(contact_ids)
        self._known: dict[tuple[int, int], set[int]] = {}
        self._started: set[tuple[int, int, int]] = set()

    async def exists(self, flow_id: int, version: int, contact_id: int) -> bool:
        known = self._known.get((flow_id, version))
        if known is None:
            rows = await FlowRun.filter(
                flow_id=flow_id, version=version, contact_id__in=self._contact_ids
            ).values_list("contact_id")
            known = self._known[flow_id, version] = {contact_id for (contact_id,) in rows}
        return contact_id in known or (flow_id, version, contact_id) in self._started

    def add(self, flow_id: int, version: int, contact_id: int) -> None:
        self._started.add((flow_id, version, contact_id))


@dataclass
class Batch:
    """What the steps of one transaction share: their workspaces' flows, the locked contacts'
    values and the writes."""

    flows: Mapping[int, WorkspaceFlows]
    earlier_runs: EarlierRuns
    values: value_store.ValueStore
    writes: PendingWrites = field(default_factory=PendingWrites)

    async def flush(self) -> None:
        """Write what the steps did, runs first: history rows name their run."""
        await self.writes.flush()
        token = _flushing_flows.set(self.flows)
        try:
            await self.values.flush()
        finally:
            _flushing_flows.reset(token)


# The published flows a batch read under its lock, while its values flush: the "Property
# changed" triggers, which hear the flush, take their watched keys from them (one query less).
_flushing_flows: ContextVar[Mapping[int, WorkspaceFlows] | None] = ContextVar(
    "flushing_flows", default=None
)


async def lock_for_runs(contacts: Collection[Contact]) -> Batch:
    """Inside a transaction: lock the contacts and load their workspaces' flows, one query for
    all the published ones."""
    workspace_ids = sorted({contact.workspace_id for contact in contacts})
    published: dict[int, list[tuple[int, int]]] = {id: [] for id in workspace_ids}
    for workspace_id, flow_id, version in await (
        Flow.filter(workspace_id__in=workspace_ids, enabled=True, published_version__isnull=False)
        .order_by("id")
        .values_list("workspace_id", "id", "published_version")
    ):
        published[workspace_id].append((flow_id, version))
    flows = {}
    for workspace_id in workspace_ids:
        definitions = await properties_service.definitions_for_events(workspace_id)
        infos = properties_service.property_infos_from(definitions)
        flows[workspace_id] = WorkspaceFlows(definitions, infos, published[workspace_id])
    by_id = {
        definition.id: definition
        for workspace in flows.values()
        for definition in workspace.definitions.values()
    }
    earlier_runs = EarlierRuns([contact.id for contact in contacts])
    return Batch(flows, earlier_runs, await value_store.lock(contacts, by_id))


async def run_visits(batch: Batch, visits: Sequence[tuple[Contact, str]]) -> list[FlowChanges]:
    """Start the runs each (contact, url) visit triggers, in order, and write them all. A
    visited contact counts as updated even when no flow starts."""
    if not visits:
        return []
    contacts = list({contact.id: contact for contact, _ in visits}.values())
    await batch.values.touch(contacts)
    joined = await conversations.joined_contacts([contact.id for contact in contacts])
    log = await visits_log.VisitLog.load([contact.id for contact in contacts])
    changes = []
    for contact, url in visits:
        at = now()
        visit = log.visit(contact, url, at)
        if contact.id in joined:  # an operator talks with this visitor: no bot starts
            changes.append(FlowChanges(contact))
            continue
        changes.append(await _start_runs(batch, contact, triggered=partial(_visit_triggers, visit)))
        for flow_id, version in batch.flows[contact.workspace_id].published:
            program = await program_of(flow_id, version)
            await visits_log.schedule_stays(
                contact, flow_id=flow_id, version=version, program=program, url=url, at=at
            )
    await log.flush()
    await batch.flush()
    await _hand_off(changes)
    return changes


def _visit_triggers(
    visit: Visit, program: Program, _infos: Mapping[str, PropertyInfo]
) -> list[Trigger]:
    return visit_triggers(program, visit)


async def run_stay(batch: Batch, contact: Contact, payload: dict[str, Any]) -> FlowChanges | None:
    """Start the flow of a "stays on a page" timer whose page view is still the contact's last;
    None when the visitor moved on, the flow changed, or this job already ran."""
    view = f"{payload['flowId']}:{payload['nodeId']}:{payload['viewAt']}"
    cause = "stay:" + hashlib.sha256(view.encode()).hexdigest()[:40]
    if (payload["flowId"], payload["version"]) not in batch.flows[contact.workspace_id].published:
        return None
    if not await visits_log.still_there(contact, payload) or await FlowRun.exists(
        contact_id=contact.id, cause=cause
    ):
        return None
    trigger = Trigger(payload["nodeId"], payload["once"])
    changes = await _start_runs(
        batch,
        contact,
        triggered=lambda _program, _infos: [trigger],
        only=payload["flowId"],
        cause=cause,
    )
    await batch.flush()
    return changes


async def run_said(batch: Batch, contact: Contact, text: str) -> FlowChanges:
    """Start the flows whose "Visitor says" triggers the visitor's free text sets off, and
    write them; none while an operator has joined the contact's open conversation."""
    if await conversations.joined_contacts([contact.id]):
        return FlowChanges(contact)
    changes = await _start_runs(
        batch, contact, triggered=lambda program, _infos: said_triggers(program, text)
    )
    await batch.flush()
    await _hand_off([changes])
    return changes


async def run_changes(
    batch: Batch,
    contact: Contact,
    *,
    changed: Mapping[str, tuple[Any, Any]],
    chain: Sequence[int],
    cause: str,
) -> FlowChanges | None:
    """Start the flows whose "Property changed" triggers these committed changes set off (key →
    (old, new)), except the flows of `chain`; None when the job `cause` already did."""
    if await FlowRun.exists(contact_id=contact.id, cause=cause):
        return None
    changes = await _start_runs(
        batch,
        contact,
        triggered=lambda program, infos: changed_triggers(program, changed, infos),
        chain=chain,
        cause=cause,
    )
    await batch.flush()
    return changes


async def watched_keys_of(workspace_id: int) -> set[str]:
    """The properties whose changes may start one of the workspace's enabled published flows."""
    known = (_flushing_flows.get() or {}).get(workspace_id)
    published = (
        known.published
        if known is not None
        else await Flow.filter(
            workspace_id=workspace_id, enabled=True, published_version__isnull=False
        ).values_list("id", "published_version")
    )
    keys: set[str] = set()
    for flow_id, version in published:
        keys |= watched_keys(await program_of(flow_id, version))
    return keys


async def resume_waiting(batch: Batch, contact: Contact, *, reply: Reply) -> FlowChanges | None:
    """Continue the contact's waiting run with the visitor's reply and write it; None when no
    run waits."""
    await batch.values.touch([contact])
    run = await _waiting_run(contact)
    if run is None:
        return None
    changes = await _resume(batch, contact, run, reply=reply)
    await batch.flush()
    await _hand_off([changes])
    return changes


async def waiting_for_text(contact: Contact) -> bool:
    """Whether the contact's waiting run asks a question that free text answers (not buttons)."""
    run = await _waiting_run(contact)
    if run is None or run.current_node_id is None:
        return False
    node = (await program_of(run.flow_id, run.version)).nodes.get(run.current_node_id)
    return node is not None and not node.config.get("options")


async def _hand_off(changes: Sequence[FlowChanges]) -> None:
    """Inside the transaction: the conversations of the handed-off contacts wait for an
    operator."""
    for changed in changes:
        if changed.handed_off:
            changed.conversation = await conversations.hand_off(changed.contact)


async def wake_waiting(
    batch: Batch,
    contact: Contact,
    *,
    run_id: int,
    node_id: str,
    resume_at: datetime.datetime | None = None,
    port: str = "next",
) -> FlowChanges | None:
    """Continue from `port` the run waiting at `node_id` for a job (until `resume_at`, when
    given), and write it; None when the run no longer waits there (cancelled, or done)."""
    run = await FlowRun.get_or_none(
        id=run_id, contact_id=contact.id, status="waiting", current_node_id=node_id
    )
    if run is None or run.resume_at is None or resume_at not in (None, run.resume_at):
        return None
    await batch.values.touch([contact])
    changes = await step_woken(batch, contact, run, port=port)
    await batch.flush()
    return changes


async def step_woken(batch: Batch, contact: Contact, run: FlowRun, *, port: str) -> FlowChanges:
    """Plan the step of a run whose job came (a timer ended, a webhook answered), read under
    the batch's lock and still waiting at its node; its writes wait in the batch (the caller
    touches the contact and flushes)."""
    changes = FlowChanges(contact)
    node_id = run.current_node_id or ""
    program = await program_of(run.flow_id, run.version)
    step = engine_wake_run(
        program,
        state=RunState("waiting", node_id, resume_at=run.resume_at),
        values=batch.values.values(contact),
        properties=batch.flows[contact.workspace_id].infos,
        now=now(),
        port=port,
    )
    _apply(batch, contact, run, step, changes)
    batch.writes.run(run, _state_fields(step, node_id))
    return changes


async def _start_runs(
    batch: Batch,
    contact: Contact,
    *,
    triggered: Callable[[Program, Mapping[str, PropertyInfo]], list[Trigger]],
    chain: Sequence[int] = (),
    cause: str | None = None,
    only: int | None = None,
) -> FlowChanges:
    """Start every enabled published flow of the workspace (but those of `chain`; only the flow
    `only` when given) whose triggers `triggered` picks, within their limits."""
    changes = FlowChanges(contact)
    flows = batch.flows[contact.workspace_id]
    for flow_id, version in flows.published:
        if flow_id in chain or only not in (None, flow_id):
            continue
        program = await program_of(flow_id, version)
        for trigger in triggered(program, flows.infos):
            if trigger.once_per_visitor and await batch.earlier_runs.exists(
                flow_id, version, contact.id
            ):
                continue
            batch.earlier_runs.add(flow_id, version, contact.id)
            step = engine_start_run(
                program,
                trigger_id=trigger.node_id,
                values=batch.values.values(contact),
                properties=flows.infos,
                now=now(),
            )
            run = FlowRun(
                flow_id=flow_id,
                workspace_id=contact.workspace_id,
                version=version,
                contact_id=contact.id,
                trigger_chain=list(chain) or None,
                cause=cause,
            )
            _apply(batch, contact, run, step, changes)
            batch.writes.run(run, _state_fields(step, None))
            changes.started_runs += 1
    return changes


async def _resume(batch: Batch, contact: Contact, run: FlowRun, *, reply: Reply) -> FlowChanges:
    """Continue the contact's waiting run with the visitor's reply."""
    changes = FlowChanges(contact)
    program = await program_of(run.flow_id, run.version)
    answer = _answer_message(program, contact, run, reply)
    if answer is not None:
        batch.writes.message(answer, run)
        changes.answers.append(answer)
    state = RunState("waiting", run.current_node_id, run.retries)
    step = engine_resume_run(
        program,
        state=state,
        values=batch.values.values(contact),
        properties=batch.flows[contact.workspace_id].infos,
        reply=reply,
        now=now(),
    )
    _apply(batch, contact, run, step, changes)
    batch.writes.run(run, _state_fields(step, run.current_node_id))
    return changes


def _answer_message(
    program: Program, contact: Contact, run: FlowRun, reply: Reply
) -> BotMessage | None:
    """The visitor's reply as the transcript shows it: the text, or the pressed button's label
    (an index that names no button is no message)."""
    if reply.text is not None:
        if not reply.text.strip():
            return None
        return BotMessage(
            contact_id=contact.id,
            node_id=run.current_node_id,
            author=MessageAuthor.VISITOR,
            text=reply.text,
        )
    node = program.nodes.get(run.current_node_id or "")
    options = node.config.get("options") if node is not None else None
    if not options or reply.choice is None or not 0 <= reply.choice < len(options):
        return None
    label = str(options[reply.choice])
    return BotMessage(
        contact_id=contact.id,
        node_id=run.current_node_id,
        author=MessageAuthor.VISITOR,
        text=label,
        chosen=label,
    )


async def _waiting_run(contact: Contact) -> FlowRun | None:
    """The run waiting for this contact's answer (the newest, if several ever were)."""
    return (
        await FlowRun.filter(contact_id=contact.id, status="waiting", resume_at__isnull=True)
        .order_by("-id")
        .first()
    )


async def program_of(flow_id: int, version: int) -> Program:
    """The compiled program of a published version; versions never change, so it is cached."""
    key = (flow_id, version)
    program = _programs.get(key)
    if program is None:
        stored = await FlowVersion.get(flow_id=flow_id, version=version)
        program = compile_document(parse_document(stored.graph))
        _programs[key] = program
    return program


# Compiled programs of the open database's published versions (ids are per database, so the
# app's lifespan clears it whenever it opens one).
_programs: FIFOCache[tuple[int, int], Program] = FIFOCache(maxsize=PROGRAM_CACHE_SIZE)


def forget_programs() -> None:
    _programs.clear()


def _apply(batch: Batch, contact: Contact, run: FlowRun, step: Step, changes: FlowChanges) -> None:
    """Apply the step's effects: values change in `batch.values`, rows wait in `batch.writes`."""
    definitions = batch.flows[contact.workspace_id].definitions
    calls = {effect.node_id for effect in step.effects if isinstance(effect, CallWebhook)}
    for effect in step.effects:
        if isinstance(effect, CallWebhook):
            batch.writes.webhook(run, effect)
        elif isinstance(effect, Wait) and effect.resume_at and effect.node_id not in calls:
            batch.writes.timer(run, effect.node_id, effect.resume_at)
        if isinstance(effect, SendMessage):
            message = BotMessage(
                contact_id=contact.id,
                node_id=effect.node_id,
                text=effect.text,
                options=list(effect.options) if effect.options is not None else None,
                expects_answer=effect.expects_answer,
            )
            batch.writes.message(message, run)
            changes.messages.append(message)
        elif isinstance(effect, HandOff):
            changes.handed_off = True
        elif isinstance(effect, SetValue | Increment):
            visitor = isinstance(effect, SetValue) and effect.actor is Actor.VISITOR
            origin = StepOrigin(
                ChangeSource.VISITOR if visitor else ChangeSource.FLOW, run, effect.node_id
            )
            definition = definitions[effect.key]
            if isinstance(effect, Increment):
                batch.values.increment(contact, definition, effect.by, origin=origin)
            elif batch.values.set(contact, definition, effect.value, origin=origin) is None:
                continue
            changes.changed_keys.setdefault(origin.source, set()).add(effect.key)
    batch.writes.entered(run, step.path)


def _state_fields(step: Step, current_node_id: str | None) -> dict[str, Any]:
    """A run's columns after `step`."""
    end = next((effect for effect in step.effects if isinstance(effect, End)), None)
    finished = step.state.status in ("completed", "failed")
    return {
        "status": step.state.status,
        "current_node_id": step.state.node_id or (step.path[-1] if step.path else current_node_id),
        "retries": step.state.retries,
        "failure": end.reason[:500] if end is not None and end.failed else None,
        "finished_at": now() if finished else None,
        "resume_at": step.state.resume_at,
    }
