"""A small GraphQL client over HTTP for tests: `await gql(query, **variables)` -> data."""

from __future__ import annotations

from typing import Any

import httpx


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient, token: str | None) -> None:
        self.http = http
        self.token = token

    async def execute(self, query: str, **variables: Any) -> dict[str, Any]:
        """The whole response body."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        """The data of a request that must succeed."""
        body = await self.execute(query, **variables)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    async def error(self, query: str, **variables: Any) -> dict[str, Any]:
        """The first error of a request that must fail."""
        body = await self.execute(query, **variables)
        assert body.get("errors"), f"expected an error, got {body}"
        return body["errors"][0]


def code_of(error: dict[str, Any]) -> str:
    return error.get("extensions", {}).get("code", "")
