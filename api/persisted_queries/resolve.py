"""Which query text a request names: its own, or the one its hash stands for.

The exchange Apollo's `PersistedQueryLink` and urql's persisted exchange expect: a request with
only `extensions.persistedQuery.sha256Hash` runs the text stored under that hash, or answers
`PERSISTED_QUERY_NOT_FOUND` (message "PersistedQueryNotFound", which older clients match), and
the client sends the hash again with the text; that text is stored once its SHA-256 matches and
it passes the edge's caps and validation, so that neither garbage nor another text's hash fills
the cache.

A `documentId` ("sha256:<hash>", GraphQL Codegen's persisted documents and the GraphQL-over-HTTP
proposal) names a document the same way.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from api.persisted_queries import service
from api.persisted_queries.cache import QueryCache

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")


class PersistedQueryError(Exception):
    """A request's persisted query cannot be served: `status` is its HTTP status when the
    client accepts application/graphql-response+json, `json_status` under application/json."""

    def __init__(
        self, message: str, code: str, status: int, json_status: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.json_status = status if json_status is None else json_status


class PersistedQueries:
    def __init__(self, cache: QueryCache, *, registered_only: bool) -> None:
        self.cache = cache
        self.registered_only = registered_only

    async def resolve(
        self,
        query: str | None,
        extensions: dict[str, Any] | None,
        storable: Callable[[str], bool],
    ) -> str | None:
        """The text to run; `storable(text)` says whether a sent text may be cached."""
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            return query
        sha256 = _sha256_of(persisted)
        if query is None:
            return await self._stored(sha256)
        if hashlib.sha256(query.encode()).hexdigest() != sha256:
            raise PersistedQueryError(
                "The query's SHA-256 is not extensions.persistedQuery.sha256Hash.",
                "BAD_REQUEST",
                400,
            )
        if not self.registered_only and storable(query):
            await self.cache.put(sha256, query)
        return query

    async def _stored(self, sha256: str) -> str:
        """The text stored under `sha256`: the cache first (in this process's memory without
        Redis), so that a client's hash costs no database read; a hash names one text, so
        either store's is the same."""
        found = None if self.registered_only else await self.cache.get(sha256)
        if found is None:
            found = await service.registered_document(sha256)
        if found is None:
            # Under application/json a missing hash is an answer (200), as clients expect.
            raise PersistedQueryError(
                "PersistedQueryNotFound", PERSISTED_QUERY_NOT_FOUND, 404, json_status=200
            )
        return found


def extensions_with_document_id(
    extensions: dict[str, Any] | None, document_id: object
) -> dict[str, Any]:
    """`extensions` naming the document of a `documentId` as a persisted query does."""
    if not isinstance(document_id, str) or not document_id.startswith("sha256:"):
        raise PersistedQueryError(
            "documentId must be 'sha256:' and the document's SHA-256 (64 hexadecimal digits).",
            "BAD_REQUEST",
            400,
        )
    persisted = {"version": 1, "sha256Hash": document_id.removeprefix("sha256:")}
    return {**(extensions or {}), "persistedQuery": persisted}


def _sha256_of(persisted: object) -> str:
    if (
        not isinstance(persisted, dict)
        or persisted.get("version") != 1
        or not isinstance(persisted.get("sha256Hash"), str)
        or not _SHA256_HEX.fullmatch(persisted["sha256Hash"])
    ):
        raise PersistedQueryError(
            "extensions.persistedQuery must be {version: 1, sha256Hash: 64 hexadecimal digits}.",
            "BAD_REQUEST",
            400,
        )
    return str(persisted["sha256Hash"]).lower()
