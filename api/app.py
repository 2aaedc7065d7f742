"""The Starlette application: routes, the GraphQL endpoint and the database lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.async_base_view import AsyncHTTPRequestAdapter
from strawberry.http.base import BaseRequestProtocol
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from api import auth, db, export, graphql_http, imports, log_format, metrics, pubsub
from api.contacts import value_store
from api.context import Context
from api.edge import log_clipping, payload
from api.edge.body_limit import BodyLimit
from api.edge.request_ids import RequestIds
from api.errors import LimitExceededError, UnauthenticatedError
from api.flows import property_triggers, runner, timers
from api.inbox import presence
from api.jobs import registry as job_registry
from api.jobs.worker import in_process_worker
from api.persisted_queries import service as persisted_service
from api.persisted_queries.cache import create_query_cache
from api.persisted_queries.resolve import (
    PersistedQueries,
    PersistedQueryError,
    extensions_with_document_id,
)
from api.properties import service as properties_service
from api.rate_limits import RateLimiter
from api.schema import PropflowSchema, build_schema
from api.settings import Settings
from api.shedding import InFlightCap
from api.unavailable import AnswerUnavailable
from api.visitors import cross_origin, widget
from api.visitors import service as visitors_service
from api.webhooks import delivery
from api.workspaces import service as workspaces_service
from api.workspaces.sessions import OperatorSockets
from api.workspaces.sign_ins import SignIns

MAX_SUBSCRIPTIONS_PER_CONNECTION = 20
HOUSEKEEPING_SECONDS = 3600
logger = logging.getLogger("propflow.app")
VISITOR_KEY = cross_origin.VISITOR_KEY_SCOPE
# Installed beside the `api` package, both from a checkout and from a wheel.
EDITOR_DIRECTORY = Path(__file__).resolve().parent.parent / "editor_static"
GRAPHIQL_PAGE = EDITOR_DIRECTORY / "graphiql.html"
# Endpoints that act for an operator or a visitor: pages of other origins are checked there.
GUARDED_PATHS = ("/graphql", "/export/contacts.csv", "/import/contacts.csv")


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI app with a Propflow context per request."""

    schema: PropflowSchema
    persisted: PersistedQueries  # opened by the lifespan (its cache may live in Redis)

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide=None if settings.production else "graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout),
            max_subscriptions_per_connection=MAX_SUBSCRIPTIONS_PER_CONNECTION,
            allowed_origins=settings.allowed_origins,
        )
        self.settings = settings
        self.operator_sockets = OperatorSockets()

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """Not for a GET naming its query by hash alone (a persisted query, no `query`)."""
        if not super().should_render_graphql_ide(request):
            return False  # a POST: its query parameters are never parsed
        params = request.query_params
        return not (params.get("extensions") or params.get("documentId"))

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from vendored assets (editor_static/vendor/graphiql): nothing from a CDN."""
        return HTMLResponse(GRAPHIQL_PAGE.read_text(encoding="utf-8"))

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        """Also a page of a workspace's allowed origins, for that workspace's widget only."""
        return VISITOR_KEY in request.scope or super().is_websocket_origin_allowed(request, origin)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            with metrics.OPEN_WEBSOCKETS.track_inprogress():
                return await super().__call__(scope, receive, send)
        return await self._answer_http(scope, receive, send)

    async def _answer_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refusals of the HTTP layer (a body that is not JSON, a GET mutation, batching) answer
        in the GraphQL error shape, with BAD_REQUEST, like every other refusal; under the media
        type the client accepts (api/graphql_http.py)."""
        request = Request(scope, receive)
        try:
            response = await self.run(request)
        except HTTPException as error:
            status = error.status_code
            response = graphql_http.refusal(request, error.reason, "BAD_REQUEST", status, status)
        except PersistedQueryError as error:
            response = graphql_http.refusal(
                request, error.message, error.code, error.status, error.json_status
            )
        graphql_http.negotiate(request, response)
        await response(scope, receive, send)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """A request may name its query by hash (persisted queries, POST or GET)."""
        data = await super().parse_http_body(request)
        if isinstance(data, GraphQLRequestData):
            document_id = await _document_id(request)
            if document_id is not None:
                data.extensions = extensions_with_document_id(data.extensions, document_id)
            data.query = await self.persisted.resolve(data.query, data.extensions, self._storable)
        return data

    def _storable(self, query: str) -> bool:
        """A query worth keeping under its hash: within the caps, parsed and valid."""
        try:
            return not self.schema.gate.check(query).errors
        except GraphQLError:
            return False

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        return graphql_http.result_body(request, result)

    def decode_json(self, data: str | bytes) -> object:
        """WebSocket messages (and GET variables), capped like bodies and decoded strictly
        (api/edge/payload.py); a refused one is malformed JSON to strawberry: 4400 on a socket."""
        if len(data) > self.settings.max_body_bytes:
            raise json.JSONDecodeError("over the size limit", "", 0)
        try:
            decoded = payload.decode(data)
        except payload.PayloadError as error:
            raise json.JSONDecodeError(error.reason, "", 0) from None
        if not isinstance(decoded, dict):
            raise json.JSONDecodeError("not a JSON object", "", 0)
        return decoded

    def parse_json(self, data: str | bytes) -> Any:
        """A request body: a JSON object (or a list, which is refused as batching)."""
        try:
            decoded = payload.decode(data)
        except payload.PayloadError as error:
            raise HTTPException(400, error.reason) from None
        if not isinstance(decoded, dict | list):
            raise HTTPException(400, "The body must be a JSON object with a GraphQL `query`.")
        return decoded

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return Context(
            settings=self.settings,
            token=auth.bearer_token(request.headers),
            request=request,
            rate_limiter=request.app.state.rate_limiter,
        )

    async def on_ws_connect(self, context: Context) -> None:
        """Check the connection_init credentials, an operator's bearer token or a visitor's
        workspace key and visitor id: wrong ones close the socket with 4403."""
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        admitted_for = context.request.scope.get(VISITOR_KEY)
        try:
            if admitted_for is not None and params.get("workspaceKey") != admitted_for:
                # Opened from another origin for one workspace's widget: nothing else.
                raise UnauthenticatedError("This socket is for that workspace's widget only.")
            if "workspaceKey" in params:
                await workspaces_service.workspace_for_key(str(params["workspaceKey"]))
                if not isinstance(params.get("visitorId"), str) or not params["visitorId"]:
                    raise UnauthenticatedError("A visitor connection needs its visitorId.")
            else:
                await context.operator()
                self.operator_sockets.admit(context.request, context.bearer_token() or "")
        except (UnauthenticatedError, LimitExceededError):
            raise ConnectionRejectionError({"message": "Bad or missing credentials"}) from None


def register_jobs(settings: Settings) -> None:
    """Every domain's job handlers, by kind, and what schedules jobs when values change (for the
    server and for `propflow worker`)."""
    for kind, handler in {**timers.JOBS, **delivery.JOBS}.items():
        job_registry.register(kind, handler)
    delivery.configure(allow_private=settings.webhook_allow_private)
    job_registry.register(property_triggers.CHANGED_JOB, property_triggers.start_triggered)
    value_store.listen(property_triggers.schedule_triggers)


async def _document_id(request: AsyncHTTPRequestAdapter) -> object:
    """The request's `documentId` (a GET parameter or a key of the JSON body), if any."""
    if request.method == "GET":
        return request.query_params.get("documentId")
    body = await request.get_body()  # read once already: Starlette keeps it
    if b'"documentId"' not in body:
        return None
    decoded = payload.decode(body)
    return decoded.get("documentId") if isinstance(decoded, dict) else None


def create_app_from_env() -> Starlette:
    """The app of a worker process of `propflow serve --workers N` (which sets the environment,
    PROPFLOW_LOG_LEVEL included)."""
    settings = Settings.from_env()
    log_format.configure(os.environ.get("PROPFLOW_LOG_LEVEL", "info"), settings.log_format)
    return create_app(settings)


def create_app(settings: Settings) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await db.open_database(settings.database_url)
        runner.forget_programs()
        properties_service.forget_recent()
        visitors_service.forget_known_visitors()
        if settings.redis_url is None:
            await presence.forget_sockets()
        # Only where every revocation reaches this process (sign_ins.py says why).
        workspaces_service.remember_sign_ins(
            SignIns(settings.session_recheck_seconds) if settings.redis_url else None
        )
        persisted_service.forget_found()
        app.state.rate_limiter = RateLimiter.from_settings(settings)
        graphql.persisted = PersistedQueries(
            create_query_cache(settings.redis_url),
            registered_only=settings.registered_documents_only,
        )
        try:
            broker = pubsub.create_broker(settings.redis_url)
            await broker.start()
            pubsub.install(broker)
            housekeeping = asyncio.create_task(_forget_old_events_hourly())
            sockets = asyncio.create_task(
                graphql.operator_sockets.run(broker, settings.session_recheck_seconds)
            )
            # What the process built to start (modules, schema, models, routes: several hundred
            # thousand objects) lives as long as it does, yet every full garbage collection
            # walked it: 65 ms each, several a second under load, a quarter of the CPU and most
            # of the p99 (bench/bench_signin.py). Frozen, it is left out of collections.
            gc.freeze()
            try:
                if settings.runs_jobs:
                    async with in_process_worker(settings.database_url):
                        yield
                else:
                    yield
            finally:
                gc.unfreeze()  # a test process starts another app
                for task in (housekeeping, sockets):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                pubsub.install(None)
                await broker.close()
        finally:
            await graphql.persisted.cache.close()
            await app.state.rate_limiter.close()
            await db.close_database()

    log_clipping.install()
    register_jobs(settings)
    graphql = GraphQLApp(settings)
    routes = [
        Route("/", lambda _request: RedirectResponse("/editor/")),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics_endpoint),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/export/contacts.csv", export.export_contacts),
        Route("/import/contacts.csv", imports.import_contacts, methods=["POST"]),
        Route("/widget.js", widget.widget_endpoint(EDITOR_DIRECTORY / "widget" / "widget.js")),
        *widget.demo_routes(EDITOR_DIRECTORY / "demo"),
        Mount("/editor", StaticFiles(directory=EDITOR_DIRECTORY, html=True, check_dir=False)),
    ]
    guard = Middleware(
        cross_origin.OriginGuard, trusted=settings.allowed_origins, paths=GUARDED_PATHS
    )
    body_limit = Middleware(
        BodyLimit,
        paths=("/graphql",),
        max_bytes=settings.max_body_bytes,
        max_operator_bytes=settings.max_operator_body_bytes,
    )
    middleware = [Middleware(RequestIds), Middleware(AnswerUnavailable), body_limit, guard]
    if settings.rate_limits.enabled and settings.rate_limits.in_flight:
        cap = settings.rate_limits.in_flight
        middleware.insert(1, Middleware(InFlightCap, limit=cap, path="/graphql"))
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.settings = settings
    return app


async def _forget_old_events_hourly() -> None:
    """Visitor event ids are kept for dedup a while, not forever."""
    while True:
        try:
            await visitors_service.forget_old_events()
        except Exception:  # a busy or lost database: try again next hour
            logger.warning("Could not forget old visitor events", exc_info=True)
        await asyncio.sleep(HOUSEKEEPING_SECONDS)


async def readyz(_request: Request) -> Response:
    """Ready to serve: the database and the broker each answer (503 naming which does not)."""
    checks = {"database": await db.ping(), "broker": await pubsub.ready()}
    status = {name: "ok" if fine else "unavailable" for name, fine in checks.items()}
    ready = all(checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", **status}, status_code=200 if ready else 503
    )


async def metrics_endpoint(_request: Request) -> Response:
    """Prometheus's scrape (keep it off the public network: see README)."""
    metrics.BROKER_BACKLOG.set(pubsub.backlog())
    body, media_type = metrics.exposition()
    return Response(body, media_type=media_type)


async def healthz(_request: Request) -> Response:
    """Alive: a cheap check for a process supervisor (the database only)."""
    if await db.ping():
        return JSONResponse({"status": "ok"})
    return JSONResponse({"status": "unavailable", "reason": "database"}, status_code=503)
