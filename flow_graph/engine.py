"""The flow interpreter: state and input in, effects and the new state out. No I/O.

A run walks from its trigger through nodes until one waits for the visitor (`decision`,
`ask_question`), for the clock (`wait`), or the flow ends. `start_run` begins at a trigger,
`resume_run` continues a waiting run with the visitor's reply, `wake_run` continues a run whose
timer is due. The caller applies the returned effects (in one transaction), keeps the returned
state, and passes `now` (flow_graph has no clock of its own).

URL matching (`page_visit`): a pattern starting with "/" is compared with the visited URL's path,
or with path and query when the pattern has a "?"; any other pattern is compared with the whole
URL without its scheme, query included ("shop.example.com/pricing?ref=ad"). Comparison ignores
case, the fragment and one trailing "/"; `glob` understands `*` (any run of characters, "/"
included) and `?`. A URL that cannot be split (an unclosed "[" of an IPv6 host, as any visitor
may send) matches no pattern: the visit still counts, it just starts nothing.
"""

from __future__ import annotations

import datetime
import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flow_graph.document import FlowDocument
from flow_graph.effects import Effect, End, Increment, SetValue, Wait
from flow_graph.nodes import NodeType, node_type
from flow_graph.nodes.base import Outcome, Reply, RunContext
from flow_graph.nodes.property_changed import fires
from flow_graph.nodes.visitor_says import says
from flow_graph.property_types import PropertyInfo, incremented

MAX_STEPS = 1000


@dataclass(frozen=True)
class RunState:
    """Where a run is: `waiting` at `node_id` (with `retries` invalid answers so far, or until
    `resume_at` on a timer), `completed` or `failed`."""

    status: str
    node_id: str | None = None
    retries: int = 0
    resume_at: datetime.datetime | None = None


@dataclass(frozen=True)
class Step:
    effects: tuple[Effect, ...]
    state: RunState
    path: tuple[str, ...]
    """The nodes entered during this step, in order (for statistics and simulation)."""


@dataclass(frozen=True)
class Trigger:
    node_id: str
    once_per_visitor: bool


@dataclass(frozen=True)
class _CompiledNode:
    type: NodeType
    config: dict[str, Any]


@dataclass(frozen=True)
class Program:
    """A published document made ready to run: parsed configs and wires by (node, port)."""

    nodes: Mapping[str, _CompiledNode]
    wires: Mapping[tuple[str, str], str]
    triggers: tuple[tuple[str, str, dict[str, Any]], ...] = ()
    """(node id, type, config) of each trigger."""


def compile_document(document: FlowDocument) -> Program:
    """Nodes whose type is known and whose config is valid; a published flow has only those."""
    nodes: dict[str, _CompiledNode] = {}
    for node in document.nodes:
        kind = node_type(node.type)
        if kind is None or node.id in nodes:
            continue
        config, problems = kind.parse_config(node.config)
        if not problems:
            nodes[node.id] = _CompiledNode(kind, config)
    wires = {(edge.source, edge.source_port): edge.target for edge in document.edges}
    triggers = tuple(
        (node_id, n.type.type, n.config) for node_id, n in nodes.items() if n.type.is_trigger
    )
    return Program(nodes=nodes, wires=wires, triggers=triggers)


def matching_triggers(program: Program, url: str) -> list[Trigger]:
    """The triggers a page visit to `url` sets off."""
    return [
        Trigger(node_id, config["limit"] == "once_per_visitor")
        for node_id, kind, config in program.triggers
        if kind == "page_visit" and url_matches(config["match"], config["url"], url)
    ]


@dataclass(frozen=True)
class Visit:
    """A page view as the visit triggers see it: the URL, and how long the visitor had been
    away (None: this is their first page view)."""

    url: str
    minutes_away: float | None = None


def visit_triggers(program: Program, visit: Visit) -> list[Trigger]:
    """The triggers a page view sets off at once: matching pages, a first visit, a return."""
    triggers = matching_triggers(program, visit.url)
    away = visit.minutes_away
    for node_id, kind, config in program.triggers:
        first = kind == "first_visit" and away is None
        back = kind == "returning_visitor" and away is not None and away >= config["minutes"]
        if first or back:
            triggers.append(Trigger(node_id, once_per_visitor=False))
    return triggers


def stay_triggers(program: Program, url: str) -> list[tuple[Trigger, int]]:
    """The "Visitor stays on a page" triggers of a page view, each with its seconds: they fire
    if no other page view comes first."""
    return [
        (Trigger(node_id, config["limit"] == "once_per_visitor"), config["seconds"])
        for node_id, kind, config in program.triggers
        if kind == "visitor_stays" and url_matches(config["match"], config["url"], url)
    ]


def said_triggers(program: Program, text: str) -> list[Trigger]:
    """The "Visitor says" triggers the visitor's free text sets off."""
    return [
        Trigger(node_id, once_per_visitor=False)
        for node_id, kind, config in program.triggers
        if kind == "visitor_says" and says(config, text)
    ]


def changed_triggers(
    program: Program,
    changes: Mapping[str, tuple[Any, Any]],
    properties: Mapping[str, PropertyInfo],
) -> list[Trigger]:
    """The "Property changed" triggers that committed changes set off (`changes`: key → (old,
    new)); a trigger on a property deleted since publishing never fires."""
    triggers = []
    for node_id, kind, config in program.triggers:
        change = changes.get(config["key"]) if kind == "property_changed" else None
        info = properties.get(config["key"]) if change is not None else None
        if change is not None and info is not None and fires(config, info, *change):
            triggers.append(Trigger(node_id, config["limit"] == "once_per_contact"))
    return triggers


def watched_keys(program: Program) -> set[str]:
    """The properties whose changes may start this program."""
    return {config["key"] for _, kind, config in program.triggers if kind == "property_changed"}


def url_matches(match: str, pattern: str, url: str) -> bool:
    pattern = _comparable(pattern.strip())
    path_only = pattern.startswith("/")
    target = _target(url, with_query="?" in pattern or not path_only, path_only=path_only)
    if target is None:
        return False
    if match == "exact":
        return target == pattern
    if match == "contains":
        return pattern in target
    if match == "prefix":
        return target.startswith(pattern)
    return fnmatch.fnmatchcase(target, pattern)


def start_run(
    program: Program,
    *,
    trigger_id: str,
    values: Mapping[str, Any],
    properties: Mapping[str, PropertyInfo],
    now: datetime.datetime | None = None,
) -> Step:
    """Begin a run at `trigger_id` and walk until it waits or ends."""
    walk = _Walk(program, dict(values), properties, now)
    return walk.run_from(trigger_id)


def resume_run(
    program: Program,
    *,
    state: RunState,
    values: Mapping[str, Any],
    properties: Mapping[str, PropertyInfo],
    reply: Reply,
    now: datetime.datetime | None = None,
) -> Step:
    """Continue a waiting run with the visitor's reply."""
    walk = _Walk(program, dict(values), properties, now)
    node = program.nodes.get(state.node_id or "")
    if state.status != "waiting" or node is None or not node.type.waits or node.type.timer:
        return walk.finish(End(failed=True, reason="the run is not waiting for an answer"))
    run = RunContext(state.node_id or "", walk.values, properties, now)
    outcome = node.type.answer(node.config, run, reply, state.retries)
    if outcome.wait:
        walk.take(outcome.effects)
        return Step(tuple(walk.effects), RunState("waiting", state.node_id, state.retries + 1), ())
    return walk.follow(state.node_id or "", outcome)


def wake_run(
    program: Program,
    *,
    state: RunState,
    values: Mapping[str, Any],
    properties: Mapping[str, PropertyInfo],
    now: datetime.datetime,
    port: str = "next",
) -> Step:
    """Continue a run whose job is done (a timer due, a webhook delivered) from `port` of the
    node it waits at."""
    walk = _Walk(program, dict(values), properties, now)
    node = program.nodes.get(state.node_id or "")
    if state.status != "waiting" or node is None or not node.type.timer:
        return walk.finish(End(failed=True, reason="the run is not waiting on a timer"))
    return walk.follow(state.node_id or "", Outcome(port=port))


class _Walk:
    """One step's walk: collects effects and keeps `values` current as effects happen."""

    def __init__(
        self,
        program: Program,
        values: dict[str, Any],
        properties: Mapping[str, PropertyInfo],
        now: datetime.datetime | None,
    ) -> None:
        self.program = program
        self.values = values
        self.properties = properties
        self.now = now
        self.effects: list[Effect] = []
        self.path: list[str] = []

    def run_from(self, node_id: str) -> Step:
        current = node_id
        while True:
            if len(self.path) >= MAX_STEPS:
                return self.finish(
                    End(failed=True, reason=f"more than {MAX_STEPS} steps without waiting")
                )
            node = self.program.nodes.get(current)
            if node is None:
                return self.finish(End(failed=True, reason=f"node '{current}' cannot run"))
            self.path.append(current)
            run = RunContext(current, self.values, self.properties, self.now)
            outcome = node.type.enter(node.config, run)
            if outcome.wait:
                self.take(outcome.effects)
                self.effects.append(Wait(current, outcome.resume_at))
                state = RunState("waiting", current, resume_at=outcome.resume_at)
                return Step(tuple(self.effects), state, tuple(self.path))
            next_node = self._next(current, outcome)
            if isinstance(next_node, End):
                return self.finish(next_node)
            current = next_node

    def follow(self, node_id: str, outcome: Outcome) -> Step:
        """Continue after a node that was answered."""
        next_node = self._next(node_id, outcome)
        if isinstance(next_node, End):
            return self.finish(next_node)
        return self.run_from(next_node)

    def _next(self, node_id: str, outcome: Outcome) -> str | End:
        self.take(outcome.effects)
        if outcome.failure is not None:
            return End(failed=True, reason=f"node '{node_id}': {outcome.failure}")
        if outcome.port is None:
            return End()
        target = self.program.wires.get((node_id, outcome.port))
        if target is None:
            if outcome.port == "failed":
                return End(failed=True, reason=f"node '{node_id}': no valid answer")
            return End()
        return target

    def take(self, effects: list[Effect]) -> None:
        """Record effects and apply value changes, so later nodes see them."""
        for effect in effects:
            if isinstance(effect, SetValue):
                self.values[effect.key] = effect.value
            elif isinstance(effect, Increment):
                self.values[effect.key] = incremented(self.values.get(effect.key), effect.by)
        self.effects.extend(effects)

    def finish(self, end: End) -> Step:
        self.effects.append(end)
        status = "failed" if end.failed else "completed"
        return Step(tuple(self.effects), RunState(status), tuple(self.path))


def _comparable(text: str) -> str:
    text = text.casefold()
    for scheme in ("https://", "http://"):
        text = text.removeprefix(scheme)
    return text[:-1] if len(text) > 1 and text.endswith("/") else text


def _target(url: str, *, with_query: bool, path_only: bool) -> str | None:
    """What a pattern is compared with; None for a URL that cannot be split."""
    try:
        parts = urlsplit(url.strip())
        if not parts.scheme and not url.strip().startswith("/"):
            parts = urlsplit("//" + url.strip())  # "shop.example.com/pricing" without a scheme
    except ValueError:
        return None
    path = parts.path or "/"
    query = f"?{parts.query}" if with_query and parts.query else ""
    target = path + query if path_only else f"{parts.netloc}{path}{query}"
    return _comparable(target)
