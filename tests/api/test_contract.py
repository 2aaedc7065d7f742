"""The served schema contains ../shared/contract.graphql: every type, field and argument, typed
the same. Names of later issues wait in PENDING until they are built; the list only shrinks."""

from pathlib import Path

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    ast_from_value,
    print_ast,
)
from graphql import build_schema as build_sdl_schema

from api.schema import build_schema

# A copy of ../shared/contract.graphql, so a clean clone can check it; the last test notices drift.
CONTRACT = Path(__file__).resolve().parents[1] / "fixtures" / "contract.graphql"
SHARED_CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "contract.graphql"

PENDING: set[str] = set()


def contract_schema() -> GraphQLSchema:
    return build_sdl_schema(CONTRACT.read_text())


def contract_members() -> list[tuple[str, str | None]]:
    schema = contract_schema()
    members: list[tuple[str, str | None]] = []
    for name, type in schema.type_map.items():
        if name.startswith("__") or name in PENDING:
            continue
        if isinstance(type, GraphQLObjectType | GraphQLInputObjectType):
            members += [(name, field) for field in type.fields if f"{name}.{field}" not in PENDING]
        else:
            members.append((name, None))
    return members


SERVED = build_schema()._schema


@pytest.mark.parametrize(("type_name", "field_name"), contract_members())
def test_served_schema_has_the_contract(type_name: str, field_name: str | None):
    expected_type = contract_schema().type_map[type_name]
    served_type = SERVED.type_map.get(type_name)
    assert served_type is not None, f"type {type_name} is missing"
    if isinstance(expected_type, GraphQLEnumType):
        assert set(expected_type.values) <= set(served_type.values)  # type: ignore[union-attr]
    if field_name is None:
        return
    expected = expected_type.fields[field_name]  # type: ignore[union-attr]
    served = served_type.fields.get(field_name)  # type: ignore[union-attr]
    assert served is not None, f"{type_name}.{field_name} is missing"
    assert str(served.type) == str(expected.type)
    for arg_name, arg in getattr(expected, "args", {}).items():
        assert arg_name in served.args, f"{type_name}.{field_name}({arg_name}) is missing"
        assert str(served.args[arg_name].type) == str(arg.type)
        assert _served_default(served.args[arg_name]) == _sdl_default(arg)


def test_pending_names_are_not_served_yet_or_leave_the_list():
    served_names = set(SERVED.type_map)
    for type_name in SERVED.type_map.values():
        if isinstance(type_name, GraphQLObjectType):
            served_names |= {f"{type_name.name}.{field}" for field in type_name.fields}
    assert PENDING.isdisjoint(served_names), "built: remove from PENDING"


def test_the_copy_of_the_contract_matches_the_shared_one():
    if not SHARED_CONTRACT.exists():
        pytest.skip("no ../shared/contract.graphql beside this checkout")
    assert CONTRACT.read_text() == SHARED_CONTRACT.read_text()


def _sdl_default(arg: GraphQLArgument) -> str | None:
    node = arg.ast_node.default_value if arg.ast_node else None
    return print_ast(node) if node else None


def _served_default(arg: GraphQLArgument) -> str | None:
    """`= null` on a nullable argument means the same as no default."""
    if arg.default_value is Undefined or arg.default_value is None:
        return None
    node = ast_from_value(arg.default_value, arg.type)
    return print_ast(node) if node else None
