"""The Starlette application: routes, the GraphQL endpoint and the database lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from api import auth, db, export, imports, pubsub
from api.context import Context
from api.edge import log_clipping, payload
from api.edge.body_limit import BodyLimit
from api.edge.request_ids import RequestIds
from api.errors import LimitExceededError, UnauthenticatedError
from api.flows import runner
from api.inbox import presence
from api.properties import service as properties_service
from api.rate_limits import RateLimiter
from api.schema import build_schema
from api.settings import Settings
from api.shedding import InFlightCap
from api.unavailable import AnswerUnavailable
from api.visitors import cross_origin, widget
from api.visitors import service as visitors_service
from api.workspaces import service as workspaces_service
from api.workspaces.sessions import OperatorSockets

MAX_SUBSCRIPTIONS_PER_CONNECTION = 20
HOUSEKEEPING_SECONDS = 3600
logger = logging.getLogger("propflow.app")
VISITOR_KEY = cross_origin.VISITOR_KEY_SCOPE
# Installed beside the `api` package, both from a checkout and from a wheel.
EDITOR_DIRECTORY = Path(__file__).resolve().parent.parent / "editor_static"
# Endpoints that act for an operator or a visitor: pages of other origins are checked there.
GUARDED_PATHS = ("/graphql", "/export/contacts.csv", "/import/contacts.csv")


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI app with a Propflow context per request."""

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

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        """Also a page of a workspace's allowed origins, for that workspace's widget only."""
        return VISITOR_KEY in request.scope or super().is_websocket_origin_allowed(request, origin)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refusals of the HTTP layer (a body that is not JSON, a GET mutation, batching) answer
        in the GraphQL error shape, with BAD_REQUEST, like every other refusal."""
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        try:
            response = await self.run(Request(scope, receive))
        except HTTPException as error:
            response = JSONResponse(
                {"errors": [{"message": error.reason, "extensions": {"code": "BAD_REQUEST"}}]},
                status_code=error.status_code,
            )
        await response(scope, receive, send)

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


def create_app(settings: Settings) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await db.open_database(settings.database_url)
        runner.forget_programs()
        properties_service.forget_recent()
        visitors_service.forget_known_visitors()
        if settings.redis_url is None:
            await presence.forget_sockets()
        app.state.rate_limiter = RateLimiter.from_settings(settings)
        try:
            broker = pubsub.create_broker(settings.redis_url)
            await broker.start()
            pubsub.install(broker)
            housekeeping = asyncio.create_task(_forget_old_events_hourly())
            sockets = asyncio.create_task(
                graphql.operator_sockets.run(broker, settings.session_recheck_seconds)
            )
            try:
                yield
            finally:
                for task in (housekeeping, sockets):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                pubsub.install(None)
                await broker.close()
        finally:
            await app.state.rate_limiter.close()
            await db.close_database()

    log_clipping.install()
    graphql = GraphQLApp(settings)
    routes = [
        Route("/", lambda _request: RedirectResponse("/editor/")),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
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


async def healthz(_request: Request) -> Response:
    """Alive: a cheap check for a process supervisor (the database only)."""
    if await db.ping():
        return JSONResponse({"status": "ok"})
    return JSONResponse({"status": "unavailable", "reason": "database"}, status_code=503)
