"""GraphQL queries and mutations of the properties domain."""

from __future__ import annotations

import strawberry

from api.flows import service as flows_service
from api.properties import service
from api.properties.types import (
    CreatePropertyInput,
    PropertyDefinition,
    PropertyTypeInfo,
    UpdatePropertyInput,
)
from flow_graph.property_types import PropertyType


@strawberry.type
class Query:
    @strawberry.field(description="The workspace's properties; hidden ones only when asked.")
    async def properties(
        self, info: strawberry.Info, include_hidden: bool | None = False
    ) -> list[PropertyDefinition]:
        workspace_id = await info.context.workspace_id()
        definitions = await service.list_properties(
            workspace_id, include_hidden=bool(include_hidden)
        )
        return [PropertyDefinition.from_model(definition) for definition in definitions]

    @strawberry.field
    async def property(self, info: strawberry.Info, key: str) -> PropertyDefinition | None:
        definition = await service.get_by_key(await info.context.workspace_id(), key)
        return PropertyDefinition.from_model(definition) if definition else None

    @strawberry.field(description="Every property type with the operators that fit it.")
    async def property_types(self, info: strawberry.Info) -> list[PropertyTypeInfo]:
        await info.context.operator()
        return [PropertyTypeInfo.of(type) for type in PropertyType]

    @strawberry.field(description="The key createProperty derives from a label when none is given.")
    async def property_key(self, info: strawberry.Info, label: str) -> str:
        await info.context.operator()
        return service.derive_key(label)


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_property(
        self, info: strawberry.Info, input: CreatePropertyInput
    ) -> PropertyDefinition:
        operator = await info.context.operator()
        definition = await service.create_property(
            operator.workspace_id,
            label=input.label,
            type=input.type,
            key=input.key,
            options=input.options,
            actor_id=operator.id,
        )
        return PropertyDefinition.from_model(definition)

    @strawberry.mutation
    async def update_property(
        self, info: strawberry.Info, input: UpdatePropertyInput
    ) -> PropertyDefinition:
        definition = await service.update_property(
            await info.context.workspace_id(),
            str(input.id),
            label=input.label,
            hidden=input.hidden,
            options=input.options,
            type=input.type,
        )
        return PropertyDefinition.from_model(definition)

    @strawberry.mutation(description="Deletes the property and every contact's value for it.")
    async def delete_property(self, info: strawberry.Info, id: strawberry.ID) -> bool:
        await service.delete_property(
            await info.context.workspace_id(),
            str(id),
            refuse_if_used=flows_service.refuse_if_used,
        )
        return True
