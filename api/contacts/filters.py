"""Contact filters as SQL: each `{key, op, value}` becomes a pypika condition on `contact c`.

A filter value is normalized by its property's type, so numbers compare as numbers and dates as
dates, and it is always a query parameter. Text comparisons for EQ, NEQ, IN, CONTAINS and
STARTS_WITH are case-insensitive (`lower()` on both sides; on SQLite, `api/db.py` makes it fold
every letter, not ASCII only). NEQ and IS_NOT_SET include contacts that have no value, as "is not"
does in Intercom and HubSpot. An operator that does not fit the property's type (flow_graph's
`OPERATORS_BY_TYPE`) is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import ge, gt, le, lt
from typing import Any

from pypika_tortoise import Query, SqlContext, Table
from pypika_tortoise.functions import Cast, Lower
from pypika_tortoise.queries import QueryBuilder
from pypika_tortoise.terms import Criterion, NodeT, Term, ValueWrapper
from tortoise.filters import Like, escape_like

from api.contacts.service import normalize
from api.contacts.values import column_for, to_parameter
from api.errors import ValidationFailedError
from api.properties.models import PropertyDefinition
from flow_graph.operators import OPERATORS_BY_TYPE, TEXT_TYPES, FilterOperator, fits

MAX_FILTERS = 50
MAX_IN_VALUES = 500
SEARCHED_KEYS = ("email", "name")
MAX_SEARCH_LENGTH = 200
CONTACT = Table("contact", alias="c")
VALUE = Table("property_value", alias="pv")


def build_conditions(
    filters: Sequence[Mapping[str, Any]], definitions: Mapping[str, PropertyDefinition]
) -> list[Criterion]:
    """Conditions for every filter, ANDed by the caller; a bad filter is VALIDATION_FAILED."""
    if len(filters) > MAX_FILTERS:
        raise ValidationFailedError(f"At most {MAX_FILTERS} filters are allowed", field="filter")
    return [_condition(index, raw, definitions) for index, raw in enumerate(filters)]


def search_condition(text: str, definitions: Mapping[str, PropertyDefinition]) -> Criterion:
    """Contacts whose email or name contains `text`, ignoring case: the Contacts page's search
    box, one OR that the filters (always ANDed) cannot say."""
    if len(text) > MAX_SEARCH_LENGTH:
        raise ValidationFailedError(
            f"search is over {MAX_SEARCH_LENGTH} characters", field="search"
        )
    email, name = build_conditions(
        [{"key": key, "op": "CONTAINS", "value": text} for key in SEARCHED_KEYS], definitions
    )
    return email | name


def property_id(definition: PropertyDefinition) -> Term:
    """The property's id written into the SQL, not a parameter: the planner then knows which
    property (its statistics, its index) even in a prepared statement's generic plan."""
    return ValueWrapper(int(definition.id), allow_parametrize=False)


def _condition(
    index: int, raw: Mapping[str, Any], definitions: Mapping[str, PropertyDefinition]
) -> Criterion:
    key, op_name, value = raw.get("key"), raw.get("op"), raw.get("value")
    definition = definitions.get(key) if isinstance(key, str) else None
    if definition is None:
        raise ValidationFailedError(
            f"Filter {index + 1}: there is no property with the key {key!r}", key=key
        )
    try:
        op = FilterOperator(str(op_name))
    except ValueError:
        known = ", ".join(member.value for member in FilterOperator)
        raise ValidationFailedError(
            f"Filter {index + 1} on '{key}': unknown operator {op_name!r} (use one of {known})",
            key=key,
        ) from None
    if not fits(op, definition.type):
        fitting = ", ".join(OPERATORS_BY_TYPE[definition.type])
        raise ValidationFailedError(
            f"Filter {index + 1}: {op.value} does not apply to the {definition.type.value} "
            f"property '{key}' (use one of {fitting})",
            key=key,
        )
    return _OPERATORS[op](definition, value)


def has_value(definition: PropertyDefinition, condition: Criterion | None = None) -> Criterion:
    """Contacts with a value for `definition` (one that meets `condition`, when given).

    EXISTS, probing the (contact, property) key per contact, rather than `id IN (...)`: a page
    in id order then stops after `first` matches, where SQLite built the whole IN list first
    (137 ms for a filter matching 40 % of 100,000 contacts, 0.3 ms as EXISTS). PostgreSQL
    plans both as the same semi-join."""
    where = (VALUE.contact_id == CONTACT.id) & (VALUE.property_id == property_id(definition))
    if condition is not None:
        where &= condition
    return _Exists(Query.from_(VALUE).select(VALUE.contact_id).where(where))


class _Exists(Criterion):
    """`EXISTS (subquery)`, which pypika lacks; `~` makes it NOT EXISTS."""

    def __init__(self, query: QueryBuilder) -> None:
        super().__init__()
        self.query = query

    def nodes_(self) -> Iterator[NodeT]:
        yield self  # type: ignore[misc]
        yield from self.query.nodes_()

    def get_sql(self, ctx: SqlContext) -> str:
        return f"EXISTS {self.query.get_sql(ctx.copy(subquery=True))}"


def _lower_text(value: Any) -> Term:
    """A parameter compared as lower-case text (PostgreSQL needs its type to apply lower())."""
    return Lower(Cast(ValueWrapper(value), "TEXT"))


def _is_set(definition: PropertyDefinition, _value: Any) -> Criterion:
    return has_value(definition)


def _is_not_set(definition: PropertyDefinition, value: Any) -> Criterion:
    return ~_is_set(definition, value)


def _equals(definition: PropertyDefinition, value: Any) -> Criterion:
    return _in(definition, [value], operator="EQ")


def _not_equals(definition: PropertyDefinition, value: Any) -> Criterion:
    return ~_equals(definition, value)


def _in(definition: PropertyDefinition, value: Any, operator: str = "IN") -> Criterion:
    if not isinstance(value, list) or not value or len(value) > MAX_IN_VALUES:
        raise ValidationFailedError(
            f"The IN filter on '{definition.key}' needs a list of 1 to {MAX_IN_VALUES} values",
            key=definition.key,
        )
    params = [_typed(definition, item, operator) for item in value]
    if definition.type in TEXT_TYPES:
        lowered = [_lower_text(param) for param in params]
        return has_value(definition, Lower(VALUE.value_text).isin(lowered))
    column = VALUE.field(column_for(definition.type))
    return has_value(definition, column.isin(params))


def _comparison(compare: Callable[[Any, Any], Criterion], operator: str) -> Any:
    def condition(definition: PropertyDefinition, value: Any) -> Criterion:
        column = VALUE.field(column_for(definition.type))
        return has_value(definition, compare(column, _typed(definition, value, operator)))

    return condition


def _text_match(pattern: str, operator: str) -> Any:
    def match(definition: PropertyDefinition, value: Any) -> Criterion:
        if not isinstance(value, str) or not value or "\x00" in value:
            raise ValidationFailedError(
                f"{operator} on '{definition.key}' needs a non-empty text value without NUL",
                key=definition.key,
            )
        like = Like(Lower(VALUE.value_text), _lower_text(pattern.format(escape_like(value))))
        return has_value(definition, like)

    return match


def _typed(definition: PropertyDefinition, value: Any, operator: str) -> Any:
    if value is None:
        raise ValidationFailedError(
            f"{operator} on '{definition.key}' needs a value", key=definition.key
        )
    return to_parameter(definition.type, normalize(definition, value))


_OPERATORS = {
    FilterOperator.EQ: _equals,
    FilterOperator.NEQ: _not_equals,
    FilterOperator.IN: _in,
    FilterOperator.GT: _comparison(gt, "GT"),
    FilterOperator.GTE: _comparison(ge, "GTE"),
    FilterOperator.LT: _comparison(lt, "LT"),
    FilterOperator.LTE: _comparison(le, "LTE"),
    FilterOperator.CONTAINS: _text_match("%{}%", "CONTAINS"),
    FilterOperator.STARTS_WITH: _text_match("{}%", "STARTS_WITH"),
    FilterOperator.IS_SET: _is_set,
    FilterOperator.IS_NOT_SET: _is_not_set,
}
