"""GraphQL queries and mutations of the workspaces domain."""

from __future__ import annotations

import strawberry

from api.workspaces import service
from api.workspaces.types import Operator, Workspace


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in operator's workspace.")
    async def workspace(self, info: strawberry.Info) -> Workspace:
        operator = await info.context.operator()
        return Workspace.from_model(await service.workspace_of(operator))

    @strawberry.field(description="The signed-in operator.")
    async def me(self, info: strawberry.Info) -> Operator:
        return Operator.from_model(await info.context.operator())

    @strawberry.field(description="The workspace's operators, by email (the assign picker's).")
    async def operators(self, info: strawberry.Info) -> list[Operator]:
        operators = await service.operators_of(await info.context.workspace_id())
        return [Operator.from_model(operator) for operator in operators]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="The workspace's settings: origins whose pages may run the widget "
        "(like https://shop.example; an empty list allows any origin)."
    )
    async def update_workspace_settings(
        self, info: strawberry.Info, allowed_origins: list[str]
    ) -> Workspace:
        operator = await info.context.operator()
        workspace = await service.set_allowed_origins(
            await service.workspace_of(operator), origins=allowed_origins
        )
        return Workspace.from_model(workspace)
