"""The contacts list: filtered, sorted and keyset-paginated in SQL, on SQLite and PostgreSQL.

Sort keys are a property (its typed value, unset values last) or `createdAt`, which sorts by id:
ids grow with creation, and an integer key keeps cursors exact. Every order ends with the id,
so a cursor is the sort values plus the id of the last row, and rows added meanwhile never make
a page repeat or skip a row.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import math
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from api import db
from api.contacts.filters import Condition, build_conditions
from api.contacts.models import Contact
from api.contacts.values import column_for, from_column, to_parameter
from api.errors import LimitExceededError, ValidationFailedError
from api.ids import MAX_ID
from api.properties import service as properties_service
from api.properties.models import PropertyDefinition

MAX_PAGE_SIZE = 500
CREATED_AT = "createdAt"


@dataclass(frozen=True)
class SortKey:
    key: str
    descending: bool = False


@dataclass(frozen=True)
class Page:
    contacts: list[tuple[Contact, str]]
    has_next_page: bool
    total_count: int | None


@dataclass(frozen=True)
class _Order:
    expression: str
    descending: bool
    definition: PropertyDefinition | None


async def list_contacts(
    workspace_id: int,
    *,
    first: int,
    after: str | None = None,
    filters: Sequence[Mapping[str, Any]] = (),
    sort: Sequence[SortKey] = (),
    include_anonymous: bool = False,
    with_total: bool = True,
) -> Page:
    if first > MAX_PAGE_SIZE:
        raise LimitExceededError(
            f"first is {first}; at most {MAX_PAGE_SIZE} contacts per page", limit=MAX_PAGE_SIZE
        )
    if first < 0:
        raise ValidationFailedError("first must not be negative", field="first")
    definitions = await properties_service.definitions_by_key(workspace_id)
    conditions = [Condition("c.workspace_id = ?", (workspace_id,))]
    if not include_anonymous:
        conditions.append(Condition("c.email IS NOT NULL"))
    conditions += build_conditions(filters, definitions)
    orders = _orders(sort, definitions)
    total = await _count(conditions) if with_total else None
    rows = await _page_rows(conditions, orders, _decode_cursor(after, orders), first + 1)
    has_next = len(rows) > first
    rows = rows[:first]
    by_id = {
        contact.id: contact for contact in await Contact.filter(id__in=[r["id"] for r in rows])
    }
    contacts = [
        (by_id[row["id"]], _encode_cursor(row, orders)) for row in rows if row["id"] in by_id
    ]
    return Page(contacts=contacts, has_next_page=has_next, total_count=total)


async def iterate_contacts(
    workspace_id: int,
    *,
    filters: Sequence[Mapping[str, Any]] = (),
    sort: Sequence[SortKey] = (),
    include_anonymous: bool = True,
    batch_size: int = MAX_PAGE_SIZE,
) -> AsyncIterator[list[Contact]]:
    """Every matching contact, a batch at a time, in constant memory (for CSV export)."""
    cursor = None
    while True:
        page = await list_contacts(
            workspace_id,
            first=batch_size,
            after=cursor,
            filters=filters,
            sort=sort,
            include_anonymous=include_anonymous,
            with_total=False,
        )
        if page.contacts:
            yield [contact for contact, _ in page.contacts]
        if not page.has_next_page:
            return
        cursor = page.contacts[-1][1]


def _orders(sort: Sequence[SortKey], definitions: Mapping[str, PropertyDefinition]) -> list[_Order]:
    orders = []
    for item in sort:
        if item.key == CREATED_AT:
            orders.append(_Order("c.id", item.descending, None))
            continue
        definition = definitions.get(item.key)
        if definition is None:
            raise ValidationFailedError(
                f"Cannot sort by {item.key!r}: there is no such property", key=item.key
            )
        expression = (
            f"(SELECT pv.{column_for(definition.type)} FROM property_value pv "
            f"WHERE pv.contact_id = c.id AND pv.property_id = {int(definition.id)})"
        )
        orders.append(_Order(expression, item.descending, definition))
    return orders


async def _count(conditions: Sequence[Condition]) -> int:
    where, params = _where(conditions)
    rows = await _query(f"SELECT count(*) AS n FROM contact c WHERE {where}", params)
    return int(rows[0]["n"])


async def _page_rows(
    conditions: Sequence[Condition],
    orders: Sequence[_Order],
    cursor: tuple[list[Any], int] | None,
    limit: int,
) -> list[dict[str, Any]]:
    after_sql, after_params = _after(orders, cursor)
    where, params = _where([*conditions, Condition(after_sql, tuple(after_params))])
    sort_columns = "".join(f", {order.expression} AS s{i}" for i, order in enumerate(orders))
    order_by = "".join(
        f"{order.expression} IS NULL, {order.expression} {'DESC' if order.descending else 'ASC'}, "
        for order in orders
    )
    sql = (
        f"SELECT c.id{sort_columns} FROM contact c WHERE {where} "
        f"ORDER BY {order_by}c.id ASC LIMIT {limit}"
    )
    return await _query(sql, params)


def _after(orders: Sequence[_Order], cursor: tuple[list[Any], int] | None) -> tuple[str, list[Any]]:
    """Rows strictly after the cursor in (sort values, nulls last, id) order."""
    if cursor is None:
        return "1 = 1", []
    values, last_id = cursor
    alternatives: list[str] = []
    params: list[Any] = []
    equal_so_far: list[str] = []
    equal_params: list[Any] = []
    for order, value in zip(orders, values, strict=True):
        column = order.expression
        if value is not None:
            symbol = "<" if order.descending else ">"
            alternatives.append(
                " AND ".join([*equal_so_far, f"({column} {symbol} ? OR {column} IS NULL)"])
            )
            params += [*equal_params, value]
            equal_so_far.append(f"{column} = ?")
            equal_params.append(value)
        else:
            equal_so_far.append(f"{column} IS NULL")
    alternatives.append(" AND ".join([*equal_so_far, "c.id > ?"]))
    params += [*equal_params, last_id]
    return "(" + " OR ".join(f"({alternative})" for alternative in alternatives) + ")", params


def _where(conditions: Sequence[Condition]) -> tuple[str, list[Any]]:
    return " AND ".join(c.sql for c in conditions), [p for c in conditions for p in c.params]


def _encode_cursor(row: Mapping[str, Any], orders: Sequence[_Order]) -> str:
    values = [_cursor_value(order, row[f"s{i}"]) for i, order in enumerate(orders)]
    raw = json.dumps([values, row["id"]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor_value(order: _Order, stored: Any) -> Any:
    if order.definition is None:
        return stored
    return from_column(order.definition.type, stored)


def _decode_cursor(cursor: str | None, orders: Sequence[_Order]) -> tuple[list[Any], int] | None:
    """The sort values and id a cursor holds; any cursor this module did not write for this
    sort (cut, edited, nested, a value of the wrong type) is VALIDATION_FAILED naming `after`."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values, last_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if type(values) is not list or len(values) != len(orders):
            raise ValueError(cursor)
        if type(last_id) is not int or not 0 < last_id <= MAX_ID:
            raise ValueError(cursor)
        return [
            _parameter(order, value) for order, value in zip(orders, values, strict=True)
        ], last_id
    except (ValueError, TypeError, OverflowError, RecursionError, binascii.Error):
        raise ValidationFailedError(
            "The cursor 'after' is not valid for this sort; start again without it",
            field="after",
        ) from None


def _parameter(order: _Order, value: Any) -> Any:
    """A cursor's sort value as a SQL parameter, once it has the type its column holds."""
    if value is None:
        return None
    if order.definition is None:  # createdAt: the id
        if type(value) is not int or not 0 < value <= MAX_ID:
            raise ValueError(value)
        return value
    column = column_for(order.definition.type)
    if column == "value_number":
        if type(value) not in (int, float) or not math.isfinite(value):
            raise ValueError(value)
    elif column == "value_bool":
        if type(value) is not bool:
            raise ValueError(value)
    elif not isinstance(value, str) or "\x00" in value:
        raise ValueError(value)
    else:
        value.encode()  # a lone surrogate: UnicodeEncodeError, a ValueError
    return to_parameter(order.definition.type, value)


async def _query(sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    """Run `sql` with `?` placeholders on the default connection, in its own dialect."""
    connection = db.connection()
    if connection.capabilities.dialect == "postgres":
        parts = sql.split("?")
        sql = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))
    else:
        params = [p.isoformat() if isinstance(p, datetime.date) else p for p in params]
    return list(await connection.execute_query_dict(sql, list(params)))
