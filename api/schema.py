"""The GraphQL schema, assembled from each domain's queries and mutations.

Expected refusals are `PropflowError`s and reach the client with their `extensions`; anything
else is masked as "Unexpected error." with the request's id, and logged here under that id.
Before any of it runs, a document must pass the edge's caps and limits (`api/edge`).
"""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError, NoSchemaIntrospectionCustomRule, specified_rules
from graphql.execution import Executor
from starlette.websockets import WebSocket
from strawberry.extensions import MaskErrors
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from api import outages
from api.contacts import schema as contacts_schema
from api.edge.documents import Caps, DocumentGate, limits_error
from api.edge.request_ids import request_id_of
from api.errors import PropflowError
from api.faults import RETRY_AFTER_SECONDS, dependency_of, is_transient
from api.flows import schema as flows_schema
from api.inbox import schema as inbox_schema
from api.metrics import GraphQLMetrics
from api.persisted_queries.service import is_registered
from api.properties import schema as properties_schema
from api.scalars import SCALAR_OVERRIDES
from api.settings import Settings
from api.visitors import schema as visitors_schema
from api.webhooks import schema as webhooks_schema
from api.workspaces import schema as workspaces_schema

logger = logging.getLogger("propflow.graphql")

Query = merge_types(
    "Query",
    (
        workspaces_schema.Query,
        properties_schema.Query,
        contacts_schema.Query,
        flows_schema.Query,
        inbox_schema.Query,
        webhooks_schema.Query,
        visitors_schema.Query,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        workspaces_schema.Mutation,
        properties_schema.Mutation,
        contacts_schema.Mutation,
        flows_schema.Mutation,
        inbox_schema.Mutation,
        webhooks_schema.Mutation,
        visitors_schema.Mutation,
    ),
)
Subscription = merge_types(
    "Subscription",
    (contacts_schema.Subscription, inbox_schema.Subscription, visitors_schema.Subscription),
)


def is_unexpected(error: GraphQLError) -> bool:
    """A bug is a foreign exception raised while resolving a field. Errors without a path come
    before execution (syntax, validation, variables of the wrong type): the request's fault."""
    original = error.original_error
    return (
        original is not None and error.path is not None and not isinstance(original, PropflowError)
    )


class PropflowSchema(strawberry.Schema):
    def __init__(self, *args: Any, settings: Settings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hide_suggestions = settings.production
        self.registered_documents_only = settings.registered_documents_only
        rules = [*specified_rules, MaybeNullValidationRule, OneOfInputValidationRule]
        if not settings.introspection_enabled:
            rules.append(NoSchemaIntrospectionCustomRule)
        self.gate = DocumentGate(
            self._schema,
            rules,
            Caps(query_chars=settings.max_query_chars, query_tokens=settings.max_query_tokens),
            hide_suggestions=settings.production,
        )

    async def _prepare_operation_async(
        self, context: ExecutionContext, extensions_runner: Any
    ) -> PreExecutionError | None:
        """Parse and validate through the edge's gate (caps, bounded cache), measure the
        operation against its limits, and refuse a subscription that did not come over the
        WebSocket; then strawberry's own checks (the operation type) as before."""
        if context.query is not None and context.graphql_document is None:
            if self.registered_documents_only and not await is_registered(context.query):
                return _refused(context, _not_registered())
            try:
                checked = self.gate.check(context.query)
            except GraphQLError as error:
                return _refused(context, error)
            context.graphql_document = checked.document
            # Set (even empty), it stands for strawberry's own validation of the document.
            context.pre_execution_errors = list(checked.errors)
            if not checked.errors:
                over = limits_error(
                    self._schema, checked.document, context.operation_name, context.variables
                )
                if over is not None:
                    return _refused(context, over)
        refused = await super()._prepare_operation_async(context, extensions_runner)
        if refused is None and _subscription_outside_websocket(context):
            return _refused(
                context,
                GraphQLError(
                    "Subscriptions are served over the WebSocket at /graphql "
                    "(protocol graphql-transport-ws), not over HTTP.",
                    extensions={"code": "BAD_REQUEST"},
                ),
            )
        return refused

    def _get_custom_context_kwargs(
        self, operation_extensions: dict[str, Any] | None = None, *, sync: bool = False
    ) -> dict[str, Any]:
        """In production, no "Did you mean …?" in the errors of variables either."""
        kwargs = super()._get_custom_context_kwargs(operation_extensions, sync=sync)
        return {**kwargs, "hide_suggestions": self.hide_suggestions}

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if is_unexpected(error) and is_transient(error.original_error):
                outages.refused(error.original_error)
                logger.warning(
                    "%s %s unavailable in %s: %r",
                    _request_id(execution_context),
                    dependency_of(error.original_error),
                    error.path,
                    error.original_error,
                )
            elif is_unexpected(error):
                logger.error(
                    "%s Unexpected error in %s",
                    _request_id(execution_context),
                    error.path,
                    exc_info=error.original_error,
                )
            elif error.path is None:
                # A request refused before execution gets the contract's code too.
                error.extensions = {"code": "VALIDATION_FAILED", **(error.extensions or {})}


class MaskErrorsWithRequestId(MaskErrors):
    """The mask of an unexpected error carries the id that starts its log line; a failure a
    retry can fix (api/faults.py) says so instead, for clients to retry."""

    def _process_result(self, result: object) -> None:
        # Most results have no error: strawberry's own first check, an isinstance of a runtime
        # Protocol, was a tenth of a `{ __typename }` request.
        if getattr(result, "errors", None):
            super()._process_result(result)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        request_id = _request_id(self.execution_context)
        if is_transient(error.original_error):
            masked.message = "The service is briefly unavailable: try again."
            masked.extensions = {
                "code": "UNAVAILABLE",
                "retryable": True,
                "retryAfter": RETRY_AFTER_SECONDS,
                "requestId": request_id,
            }
        else:
            masked.extensions = {"requestId": request_id}
        return masked


class PerEventMemoExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core 3.3 shares one subfield memo between a subscription and the executor of
    each of its events, keyed by lists made anew per event: an open subscription grew by every
    event it delivered (and stalled its process in long garbage collections)."""

    def build_per_event_executor(self, payload: Any) -> Executor:
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}
        return executor


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    return PropflowSchema(
        settings=settings or Settings(),
        execution_context_class=PerEventMemoExecutionContext,
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        scalar_overrides=SCALAR_OVERRIDES,
        extensions=[
            lambda: MaskErrorsWithRequestId(should_mask_error=is_unexpected),
            GraphQLMetrics,
        ],
    )


def _refused(context: ExecutionContext, error: GraphQLError) -> PreExecutionError:
    context.pre_execution_errors = [error]
    return PreExecutionError(data=None, errors=[error])


def _not_registered() -> GraphQLError:
    return GraphQLError(
        "Only documents registered ahead of time are served here, and this one is not.",
        extensions={"code": "PERSISTED_QUERY_NOT_IN_LIST"},
    )


def _subscription_outside_websocket(context: ExecutionContext) -> bool:
    request = getattr(context.context, "request", None)
    return context.operation_type is OperationType.SUBSCRIPTION and not isinstance(
        request, WebSocket
    )


def _request_id(execution_context: ExecutionContext | None) -> str:
    request = getattr(getattr(execution_context, "context", None), "request", None)
    return request_id_of(getattr(request, "scope", None))
