"""Registered documents: stored from a manifest, found by id (remembered once found)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from tortoise.transactions import in_transaction

from api.persisted_queries import models
from api.persisted_queries.manifest import ManifestDocument

# Found documents are remembered; a manifest is a few hundred documents, never unbounded.
_found: dict[str, str] = {}
MAX_REMEMBERED = 10_000


async def register_documents(documents: Iterable[ManifestDocument]) -> tuple[int, int]:
    """Store the documents not stored yet; (added, already there)."""
    added = known = 0
    async with in_transaction():
        for document in documents:
            exists = await models.PersistedDocument.exists(id=document.id)
            if exists:
                known += 1
                continue
            await models.PersistedDocument.create(
                id=document.id, body=document.body, name=document.name
            )
            added += 1
    return added, known


async def registered_document(document_id: str) -> str | None:
    """The text registered under `document_id`, or None."""
    body = _found.get(document_id)
    if body is None:
        row = await models.PersistedDocument.get_or_none(id=document_id)
        if row is None:
            return None
        body = row.body
        if len(_found) < MAX_REMEMBERED:
            _found[document_id] = body
    return body


def forget_found() -> None:
    """A new database (tests): documents found in the last one are not in this one."""
    _found.clear()


async def is_registered(query: str) -> bool:
    """Whether `query` is a registered document's text (by its SHA-256)."""
    return await registered_document(hashlib.sha256(query.encode()).hexdigest()) is not None
