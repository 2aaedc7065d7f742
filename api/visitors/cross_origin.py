"""Which pages of other origins may call Propflow: the widget's calls, and nothing else.

Browsers send `Origin` on cross-origin requests and on every WebSocket handshake. A request from
our own origin (or one of the trusted `PROPFLOW_ALLOWED_ORIGINS`) passes as before. From any
other origin only the widget gets through, and only for a workspace that allows that origin (an
empty list allows any): it names the workspace in the URL (`/graphql?workspaceKey=pk_…`), so that
a CORS preflight and a WebSocket handshake, which carry no body, can be decided too. Its POST must
be a single operation of widget calls for that same workspace, without credentials: a mutation of
`trackPageView`/`visitorReply`/`visitorSendMessage`, or a `visitorTranscript` query.
Everything else from a foreign origin (operator queries, the CSV endpoints) is refused with 403.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from graphql.language import StringValueNode, VariableNode
from starlette.datastructures import Headers, MutableHeaders, QueryParams
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.http.websocket_origin import (
    is_same_origin,
    normalize_allowed_origins,
    normalize_origin,
)

from api.edge.body_limit import replay
from api.workspaces import service as workspaces_service

# The widget's calls, by the kind of operation that may hold them.
VISITOR_FIELDS = {
    OperationType.MUTATION: frozenset({"trackPageView", "visitorReply", "visitorSendMessage"}),
    OperationType.QUERY: frozenset({"visitorTranscript"}),
}
KEY_PARAMETER = "workspaceKey"
# Where a WebSocket admitted for one workspace's widget records that workspace's key.
VISITOR_KEY_SCOPE = "propflow.visitor_key"
MAX_VISITOR_BODY_BYTES = 64 * 1024
PREFLIGHT_MAX_AGE_SECONDS = 600


class OriginGuard:
    """ASGI middleware applying the policy above to the paths it guards."""

    def __init__(self, app: ASGIApp, *, trusted: Collection[str], paths: Collection[str]) -> None:
        self.app = app
        self.trusted = normalize_allowed_origins(trusted)
        self.paths = frozenset(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] not in self.paths:
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None or _same_origin(headers, origin):
            return await self.app(scope, receive, send)
        if "*" in self.trusted or normalize_origin(origin) in self.trusted:
            return await self._trusted(scope, receive, send, origin)
        key = QueryParams(scope["query_string"]).get(KEY_PARAMETER)
        allowed = key is not None and await _workspace_allows(key, origin)
        if scope["type"] == "websocket":
            # Strawberry refuses the handshake (403) unless the scope is marked.
            if allowed:
                scope[VISITOR_KEY_SCOPE] = key
            return await self.app(scope, receive, send)
        if not allowed or scope["path"] != "/graphql":
            return await _refuse(scope, receive, send, origin)
        if scope["method"] == "OPTIONS":
            return await _preflight(origin, "content-type")(scope, receive, send)
        await self._visitor_post(scope, receive, send, origin, str(key))

    async def _trusted(self, scope: Scope, receive: Receive, send: Send, origin: str) -> None:
        if scope["type"] == "websocket":
            return await self.app(scope, receive, send)
        if scope["method"] == "OPTIONS":
            return await _preflight(origin, "authorization, content-type")(scope, receive, send)
        await self.app(scope, receive, _with_cors(send, origin))

    async def _visitor_post(
        self, scope: Scope, receive: Receive, send: Send, origin: str, key: str
    ) -> None:
        headers = Headers(scope=scope)
        if scope["method"] != "POST" or "authorization" in headers or "cookie" in headers:
            return await _refuse(scope, receive, send, origin)
        body = await _read_body(receive)
        if body is None or not is_visitor_operation(body, key):
            return await _refuse(scope, receive, send, origin)
        await self.app(scope, replay(body, receive), _with_cors(send, origin))


def is_visitor_operation(body: bytes, key: str) -> bool:
    """Whether `body` is one GraphQL operation made only of widget calls for workspace `key`."""
    try:
        payload = json.loads(body)
        document = parse(payload["query"]) if isinstance(payload, dict) else None
    except (ValueError, KeyError, TypeError, GraphQLError):
        return False
    if document is None or len(document.definitions) != 1:
        return False
    (operation,) = document.definitions
    if (
        not isinstance(operation, OperationDefinitionNode)
        or operation.operation not in VISITOR_FIELDS
    ):
        return False
    allowed = VISITOR_FIELDS[operation.operation]
    variables = payload.get("variables") or {}
    return isinstance(variables, dict) and all(
        isinstance(selection, FieldNode)
        and selection.name.value in allowed
        and _argument(selection, KEY_PARAMETER, variables) == key
        for selection in operation.selection_set.selections
    )


def _argument(field: FieldNode, name: str, variables: dict[str, Any]) -> Any:
    for argument in field.arguments or ():
        if argument.name.value == name:
            value = argument.value
            if isinstance(value, StringValueNode):
                return value.value
            if isinstance(value, VariableNode):
                return variables.get(value.name.value)
    return None


def _same_origin(headers: Headers, origin: str) -> bool:
    return headers.get("sec-fetch-site") == "same-origin" or is_same_origin(
        origin, headers.get("host")
    )


async def _workspace_allows(key: str, origin: str) -> bool:
    allowed = await workspaces_service.allowed_origins_for_key(key)
    return allowed is not None and (not allowed or normalize_origin(origin) in allowed)


async def _read_body(receive: Receive) -> bytes | None:
    """The request body, or None when it is larger than a widget call can be."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_VISITOR_BODY_BYTES:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def _with_cors(send: Send, origin: str) -> Send:
    async def send_with_cors(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            headers["Access-Control-Allow-Origin"] = origin
            headers.add_vary_header("Origin")
        await send(message)

    return send_with_cors


def _preflight(origin: str, allowed_headers: str) -> Response:
    return Response(
        status_code=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "GET, POST",
            "Access-Control-Allow-Headers": allowed_headers,
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_SECONDS),
            "Vary": "Origin",
        },
    )


async def _refuse(scope: Scope, receive: Receive, send: Send, origin: str) -> None:
    response = JSONResponse(
        {
            "errors": [
                {
                    "message": f"Requests from {origin} are not accepted here.",
                    "extensions": {"code": "FORBIDDEN"},
                }
            ]
        },
        status_code=403,
        headers={"Vary": "Origin"},
    )
    await response(scope, receive, send)
