"""Running published flows for a contact: start runs on a page visit, resume a waiting run.

Everything here runs inside the caller's transaction: the effects of a step, the run's new state,
its node entries, its bot messages and the history rows are committed together. The caller
publishes change events after the commit, from the returned `Applied`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tortoise.timezone import now

from api.contacts import service as contacts_service
from api.contacts.models import ChangeSource, Contact
from api.flows import service as flows_service
from api.flows.models import BotMessage, Flow, FlowNodeEntry, FlowRun, FlowVersion
from api.properties import service as properties_service
from api.properties.models import PropertyDefinition
from flow_graph import PropertyInfo, parse_document
from flow_graph.effects import Actor, End, Increment, SendMessage, SetValue
from flow_graph.engine import Program, RunState, Step, compile_document, matching_triggers
from flow_graph.engine import resume_run as engine_resume_run
from flow_graph.engine import start_run as engine_start_run
from flow_graph.nodes.base import Reply

PROGRAM_CACHE_SIZE = 256


@dataclass(frozen=True)
class Facts:
    """The workspace's property definitions, loaded once per event, in both shapes needed."""

    definitions: Mapping[str, PropertyDefinition]
    infos: Mapping[str, PropertyInfo]


async def facts_of(workspace_id: int) -> Facts:
    definitions = await properties_service.definitions_for_events(workspace_id)
    return Facts(definitions, flows_service.property_infos_from(definitions))


@dataclass
class Applied:
    """What applying steps did, for the response and for events after commit."""

    messages: list[BotMessage] = field(default_factory=list)
    changed_keys: dict[ChangeSource, set[str]] = field(default_factory=dict)
    started_runs: int = 0


async def start_runs(
    contact: Contact, *, url: str, values: dict[str, Any], facts: Facts
) -> Applied:
    """Start every enabled published flow of the workspace whose trigger matches `url`."""
    applied = Applied()
    published = await (
        Flow.filter(
            workspace_id=contact.workspace_id, enabled=True, published_version__isnull=False
        )
        .order_by("id")
        .values_list("id", "published_version")
    )
    for flow_id, version in published:
        program = await program_of(flow_id, version)
        for trigger in matching_triggers(program, url):
            if trigger.once_per_visitor and await FlowRun.exists(
                flow_id=flow_id, version=version, contact_id=contact.id
            ):
                continue
            step = engine_start_run(
                program, trigger_id=trigger.node_id, values=values, properties=facts.infos
            )
            run = await FlowRun.create(
                flow_id=flow_id,
                workspace_id=contact.workspace_id,
                version=version,
                contact_id=contact.id,
                **_state_fields(step, None),
            )
            await _apply(contact, run, step, values, facts, applied)
            applied.started_runs += 1
    return applied


async def resume(
    contact: Contact,
    run: FlowRun,
    *,
    reply: Reply,
    values: dict[str, Any],
    facts: Facts,
) -> Applied:
    """Continue the contact's waiting run with the visitor's reply."""
    applied = Applied()
    program = await program_of(run.flow_id, run.version)
    state = RunState("waiting", run.current_node_id, run.retries)
    step = engine_resume_run(
        program, state=state, values=values, properties=facts.infos, reply=reply
    )
    await _apply(contact, run, step, values, facts, applied)
    await FlowRun.filter(id=run.id).update(
        updated_at=now(), **_state_fields(step, run.current_node_id)
    )
    return applied


async def waiting_run(contact: Contact) -> FlowRun | None:
    """The run waiting for this contact's answer (the newest, if several ever were)."""
    return await FlowRun.filter(contact_id=contact.id, status="waiting").order_by("-id").first()


async def program_of(flow_id: int, version: int) -> Program:
    """The compiled program of a published version; versions never change, so it is cached."""
    key = (flow_id, version)
    program = _programs.get(key)
    if program is None:
        stored = await FlowVersion.get(flow_id=flow_id, version=version)
        program = compile_document(parse_document(stored.graph))
        if len(_programs) >= PROGRAM_CACHE_SIZE:
            _programs.pop(next(iter(_programs)))
        _programs[key] = program
    return program


# Compiled programs of the open database's published versions (ids are per database, so the
# app's lifespan clears it whenever it opens one).
_programs: dict[tuple[int, int], Program] = {}


def forget_programs() -> None:
    _programs.clear()


async def _apply(
    contact: Contact,
    run: FlowRun,
    step: Step,
    values: dict[str, Any],
    facts: Facts,
    applied: Applied,
) -> None:
    definitions = facts.definitions
    for effect in step.effects:
        origin = contacts_service.Origin(
            ChangeSource.FLOW, f"{run.flow_id}:{run.version}:{_node_of(effect)}:{run.id}"
        )
        if isinstance(effect, SetValue):
            if effect.actor is Actor.VISITOR:
                origin = contacts_service.Origin(ChangeSource.VISITOR, origin.source_id)
            changes = await contacts_service.apply_values(
                contact,
                [(definitions[effect.key], effect.value)],
                origin=origin,
                locked_values=values,
            )
            for change in changes:
                values[change.key] = change.new
                applied.changed_keys.setdefault(origin.source, set()).add(change.key)
        elif isinstance(effect, Increment):
            change = await contacts_service.apply_increment(
                contact, definitions[effect.key], effect.by, origin=origin, locked_values=values
            )
            values[change.key] = change.new
            applied.changed_keys.setdefault(origin.source, set()).add(change.key)
        elif isinstance(effect, SendMessage):
            applied.messages.append(
                await BotMessage.create(
                    contact_id=contact.id,
                    run_id=run.id,
                    node_id=effect.node_id,
                    text=effect.text,
                    options=list(effect.options) if effect.options is not None else None,
                    expects_answer=effect.expects_answer,
                )
            )
    await _save_state(run, step)


async def _save_state(run: FlowRun, step: Step) -> None:
    """The step's node entries; a newer question supersedes the contact's older ones."""
    if step.path:
        await FlowNodeEntry.bulk_create(
            [
                FlowNodeEntry(run_id=run.id, flow_id=run.flow_id, version=run.version, node_id=n)
                for n in step.path
            ]
        )
    if step.state.status == "waiting":
        await (
            FlowRun.filter(contact_id=run.contact_id, status="waiting")
            .exclude(id=run.id)
            .update(status="failed", failure="superseded by a newer question", finished_at=now())
        )


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
    }


def _node_of(effect: object) -> str:
    return str(getattr(effect, "node_id", ""))
