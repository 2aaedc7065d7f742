"""GraphQL queries of the workspaces domain."""

from __future__ import annotations

import strawberry

from api.workspaces.types import Operator, Workspace


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in operator's workspace.")
    async def workspace(self, info: strawberry.Info) -> Workspace:
        operator = await info.context.operator()
        return Workspace.from_model(operator.workspace)

    @strawberry.field(description="The signed-in operator.")
    async def me(self, info: strawberry.Info) -> Operator:
        return Operator.from_model(await info.context.operator())
