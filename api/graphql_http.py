"""GraphQL over HTTP: the media type and status a response is sent with.

A client that accepts `application/graphql-response+json` (the GraphQL-over-HTTP spec) gets it,
with the spec's status codes: 400 for a request refused before execution (unparsable, invalid,
over a limit), 503 with `Retry-After` when it failed on a dependency a retry can fix, 200 once
execution ran (its field errors are in the body). Every other client gets `application/json`,
with 200 for whatever GraphQL answered, as before the spec.
"""

from __future__ import annotations

import functools
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from api.faults import RETRY_AFTER_SECONDS

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
_STATUS_KEY = "propflow.graphql_status"


def accepts_graphql_response(headers: Headers) -> bool:
    """Whether the client's Accept prefers (or ties) the spec's media type over plain JSON;
    `*/*` and no Accept at all keep application/json, which every client reads."""
    return _prefers_graphql_response(headers.get("accept", ""))


@functools.lru_cache(maxsize=256)
def _prefers_graphql_response(accept: str) -> bool:
    """Parsed once per distinct Accept (clients send a few), not twice per request."""
    weights = _weights(accept)
    preferred = weights.get(GRAPHQL_RESPONSE, 0.0)
    return preferred > 0 and preferred >= weights.get(JSON, 0.0)


def result_body(request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
    """The body of `result`; for a graphql-response+json client a request error has no
    `data`, and its status is noted for `negotiate`."""
    body = process_result(result)
    if accepts_graphql_response(request.headers):
        request.scope[_STATUS_KEY] = _status_of(result)
        if isinstance(result, PreExecutionError):
            body.pop("data", None)
    return body


def refusal(request: Request, message: str, code: str, status: int, json_status: int) -> Response:
    """A request refused before GraphQL ran, in the GraphQL error shape: `status` under
    graphql-response+json, `json_status` under application/json."""
    spec = accepts_graphql_response(request.headers)
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status if spec else json_status)


def negotiate(request: Request, response: Response) -> None:
    """Send a GraphQL JSON response under the media type the client asked for."""
    content_type = response.headers.get("content-type", "")
    if not content_type.startswith(JSON) or not accepts_graphql_response(request.headers):
        return
    response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
    status = request.scope.get(_STATUS_KEY)
    if status is not None:
        response.status_code = status
    if response.status_code == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)


def _status_of(result: ExecutionResult) -> int:
    if result.data is None and any(_code(error) == "UNAVAILABLE" for error in result.errors or ()):
        return 503
    return 400 if isinstance(result, PreExecutionError) else 200


def _code(error: Any) -> object:
    return (getattr(error, "extensions", None) or {}).get("code")


def _weights(accept: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for item in accept.split(","):
        media, *parameters = (part.strip() for part in item.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            weights[media.lower()] = max(quality, weights.get(media.lower(), 0.0))
    return weights
