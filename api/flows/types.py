"""GraphQL types of the flows domain."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from api.flows import models, service
from api.visitors.types import BotMessage
from api.workspaces.types import Operator
from flow_graph import Issue
from flow_graph.effects import Increment, SetValue
from flow_graph.simulation import Simulation

if TYPE_CHECKING:
    from api.contacts.types import Contact


@strawberry.type(description="A frozen, numbered version of a flow; only the published one runs.")
class FlowVersion:
    version: int
    graph: JSON
    published_at: datetime
    published_by_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, version: models.FlowVersion) -> FlowVersion:
        return cls(
            version=version.version,
            graph=JSON(version.graph),
            published_at=version.published_at,
            published_by_id=version.published_by_id,
        )

    @strawberry.field
    async def published_by(self, info: strawberry.Info) -> Operator | None:
        if self.published_by_id is None:
            return None
        operator = await info.context.operators.load(self.published_by_id)
        return Operator.from_model(operator) if operator else None


@strawberry.type
class NodeStat:
    node_id: str
    entered: int


@strawberry.type(description="An automation flow: a graph document edited as a draft.")
class Flow:
    id: strawberry.ID
    name: str
    revision: int = strawberry.field(
        description="+1 on every draft save; saveFlowDraft(expectedRevision) guards lost updates."
    )
    enabled: bool = strawberry.field(
        description="Whether it runs: published and not switched off (setFlowEnabled)."
    )
    draft: JSON = strawberry.field(description='The graph document: {"nodes": [], "edges": []}.')
    updated_at: datetime
    published_version: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, flow: models.Flow) -> Flow:
        return cls(
            id=strawberry.ID(str(flow.id)),
            name=flow.name,
            revision=flow.revision,
            enabled=flow.enabled and flow.published_version is not None,
            draft=JSON(flow.draft),
            updated_at=flow.updated_at,
            published_version=flow.published_version,
        )

    @strawberry.field(description="Every published version, newest first.")
    async def versions(self, info: strawberry.Info) -> list[FlowVersion]:
        versions = await info.context.flow_versions.load(int(self.id))
        return [FlowVersion.from_model(version) for version in versions]

    @strawberry.field(description="How many runs entered each node of the published version.")
    async def stats(self, info: strawberry.Info) -> list[NodeStat]:
        counts = await info.context.flow_stats.load(int(self.id))
        return [NodeStat(node_id=node_id, entered=entered) for node_id, entered in counts.items()]

    @strawberry.field(description="The version that runs; null until first published.")
    async def published(self, info: strawberry.Info) -> FlowVersion | None:
        for version in await info.context.flow_versions.load(int(self.id)):
            if version.version == self.published_version:
                return FlowVersion.from_model(version)
        return None


@strawberry.type(description="One run of a flow for one contact.")
class FlowRun:
    id: strawberry.ID
    version: int
    status: str = strawberry.field(description="running, waiting, completed, failed or cancelled.")
    current_node_id: str | None
    started_at: datetime
    finished_at: datetime | None
    resume_at: datetime | None = strawberry.field(
        description="When a run waiting on a timer (a Wait node) goes on; null otherwise."
    )
    failure: str | None = strawberry.field(description="Why a failed run failed.")
    # Given by whoever builds it (a contact's runs are listed from the contact itself), so
    # this module needs no contacts type at run time.
    contact: Annotated[Contact, strawberry.lazy("api.contacts.types")]
    flow_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, run: models.FlowRun, contact: Contact) -> FlowRun:
        return cls(
            id=strawberry.ID(str(run.id)),
            version=run.version,
            status=run.status,
            current_node_id=run.current_node_id,
            started_at=run.started_at,
            finished_at=run.finished_at,
            resume_at=run.resume_at,
            failure=run.failure,
            contact=contact,
            flow_id=run.flow_id,
        )

    @strawberry.field
    async def flow(self, info: strawberry.Info) -> Flow:
        workspace_id = await info.context.workspace_id()
        return Flow.from_model(await service.get_flow(workspace_id, str(self.flow_id)))


@strawberry.type(description="A dry run of a flow document against a contact: nothing is written.")
class SimulationResult:
    messages: list[BotMessage]
    effects: JSON = strawberry.field(
        description='[{"kind": "set"|"increment", "key", "value"|"by", "nodeId"}]'
    )
    path: list[str] = strawberry.field(description="Node ids in the order they ran.")
    waiting_at: str | None = strawberry.field(description="The node waiting for an answer.")
    timers: list[SimulatedTimer] = strawberry.field(
        description="The waits the run went through (the preview does not hold at them)."
    )

    @classmethod
    def from_simulation(cls, simulation: Simulation, at: datetime) -> SimulationResult:
        return cls(
            messages=[
                BotMessage(
                    id=strawberry.ID(f"sim-{index}"),
                    text=message.text,
                    options=list(message.options) if message.options is not None else None,
                    expects_answer=message.expects_answer,
                    at=at,
                )
                for index, message in enumerate(simulation.messages, start=1)
            ],
            effects=JSON([_change_as_json(change) for change in simulation.changes]),
            path=simulation.path,
            waiting_at=simulation.waiting.node_id if simulation.waiting else None,
            timers=[
                SimulatedTimer(node_id=timer.node_id, resume_at=timer.resume_at)
                for timer in simulation.timers
            ],
        )


@strawberry.type(description="A wait of a preview: the node, and when the run would go on.")
class SimulatedTimer:
    node_id: str
    resume_at: datetime


def _change_as_json(change: SetValue | Increment) -> dict[str, Any]:
    if isinstance(change, SetValue):
        return {"kind": "set", "key": change.key, "value": change.value, "nodeId": change.node_id}
    return {"kind": "increment", "key": change.key, "by": change.by, "nodeId": change.node_id}


@strawberry.type
class ValidationIssue:
    code: str
    severity: str = strawberry.field(description='"error" or "warning".')
    message: str
    node_id: str | None
    edge_id: str | None

    @classmethod
    def from_issue(cls, issue: Issue) -> ValidationIssue:
        return cls(
            code=issue.code.value,
            severity=issue.severity.value,
            message=issue.message,
            node_id=issue.node_id,
            edge_id=issue.edge_id,
        )


@strawberry.type
class ValidationReport:
    valid: bool = strawberry.field(description="No errors (warnings do not block publishing).")
    issues: list[ValidationIssue]


@strawberry.type(description="A node type of the registry: the editor builds forms from it.")
class NodeType:
    type: str
    label: str
    category: str
    is_trigger: bool
    waits: bool
    timer: bool = strawberry.field(description="Waits for the clock (a job resumes it).")
    config_schema: JSON
    ports: JSON

    @classmethod
    def from_description(cls, described: dict[str, Any]) -> NodeType:
        return cls(
            type=described["type"],
            label=described["label"],
            category=described["category"],
            is_trigger=described["isTrigger"],
            waits=described["waits"],
            timer=described["timer"],
            config_schema=described["configSchema"],
            ports=described["ports"],
        )
