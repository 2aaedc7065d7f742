"""Which GraphQL documents are parsed, validated and kept: only those within the caps.

A query's text is checked against a character cap and a token cap before the parser builds
anything; a parsed document is validated once and kept in a cache bounded in characters of
query text as well as in entries (four different half-megabyte queries once grew the process by
375 MB for good). Depth, aliases, directives and cost are measured per request, since cost
depends on the variables (`first: $n`); a capped document is measured in microseconds.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    BREAK,
    ASTValidationRule,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    StringValueNode,
    Visitor,
    get_operation_ast,
    parse,
    validate,
    visit,
)

from api.edge.measure import measure

LIMIT_EXCEEDED = "LIMIT_EXCEEDED"


@dataclass(frozen=True)
class Caps:
    query_chars: int
    query_tokens: int
    cache_bytes: int = 4 * 1024 * 1024
    cache_entries: int = 512


@dataclass(frozen=True)
class CheckedDocument:
    document: DocumentNode
    errors: tuple[GraphQLError, ...]


class DocumentGate:
    """Parses and validates query texts within the caps, remembering the recent ones."""

    def __init__(
        self,
        schema: GraphQLSchema,
        rules: Sequence[type[ASTValidationRule]],
        caps: Caps,
        *,
        hide_suggestions: bool,
    ) -> None:
        self.schema = schema
        self.rules = tuple(rules)
        self.caps = caps
        self.hide_suggestions = hide_suggestions
        self._checked: OrderedDict[str, CheckedDocument] = OrderedDict()
        self._cached_chars = 0

    def check(self, query: str) -> CheckedDocument:
        """The parsed document and its validation errors; LIMIT_EXCEEDED or a syntax error
        (raised as GraphQLError) for a text that is too long or has too many tokens."""
        checked = self._checked.get(query)
        if checked is not None:
            self._checked.move_to_end(query)
            return checked
        if len(query) > self.caps.query_chars:
            raise limit_exceeded("queryCharacters", self.caps.query_chars, len(query))
        try:
            document = parse(query, max_tokens=self.caps.query_tokens)
        except GraphQLError as error:
            if error.message.startswith("Syntax Error: Document contains more than"):
                raise limit_exceeded("queryTokens", self.caps.query_tokens, None) from None
            raise
        if "\\u0000" in query and _has_nul_literal(document):
            raise GraphQLError(
                "A string of the query holds a NUL character (\\u0000), which cannot be stored.",
                extensions={"code": "VALIDATION_FAILED"},
            )
        errors = validate(self.schema, document, self.rules, hide_suggestions=self.hide_suggestions)
        checked = CheckedDocument(document, tuple(errors))
        self._remember(query, checked)
        return checked

    def _remember(self, query: str, checked: CheckedDocument) -> None:
        self._checked[query] = checked
        self._cached_chars += len(query)
        while (
            self._cached_chars > self.caps.cache_bytes
            or len(self._checked) > self.caps.cache_entries
        ):
            oldest, _ = self._checked.popitem(last=False)
            self._cached_chars -= len(oldest)


def _has_nul_literal(document: DocumentNode) -> bool:
    """Whether a string literal of `document` holds NUL (PostgreSQL stores it nowhere)."""

    class NulLiterals(Visitor):
        found = False

        def enter_string_value(self, node: StringValueNode, *_: object) -> object:
            if "\x00" in node.value:
                self.found = True
                return BREAK
            return None

    finder = NulLiterals()
    visit(document, finder)
    return finder.found


def limits_error(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
) -> GraphQLError | None:
    """LIMIT_EXCEEDED when the operation to run passes a limit of `measure`, else None."""
    operation = get_operation_ast(document, operation_name)
    if not isinstance(operation, OperationDefinitionNode):
        return None  # strawberry names the missing or ambiguous operation
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    passed = measure(schema, operation, fragments, variables).passed()
    return None if passed is None else limit_exceeded(*passed)


def limit_exceeded(limit: str, maximum: int, measured: int | None) -> GraphQLError:
    over = "" if measured is None else f" ({measured:,})"
    return GraphQLError(
        f"The operation is over the {limit} limit of {maximum:,}{over}.",
        extensions={
            "code": LIMIT_EXCEEDED,
            "limit": limit,
            "maximum": maximum,
            **({} if measured is None else {"measured": measured}),
        },
    )
