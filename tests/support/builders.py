"""Test data through the public API, so every invariant holds."""

from __future__ import annotations

from typing import Any

from tests.support.graphql import GraphQLClient

CREATE_PROPERTY = """
mutation($input: CreatePropertyInput!) {
  createProperty(input: $input) { id key label type options hidden builtIn }
}"""
CREATE_CONTACT = """
mutation($values: [PropertyValueInput!]!) { createContact(values: $values) { id email } }"""


async def create_property(
    gql: GraphQLClient, label: str, type: str, **extra: Any
) -> dict[str, Any]:
    data = await gql(CREATE_PROPERTY, input={"label": label, "type": type, **extra})
    return data["createProperty"]


async def create_contact(gql: GraphQLClient, **values: Any) -> dict[str, Any]:
    pairs = [{"key": key, "value": value} for key, value in values.items()]
    return (await gql(CREATE_CONTACT, values=pairs))["createContact"]
