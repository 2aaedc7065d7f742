"""GraphQL types of the workspaces domain."""

from __future__ import annotations

import strawberry

from api.workspaces import models


@strawberry.type(description="A person who manages the workspace: signs in with a bearer token.")
class Operator:
    id: strawberry.ID
    email: str
    name: str | None

    @classmethod
    def from_model(cls, operator: models.Operator) -> Operator:
        return cls(id=strawberry.ID(str(operator.id)), email=operator.email, name=operator.name)


async def author_name(info: strawberry.Info, operator_id: int | None) -> str | None:
    """How a message names the operator who wrote it: the name, else the email (None for a
    message no operator wrote)."""
    if operator_id is None:
        return None
    operator = await info.context.operators.load(operator_id)
    return None if operator is None else operator.name or operator.email


@strawberry.type(description="A workspace: one website's contacts, properties and flows.")
class Workspace:
    id: strawberry.ID
    name: str
    public_key: str = strawberry.field(
        description="The key the visitor widget uses; safe to publish on the website."
    )
    allowed_origins: list[str] = strawberry.field(
        description="Origins whose pages may run the visitor widget; empty means any origin."
    )

    @classmethod
    def from_model(cls, workspace: models.Workspace) -> Workspace:
        return cls(
            id=strawberry.ID(str(workspace.id)),
            name=workspace.name,
            public_key=workspace.public_key,
            allowed_origins=list(workspace.allowed_origins or []),
        )
