"""A synchronous GraphQL helper for browser tests, which run outside the event loop."""

from __future__ import annotations

from typing import Any

import httpx


class SyncGraphQL:
    def __init__(self, http: httpx.Client, token: str) -> None:
        self.http = http
        self.token = token

    def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        response = self.http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        body = response.json()
        assert not body.get("errors"), body["errors"]
        return body["data"]
