"""Reading a manifest of persisted documents, in either format that client build tools emit:

- Apollo's (`generate-persisted-query-manifest`): `{"format": "apollo-persisted-query-manifest",
  "version": 1, "operations": [{"id", "name", "type", "body"}]}`;
- GraphQL Codegen's client preset (`persistedDocuments: true`): `{"<hash>": "<document>"}`.

Every id must be the SHA-256 of its document (Codegen: `hashAlgorithm: 'sha256'`), the hash
clients send as `extensions.persistedQuery.sha256Hash`, so that a manifest cannot register one
text under another's id.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

APOLLO_FORMAT = "apollo-persisted-query-manifest"


@dataclass(frozen=True)
class ManifestDocument:
    id: str
    body: str
    name: str | None = None


class ManifestError(Exception):
    """The manifest is not one of the two formats, or an entry's id is not its hash."""


def read_manifest(text: str) -> list[ManifestDocument]:
    """The documents of a manifest (Apollo's or GraphQL Codegen's), each id checked."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ManifestError(f"The manifest is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise ManifestError("The manifest must be a JSON object.")
    if data.get("format") == APOLLO_FORMAT:
        documents = _apollo_documents(data)
    elif "format" in data or "operations" in data:
        raise ManifestError(
            f"Unknown manifest format {data.get('format')!r}: expected {APOLLO_FORMAT!r} "
            "(version 1) or GraphQL Codegen's {hash: document} object."
        )
    else:
        documents = [_document(key, body, None) for key, body in data.items()]
    for document in documents:
        _check_hash(document)
    return documents


def _apollo_documents(data: dict[str, Any]) -> list[ManifestDocument]:
    if data.get("version") != 1:
        raise ManifestError(f"Apollo manifest version {data.get('version')!r}: only 1 is known.")
    operations = data.get("operations")
    if not isinstance(operations, list):
        raise ManifestError("An Apollo manifest needs an 'operations' list.")
    documents = []
    for index, operation in enumerate(operations):
        if not isinstance(operation, dict):
            raise ManifestError(f"operations[{index}] is not an object.")
        name = operation.get("name")
        documents.append(
            _document(operation.get("id"), operation.get("body"), name, at=f"operations[{index}]")
        )
    return documents


def _document(key: object, body: object, name: object, at: str | None = None) -> ManifestDocument:
    where = at or repr(key)
    if not isinstance(key, str) or not isinstance(body, str) or not body.strip():
        raise ManifestError(f"{where}: an entry needs a string id and a non-empty document.")
    name = name if isinstance(name, str) else None
    # GraphQL Codegen 6 writes "sha256:<hash>"; the hash is the id.
    return ManifestDocument(id=key.lower().removeprefix("sha256:"), body=body, name=name)


def _check_hash(document: ManifestDocument) -> None:
    if hashlib.sha256(document.body.encode()).hexdigest() != document.id:
        raise ManifestError(
            f"Document {document.id!r} ({document.name or 'unnamed'}): the id is not the "
            "SHA-256 of its text (GraphQL Codegen: set persistedDocuments.hashAlgorithm "
            "to 'sha256')."
        )
