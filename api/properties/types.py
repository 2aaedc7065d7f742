"""GraphQL types of the properties domain."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.enums import FilterOperator, PropertyType
from api.flows.types import Flow
from api.properties import models
from api.workspaces.types import Operator
from flow_graph.operators import OPERATOR_LABELS, OPERATORS_BY_TYPE, UNARY_OPERATORS
from flow_graph.property_types import TYPE_LABELS


@strawberry.type(description="A typed custom attribute of the workspace's contacts.")
class PropertyDefinition:
    id: strawberry.ID
    key: str = strawberry.field(description="Unique in the workspace; never changes.")
    label: str
    type: PropertyType
    options: list[str] | None = strawberry.field(description="The choices of a SELECT.")
    hidden: bool = strawberry.field(description="Left out of pickers and default lists.")
    built_in: bool
    created_at: datetime
    created_by_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, definition: models.PropertyDefinition) -> PropertyDefinition:
        return cls(
            id=strawberry.ID(str(definition.id)),
            key=definition.key,
            label=definition.label,
            type=definition.type,
            options=definition.options,
            hidden=definition.hidden,
            built_in=definition.built_in,
            created_at=definition.created_at,
            created_by_id=definition.created_by_id,
        )

    @strawberry.field(description="The operator who created it; null for built-in properties.")
    async def created_by(self, info: strawberry.Info) -> Operator | None:
        if self.created_by_id is None:
            return None
        operator = await info.context.operators.load(self.created_by_id)
        return Operator.from_model(operator) if operator else None

    @strawberry.field(description="How many contacts have a value for it.")
    async def contact_count(self, info: strawberry.Info) -> int:
        return await info.context.contact_counts.load(int(self.id))

    @strawberry.field(description="Flows whose draft or published version reads or writes it.")
    async def used_by_flows(self, info: strawberry.Info) -> list[Flow]:
        return [Flow.from_model(flow) for flow in await info.context.flows_using.load(self.key)]


@strawberry.input
class CreatePropertyInput:
    label: str
    type: PropertyType
    key: str | None = strawberry.field(
        default=None, description="Derived from the label when not given."
    )
    options: list[str] | None = None


@strawberry.input
class UpdatePropertyInput:
    id: strawberry.ID
    label: str | None = None
    hidden: bool | None = None
    options: list[str] | None = None
    type: PropertyType | None = strawberry.field(
        default=None, description="Must equal the current type: a different one is TYPE_IMMUTABLE."
    )


@strawberry.type(description="A filter operator as pickers offer it.")
class OperatorInfo:
    op: FilterOperator
    label: str = strawberry.field(description='How it reads: "=", "contains", "is set".')
    unary: bool = strawberry.field(description="True when it takes no value (IS_SET, IS_NOT_SET).")


@strawberry.type(description="A property type with the filter operators that fit it.")
class PropertyTypeInfo:
    type: PropertyType
    label: str
    operators: list[OperatorInfo] = strawberry.field(
        description="In the order a picker offers them; the first is the default."
    )

    @classmethod
    def of(cls, type: PropertyType) -> PropertyTypeInfo:
        operators = [
            OperatorInfo(op=op, label=OPERATOR_LABELS[op], unary=op in UNARY_OPERATORS)
            for op in OPERATORS_BY_TYPE[type]
        ]
        return cls(type=type, label=TYPE_LABELS[type], operators=operators)
