"""The GraphQL schema, assembled from each domain's queries and mutations.

Expected refusals are `PropflowError`s and reach the client with their `extensions`; anything
else is masked as "Unexpected error." and logged here with its traceback.
"""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.execution import Executor
from strawberry.extensions import MaskErrors, ParserCache, ValidationCache
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from api.contacts import schema as contacts_schema
from api.errors import PropflowError
from api.flows import schema as flows_schema
from api.properties import schema as properties_schema
from api.visitors import schema as visitors_schema
from api.workspaces import schema as workspaces_schema

logger = logging.getLogger("propflow.graphql")

Query = merge_types(
    "Query",
    (workspaces_schema.Query, properties_schema.Query, contacts_schema.Query, flows_schema.Query),
)
Mutation = merge_types(
    "Mutation",
    (
        workspaces_schema.Mutation,
        properties_schema.Mutation,
        contacts_schema.Mutation,
        flows_schema.Mutation,
        visitors_schema.Mutation,
    ),
)
Subscription = merge_types(
    "Subscription", (contacts_schema.Subscription, visitors_schema.Subscription)
)


def is_unexpected(error: GraphQLError) -> bool:
    """A bug is a foreign exception raised while resolving a field. Errors without a path come
    before execution (syntax, validation, variables of the wrong type): the request's fault."""
    original = error.original_error
    return (
        original is not None and error.path is not None and not isinstance(original, PropflowError)
    )


class PropflowSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if is_unexpected(error):
                logger.error("Unexpected error in %s", error.path, exc_info=error.original_error)
            elif error.path is None:
                # A request refused before execution gets the contract's code too.
                error.extensions = {"code": "VALIDATION_FAILED", **(error.extensions or {})}


class PerEventMemoExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core 3.3 shares one subfield memo between a subscription and the executor of
    each of its events, keyed by lists made anew per event: an open subscription grew by every
    event it delivered (and stalled its process in long garbage collections)."""

    def build_per_event_executor(self, payload: Any) -> Executor:
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}
        return executor


def build_schema() -> strawberry.Schema:
    return PropflowSchema(
        execution_context_class=PerEventMemoExecutionContext,
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            # The widget and the editor send the same few documents over and over.
            ParserCache,
            ValidationCache,
            lambda: MaskErrors(should_mask_error=is_unexpected),
        ],
    )
