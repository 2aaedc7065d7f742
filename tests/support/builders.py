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


PUBLISH = "mutation($id: ID!) { publishFlow(id: $id) { id published { version } } }"
CREATE_FLOW = (
    "mutation($name: String!, $graph: JSON) { createFlow(name: $name, graph: $graph) { id } }"
)


async def publish_flow(gql: GraphQLClient, name: str, graph: dict[str, Any]) -> str:
    """Create and publish a flow; its id."""
    flow_id = (await gql(CREATE_FLOW, name=name, graph=graph))["createFlow"]["id"]
    await gql(PUBLISH, id=flow_id)
    return flow_id


async def workspace_key(gql: GraphQLClient) -> str:
    return (await gql("{ workspace { publicKey } }"))["workspace"]["publicKey"]


def wait_flow(text: str = "Still looking?") -> dict[str, Any]:
    """Visitor opens /pricing → wait 1 minute → send `text` → end."""
    return {
        "nodes": [
            flow_node("t", "page_visit", match="prefix", url="/pricing", limit="every_visit"),
            flow_node("w", "wait", mode="duration", amount=1, unit="minutes"),
            flow_node("m", "send_message", text=text),
            flow_node("e", "end"),
        ],
        "edges": [next_edge("t", "w"), next_edge("w", "m"), next_edge("m", "e")],
    }


def flow_node(node_id: str, type: str, **config: object) -> dict[str, Any]:
    return {"id": node_id, "type": type, "position": {"x": 0, "y": 0}, "config": config}


def next_edge(source: str, target: str) -> dict[str, Any]:
    return {"id": f"{source}-{target}", "source": source, "sourcePort": "next", "target": target}
