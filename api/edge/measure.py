"""How big an operation is before it runs: depth, aliases, directives and cost.

Counted through fragment spreads (a fragment spread twice counts twice), each fragment measured
once, so a document that nests fragments to multiply its fields is measured in linear time.

Cost is an estimate of the objects an operation can resolve:
- every field costs 1, times the size of the lists it sits in;
- a field with a `first` argument multiplies what is under it by `first` (the value sent, or the
  argument's default);
- a list field without `first` multiplies what is under it by `LIST_WEIGHT`, except a
  connection's `edges`, already counted by the connection's `first`.
So `contacts(first: 50) { edges { node { id history(first: 50) { key } } } }` costs
1 + 50 * (1 + (1 + (1 + (1 + 50 * 1)))) = 2,701: contacts, then per contact its edge, node, id
and history, and per change its key.

Introspection is read from the schema in memory: the fields of its types (`__Type.fields`, ...)
cost nothing, graphql-core's own rule caps how deep they nest, and `ofType` adds no depth (it
walks a type reference's few wrappers, and introspection clients nest it eight deep).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
)
from graphql.type import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef

LIST_WEIGHT = 10
# What each measure may reach; `LIMIT_EXCEEDED` names the one that was passed.
MAXIMUMS = {"depth": 10, "aliases": 15, "directives": 50, "cost": 25_000}
_NOT_DEEPER = frozenset({"ofType"})


@dataclass(frozen=True)
class Measure:
    depth: int = 0
    aliases: int = 0
    directives: int = 0
    cost: int = 0

    def beside(self, other: Measure) -> Measure:
        """Two selections of one selection set: the deeper depth, the sum of the rest."""
        return Measure(
            max(self.depth, other.depth),
            self.aliases + other.aliases,
            self.directives + other.directives,
            self.cost + other.cost,
        )

    def passed(self) -> tuple[str, int, int] | None:
        """The first limit this measure passes, as (name, maximum, measured), or None."""
        for name, maximum in MAXIMUMS.items():
            measured = getattr(self, name)
            if measured > maximum:
                return name, maximum, measured
        return None


def measure(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any] | None,
) -> Measure:
    """The measure of `operation`, a validated operation of `schema`."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return Measure()
    own = Measure(directives=len(operation.directives or ()))
    measurer = _Measurer(schema, fragments, variables or {})
    return own.beside(measurer.selections(operation.selection_set, root))


class _Measurer:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.measured_fragments: dict[str, Measure] = {}

    def selections(self, selection_set: SelectionSetNode, parent: GraphQLNamedType) -> Measure:
        total = Measure()
        for selection in selection_set.selections:
            directives = Measure(directives=len(selection.directives or ()))
            if isinstance(selection, FieldNode):
                total = total.beside(directives).beside(self._field(selection, parent))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                if inner is not None:
                    found = self.selections(selection.selection_set, inner)
                    total = total.beside(directives).beside(found)
            elif isinstance(selection, FragmentSpreadNode):
                total = total.beside(directives).beside(self._fragment(selection.name.value))
        return total

    def _field(self, node: FieldNode, parent: GraphQLNamedType) -> Measure:
        aliases = 1 if node.alias is not None else 0
        definition = _field_definition(self.schema, parent, node.name.value)
        if node.selection_set is None or definition is None:
            return Measure(depth=1, aliases=aliases, cost=0 if parent.name.startswith("__") else 1)
        inner = self.selections(node.selection_set, get_named_type(definition.type))
        deeper = 0 if node.name.value in _NOT_DEEPER else 1
        in_memory = parent.name.startswith("__")
        return Measure(
            depth=inner.depth + deeper,
            aliases=aliases + inner.aliases,
            directives=inner.directives,
            cost=0 if in_memory else 1 + self._weight(node, definition, parent) * inner.cost,
        )

    def _fragment(self, name: str) -> Measure:
        if name not in self.measured_fragments:
            self.measured_fragments[name] = Measure()  # a cycle measures as nothing
            fragment = self.fragments.get(name)
            if fragment is not None:
                parent = self.schema.get_type(fragment.type_condition.name.value)
                if parent is not None:
                    own = Measure(directives=len(fragment.directives or ()))
                    inner = self.selections(fragment.selection_set, parent)
                    self.measured_fragments[name] = own.beside(inner)
        return self.measured_fragments[name]

    def _weight(self, node: FieldNode, definition: GraphQLField, parent: GraphQLNamedType) -> int:
        if "first" in definition.args:
            first = self._argument(node, "first")
            if first is None:
                first = definition.args["first"].default_value
            return max(first, 0) if isinstance(first, int) else LIST_WEIGHT
        if not isinstance(get_nullable_type(definition.type), GraphQLList):
            return 1
        if parent.name.endswith("Connection") and node.name.value == "edges":
            return 1
        return LIST_WEIGHT

    def _argument(self, node: FieldNode, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                return self.variables.get(value.name.value)
        return None


def _field_definition(
    schema: GraphQLSchema, parent: GraphQLNamedType, name: str
) -> GraphQLField | None:
    if name == "__typename":
        return TypeNameMetaFieldDef
    if name == "__schema" and parent is schema.query_type:
        return SchemaMetaFieldDef
    if name == "__type" and parent is schema.query_type:
        return TypeMetaFieldDef
    fields = getattr(parent, "fields", None)
    return fields.get(name) if fields else None
