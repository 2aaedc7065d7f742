"""GraphQL queries and mutations of the flows domain."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from tortoise.timezone import now

from api.contacts.types import Contact
from api.flows import service, timers
from api.flows.types import (
    Flow,
    FlowRun,
    NodeType,
    SimulationResult,
    ValidationIssue,
    ValidationReport,
)
from flow_graph import Severity, describe_node_types


@strawberry.type
class Query:
    @strawberry.field
    async def flows(self, info: strawberry.Info) -> list[Flow]:
        flows = await service.list_flows(await info.context.workspace_id())
        return [Flow.from_model(flow) for flow in flows]

    @strawberry.field
    async def flow(self, info: strawberry.Info, id: strawberry.ID) -> Flow | None:
        flow = await service.find_flow(await info.context.workspace_id(), str(id))
        return Flow.from_model(flow) if flow else None

    @strawberry.field(description="Every problem of a document, against current properties.")
    async def validate_flow(self, info: strawberry.Info, graph: JSON) -> ValidationReport:
        issues = await service.validate_graph(await info.context.workspace_id(), graph)
        return ValidationReport(
            valid=not any(issue.severity is Severity.ERROR for issue in issues),
            issues=[ValidationIssue.from_issue(issue) for issue in issues],
        )

    @strawberry.field(description="The flow's runs, newest first.")
    async def flow_runs(
        self, info: strawberry.Info, flow_id: strawberry.ID, first: int | None = 50
    ) -> list[FlowRun]:
        runs = await service.runs_of(
            await info.context.workspace_id(), str(flow_id), first=50 if first is None else first
        )
        return [FlowRun.from_model(run, Contact.from_model(run.contact)) for run in runs]

    @strawberry.field(description="The contact's runs waiting on a timer, soonest first.")
    async def contact_pending_steps(
        self, info: strawberry.Info, contact_id: strawberry.ID
    ) -> list[FlowRun]:
        workspace_id = await info.context.workspace_id()
        runs = await timers.pending_of(workspace_id, str(contact_id))
        return [FlowRun.from_model(run, Contact.from_model(run.contact)) for run in runs]

    @strawberry.field(
        description='A dry run; events: [{"pageView": url} | {"text": answer} | {"choice": i} '
        '| {"property": {"key", "value"}}] (a property changed elsewhere).'
    )
    async def simulate_flow(
        self,
        info: strawberry.Info,
        graph: JSON,
        events: JSON,
        contact_id: strawberry.ID | None = None,
    ) -> SimulationResult:
        simulation = await service.simulate(
            await info.context.workspace_id(),
            graph,
            contact_id=str(contact_id) if contact_id is not None else None,
            events=events,
        )
        return SimulationResult.from_simulation(simulation, at=now())

    @strawberry.field(description="The node-type registry, for palettes and config forms.")
    async def node_types(self, info: strawberry.Info) -> list[NodeType]:
        await info.context.operator()
        return [NodeType.from_description(described) for described in describe_node_types()]


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_flow(
        self, info: strawberry.Info, name: str, graph: JSON | None = None
    ) -> Flow:
        flow = await service.create_flow(await info.context.workspace_id(), name=name, graph=graph)
        return Flow.from_model(flow)

    @strawberry.mutation(description="CONFLICT when expectedRevision is not the current revision.")
    async def save_flow_draft(
        self,
        info: strawberry.Info,
        id: strawberry.ID,
        graph: JSON,
        name: str | None = None,
        expected_revision: int | None = None,
    ) -> Flow:
        flow = await service.save_draft(
            await info.context.workspace_id(),
            str(id),
            graph=graph,
            name=name,
            expected_revision=expected_revision,
        )
        return Flow.from_model(flow)

    @strawberry.mutation(description="Copies that version into the draft.")
    async def restore_flow_version(
        self, info: strawberry.Info, id: strawberry.ID, version: int
    ) -> Flow:
        workspace_id = await info.context.workspace_id()
        flow = await service.restore_version(workspace_id, str(id), version=version)
        return Flow.from_model(flow)

    @strawberry.mutation(
        description="VALIDATION_FAILED with every issue when the draft has errors."
    )
    async def publish_flow(self, info: strawberry.Info, id: strawberry.ID) -> Flow:
        operator = await info.context.operator()
        flow = await service.publish(operator.workspace_id, str(id), actor_id=operator.id)
        return Flow.from_model(flow)

    @strawberry.mutation
    async def set_flow_enabled(
        self, info: strawberry.Info, id: strawberry.ID, enabled: bool
    ) -> Flow:
        workspace_id = await info.context.workspace_id()
        flow = await service.set_enabled(workspace_id, str(id), enabled=enabled)
        return Flow.from_model(flow)

    @strawberry.mutation(description="Stop a waiting run; VALIDATION_FAILED when it is not.")
    async def cancel_flow_run(self, info: strawberry.Info, id: strawberry.ID) -> FlowRun:
        run = await timers.cancel_run(await info.context.workspace_id(), str(id))
        return FlowRun.from_model(run, Contact.from_model(run.contact))

    @strawberry.mutation
    async def delete_flow(self, info: strawberry.Info, id: strawberry.ID) -> bool:
        await service.delete_flow(await info.context.workspace_id(), str(id))
        return True
