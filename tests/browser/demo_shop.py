"""A new install with its demo shop, as the widget and Inbox tests drive it: the operator's
GraphQL (publish a seeded flow, read a contact's values) beside the served base URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.support.graphql_sync import SyncGraphQL

CONTACT = "query($id: ID!) { contact(id: $id) { visitorId properties { key value } } }"
SEND = """mutation($k: String!, $v: String!, $t: String!) {
  visitorSendMessage(workspaceKey: $k, visitorId: $v, text: $t) { contactId } }"""


@dataclass
class Shop:
    base_url: str
    api: SyncGraphQL

    @property
    def key(self) -> str:
        return self.api("{ workspace { publicKey } }")["workspace"]["publicKey"]

    @property
    def token(self) -> str:
        return self.api.token

    def publish(self, name: str) -> None:
        flows = {flow["name"]: flow["id"] for flow in self.api("{ flows { id name } }")["flows"]}
        self.api("mutation($id: ID!) { publishFlow(id: $id) { id } }", id=flows[name])

    def values(self, contact_id: str) -> dict[str, Any]:
        contact = self.api(CONTACT, id=contact_id)["contact"]
        return {"visitorId": contact["visitorId"]} | {
            p["key"]: p["value"] for p in contact["properties"]
        }

    def visitor_says(self, visitor_id: str, text: str) -> str:
        """What the widget sends when a visitor writes (no token: the workspace key); the
        visitor's contact id."""
        key = self.key
        response = self.api.http.post(
            f"/graphql?workspaceKey={key}",
            json={"query": SEND, "variables": {"k": key, "v": visitor_id, "t": text}},
        )
        body = response.json()
        assert not body.get("errors"), body["errors"]
        return str(body["data"]["visitorSendMessage"]["contactId"])
