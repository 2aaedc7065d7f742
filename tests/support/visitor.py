"""The visitor widget's calls, as a test client: no operator token, a workspace key and an id."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support.graphql import GraphQLClient

RESULT = "contactId startedRuns duplicate messages { id text options expectsAnswer }"
TRACK = f"""
mutation($key: String!, $visitor: String!, $url: String!, $eventId: String) {{
  trackPageView(workspaceKey: $key, visitorId: $visitor, url: $url, eventId: $eventId) {{
    {RESULT}
  }}
}}"""
REPLY = f"""
mutation($key: String!, $visitor: String!, $text: String, $choice: Int) {{
  visitorReply(workspaceKey: $key, visitorId: $visitor, text: $text, choice: $choice) {{
    {RESULT}
  }}
}}"""
SEND = f"""
mutation($key: String!, $visitor: String!, $text: String!, $eventId: String) {{
  visitorSendMessage(workspaceKey: $key, visitorId: $visitor, text: $text, eventId: $eventId) {{
    {RESULT}
  }}
}}"""
TRANSCRIPT = """
query($key: String!, $visitor: String!, $first: Int) {
  visitorTranscript(workspaceKey: $key, visitorId: $visitor, first: $first) {
    id author authorName text options
  }
}"""


class Visitor:
    def __init__(self, client: GraphQLClient, key: str, visitor_id: str | None = None) -> None:
        self.client = GraphQLClient(client.http, None)
        self.key = key
        self.id = visitor_id or str(uuid.uuid4())

    async def visit(self, url: str, event_id: str | None = None) -> dict[str, Any]:
        variables = {"key": self.key, "visitor": self.id, "url": url, "eventId": event_id}
        return (await self.client(TRACK, **variables))["trackPageView"]

    async def answer(self, text: str | None = None, choice: int | None = None) -> dict[str, Any]:
        variables = {"key": self.key, "visitor": self.id, "text": text, "choice": choice}
        return (await self.client(REPLY, **variables))["visitorReply"]

    async def say(self, text: str, event_id: str | None = None) -> dict[str, Any]:
        """Free text, as the widget's message box sends it."""
        variables = {"key": self.key, "visitor": self.id, "text": text, "eventId": event_id}
        return (await self.client(SEND, **variables))["visitorSendMessage"]

    async def transcript(self, first: int | None = None) -> list[dict[str, Any]]:
        variables = {"key": self.key, "visitor": self.id, "first": first}
        return (await self.client(TRANSCRIPT, **variables))["visitorTranscript"]

    async def error(self, query: str, **variables: Any) -> dict[str, Any]:
        return await self.client.error(query, **{"key": self.key, "visitor": self.id, **variables})
