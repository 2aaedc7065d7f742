"""GraphQL types of the flows domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from api.flows import models
from api.workspaces.types import Operator
from flow_graph import Issue


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


@strawberry.type(description="An automation flow: a graph document edited as a draft.")
class Flow:
    id: strawberry.ID
    name: str
    revision: int = strawberry.field(
        description="+1 on every draft save; saveFlowDraft(expectedRevision) guards lost updates."
    )
    enabled: bool
    draft: JSON = strawberry.field(description='The graph document: {"nodes": [], "edges": []}.')
    updated_at: datetime
    published_version: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, flow: models.Flow) -> Flow:
        return cls(
            id=strawberry.ID(str(flow.id)),
            name=flow.name,
            revision=flow.revision,
            enabled=flow.enabled,
            draft=JSON(flow.draft),
            updated_at=flow.updated_at,
            published_version=flow.published_version,
        )

    @strawberry.field(description="Every published version, newest first.")
    async def versions(self, info: strawberry.Info) -> list[FlowVersion]:
        versions = await info.context.flow_versions.load(int(self.id))
        return [FlowVersion.from_model(version) for version in versions]

    @strawberry.field(description="The version that runs; null until first published.")
    async def published(self, info: strawberry.Info) -> FlowVersion | None:
        for version in await info.context.flow_versions.load(int(self.id)):
            if version.version == self.published_version:
                return FlowVersion.from_model(version)
        return None


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
            config_schema=described["configSchema"],
            ports=described["ports"],
        )
