"""A dry run of a document: page visits, answers and clicks in, what would happen out.

The editor's preview uses it on a draft; nothing is written anywhere, and trigger limits are
ignored (a designer previews the same visit again and again). A timed wait does not hold the
preview up: it is recorded with the moment it would end, and the clock jumps there.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flow_graph.effects import Increment, SendMessage, SetValue
from flow_graph.engine import (
    Program,
    RunState,
    Step,
    Trigger,
    Visit,
    changed_triggers,
    resume_run,
    said_triggers,
    start_run,
    stay_triggers,
    visit_triggers,
    wake_run,
)
from flow_graph.errors import InvalidValueError
from flow_graph.nodes.base import Reply
from flow_graph.property_types import PropertyInfo, incremented, normalize_value

MAX_EVENTS = 100


@dataclass(frozen=True)
class SimulatedTimer:
    """A wait the run went through: which node, and when the run would go on."""

    node_id: str
    resume_at: datetime.datetime


@dataclass
class Simulation:
    messages: list[SendMessage] = field(default_factory=list)
    changes: list[SetValue | Increment] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    waiting: RunState | None = None
    timers: list[SimulatedTimer] = field(default_factory=list)


def simulate(
    program: Program,
    events: Sequence[Mapping[str, Any]],
    *,
    values: Mapping[str, Any],
    properties: Mapping[str, PropertyInfo],
    now: datetime.datetime,
) -> Simulation:
    """Events are {"pageView": url}, {"text": answer}, {"choice": index} or {"property":
    {"key", "value"}} (a change from elsewhere: an operator, the API), applied in order and
    checked first (`check_events`); a text with no question waiting is what the visitor says (it
    may start "Visitor says" triggers), a choice then is ignored. The first page view is a first
    visit; the visitor stays on each page long enough for its "stays on a page" triggers. A
    property event starts the "Property changed" triggers it sets off; the flow's own writes
    start none (a flow never triggers itself)."""
    result = Simulation()
    current = dict(values)
    clock = [now]
    views = 0
    for event in events:
        triggers: list[Trigger] = []
        if "pageView" in event:
            url = str(event["pageView"])
            visit = Visit(url, minutes_away=None if views == 0 else 0)
            views += 1
            stays = [trigger for trigger, _seconds in stay_triggers(program, url)]
            triggers = [*visit_triggers(program, visit), *stays]
        elif "property" in event:
            key, value = event["property"]["key"], event["property"]["value"]
            info = properties[key]
            new = normalize_value(info.type, value, options=info.options, key=key)
            old, current[key] = current.get(key), new
            triggers = changed_triggers(program, {key: (old, new)}, properties)
        elif result.waiting is None and "text" in event:
            triggers = said_triggers(program, str(event["text"]))
        elif result.waiting is not None:
            reply = Reply(text=event.get("text"), choice=event.get("choice"))
            step = resume_run(
                program,
                state=result.waiting,
                values=current,
                properties=properties,
                reply=reply,
                now=clock[0],
            )
            _take(program, step, result, current, properties, clock)
        for trigger in triggers:
            step = start_run(
                program,
                trigger_id=trigger.node_id,
                values=current,
                properties=properties,
                now=clock[0],
            )
            _take(program, step, result, current, properties, clock)
    return result


def check_events(events: Any, properties: Mapping[str, PropertyInfo]) -> str | None:
    """Why `events` is not a list of simulation events, or None when it is."""
    if not isinstance(events, list) or len(events) > MAX_EVENTS:
        return f"events must be a list of at most {MAX_EVENTS} events"
    for index, event in enumerate(events):
        if not isinstance(event, dict) or len(event) != 1:
            return f"event {index + 1} must be one of pageView, text, choice or property"
        ((name, value),) = event.items()
        if name == "property":
            problem = _property_problem(value, properties)
            if problem:
                return f"event {index + 1}: {problem}"
            continue
        wanted = {"pageView": str, "text": str, "choice": int}.get(name)
        if wanted is None:
            known = "pageView, text, choice or property"
            return f"event {index + 1}: unknown event '{name}' (use {known})"
        if not isinstance(value, wanted) or isinstance(value, bool):
            return f"event {index + 1}: {name} needs a {'number' if wanted is int else 'text'}"
    return None


def _property_problem(change: Any, properties: Mapping[str, PropertyInfo]) -> str | None:
    if not isinstance(change, dict) or set(change) != {"key", "value"}:
        return 'property needs {"key", "value"}'
    info = properties.get(change["key"]) if isinstance(change["key"], str) else None
    if info is None:
        return f"there is no property '{change['key']}'"
    try:
        normalize_value(info.type, change["value"], options=info.options, key=info.key)
    except InvalidValueError as refused:
        return str(refused)
    return None


def _take(
    program: Program,
    step: Step,
    result: Simulation,
    values: dict[str, Any],
    properties: Mapping[str, PropertyInfo],
    clock: list[datetime.datetime],
) -> None:
    """Record what a step did; a wait for a job ends at once (the clock moved to its end; a
    webhook call is taken as answered), and a loop through a wait stops after MAX_EVENTS."""
    while True:
        result.path.extend(step.path)
        for effect in step.effects:
            if isinstance(effect, SendMessage):
                result.messages.append(effect)
            elif isinstance(effect, SetValue):
                result.changes.append(effect)
                values[effect.key] = effect.value
            elif isinstance(effect, Increment):
                result.changes.append(effect)
                values[effect.key] = incremented(values.get(effect.key), effect.by)
        state = step.state
        result.waiting = state if state.status == "waiting" else None
        if state.resume_at is None or len(result.timers) >= MAX_EVENTS:
            return
        node_id = state.node_id or ""
        result.timers.append(SimulatedTimer(node_id, state.resume_at))
        clock[0] = state.resume_at
        step = wake_run(
            program,
            state=state,
            values=values,
            properties=properties,
            now=state.resume_at,
            port=program.nodes[node_id].type.preview_port,
        )
