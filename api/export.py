"""GET /export/contacts.csv: the filtered contacts as CSV, streamed a batch at a time.

Query parameters: `filter` (the JSON list the GraphQL `contacts` query takes), `columns` (a comma
list of property keys, plus `id`, `visitorId` and `createdAt`; default: id and every visible
property), `sort` (JSON list of {key, direction}), `includeAnonymous` (true/false), `search`
(email or name contains, as the GraphQL argument) and `headers`
(`labels`, the default: a property's column is headed by its label, as a person reads it and as
the import matches it; `keys`: by its key, for scripts). `id`, `visitorId` and `createdAt` head
their columns either way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from pypika_tortoise import Table
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from api import auth, db, rate_limits
from api.contacts import listing
from api.contacts.values import VALUE_COLUMNS, column_for, from_column
from api.errors import (
    LimitExceededError,
    PropflowError,
    UnauthenticatedError,
    ValidationFailedError,
)
from api.properties import service as properties_service
from api.properties.models import PropertyDefinition
from api.query_params import json_parameter, text_parameter

CONTACT_COLUMNS = {
    "id": lambda contact: str(contact.id),
    "visitorId": lambda contact: contact.visitor_id,
    "createdAt": lambda contact: contact.created_at.isoformat(),
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_NAMED = 10
MAX_NAMED_LENGTH = 64
HEADER_STYLES = ("labels", "keys")
_VALUE = Table("property_value")


async def export_contacts(request: Request) -> Response:
    try:
        operator = await auth.sign_in(
            auth.bearer_token(request.headers),
            limiter=request.app.state.rate_limiter,
            address=rate_limits.client_address(request),
        )
        workspace_id = operator.workspace_id
        definitions = await properties_service.definitions_by_key(workspace_id)
        params = request.query_params
        columns = _columns(text_parameter(params, "columns"), definitions)
        header = _header(columns, definitions, text_parameter(params, "headers") or "labels")
        batches = listing.iterate_contacts(
            workspace_id,
            filters=_json_list(params, "filter"),
            sort=[_sort_key(item) for item in _json_list(params, "sort")],
            include_anonymous=params.get("includeAnonymous") == "true",
            search=text_parameter(params, "search"),
        )
        first: list[listing.ContactRow] = await anext(batches, [])
    except UnauthenticatedError as error:
        return JSONResponse({"error": str(error), "code": error.code}, status_code=401)
    except LimitExceededError as error:
        return rate_limits.too_many_requests(error)
    except PropflowError as error:
        return JSONResponse({"error": str(error), **error.extensions}, status_code=400)
    rows = _rows(header, columns, definitions, first, batches)
    headers = {"Content-Disposition": 'attachment; filename="contacts.csv"'}
    return StreamingResponse(rows, media_type="text/csv; charset=utf-8", headers=headers)


async def _rows(
    header: Sequence[str],
    columns: Sequence[str],
    definitions: dict[str, Any],
    first: list[listing.ContactRow],
    rest: AsyncIterator[list[listing.ContactRow]],
) -> AsyncIterator[str]:
    """The header, then one chunk per batch: a chunk per row cost an ASGI send (and a
    csv writer) for each of them, most of the export's time."""
    yield _lines([[_neutralized(cell) for cell in header]])
    wanted = {column: definitions[column] for column in columns if column in definitions}
    batch = first
    while batch:
        values = await _values([contact.id for contact in batch], wanted)
        yield _lines(
            [_cell(contact, column, values.get(contact.id, {})) for column in columns]
            for contact in batch
        )
        batch = await anext(rest, [])


async def _values(
    contact_ids: list[int], wanted: dict[str, PropertyDefinition]
) -> dict[int, dict[str, Any]]:
    """The chosen properties' values by contact, read as plain tuples in one query: the
    service's `values_of` builds a dict per row and parses its timestamp, which an export never
    shows (a fifth of its time)."""
    by_id = {
        definition.id: (
            definition.key,
            definition.type,
            VALUE_COLUMNS.index(column_for(definition.type)) + 2,
        )
        for definition in wanted.values()
    }
    if not by_id or not contact_ids:
        return {}
    client = db.connection()
    query = (
        client.query_class.from_(_VALUE)
        .select(_VALUE.contact_id, _VALUE.property_id, *VALUE_COLUMNS)
        .where(_VALUE.contact_id.isin(contact_ids))
        .where(_VALUE.property_id.isin(list(by_id)))
        .orderby(_VALUE.contact_id, _VALUE.property_id)  # the (contact, property) key's order
    )
    sql, params = query.get_parameterized_sql(client.query_class.SQL_CONTEXT)
    found: dict[int, dict[str, Any]] = {}
    for row in (await client.execute_query(sql, params))[1]:
        key, type, column = by_id[row[1]]
        found.setdefault(row[0], {})[key] = from_column(type, row[column])
    return found


def _cell(contact: listing.ContactRow, column: str, by_key: dict[str, Any]) -> str:
    if column in CONTACT_COLUMNS:
        return _neutralized(CONTACT_COLUMNS[column](contact))
    value = by_key.get(column)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return _neutralized(value)


def _neutralized(text: str | None) -> str:
    """A leading quote keeps spreadsheets from running text that looks like a formula."""
    if text and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text or ""


def _lines(rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def _header(columns: Sequence[str], definitions: dict[str, Any], style: str) -> list[str]:
    if style not in HEADER_STYLES:
        raise ValidationFailedError(
            f"headers must be {' or '.join(HEADER_STYLES)}", parameter="headers"
        )
    if style == "keys":
        return list(columns)
    return [definitions[c].label if c in definitions else c for c in columns]


def _columns(raw: str | None, definitions: dict[str, Any]) -> list[str]:
    if not raw:
        visible = [key for key, definition in definitions.items() if not definition.hidden]
        return ["id", *visible]
    columns = [column.strip() for column in raw.split(",") if column.strip()]
    unknown = [c for c in columns if c not in definitions and c not in CONTACT_COLUMNS]
    if unknown:
        # Named as given, but only a few and cut short: the parameter can be long.
        named = [column[:MAX_NAMED_LENGTH] for column in unknown[:MAX_NAMED]]
        more = f" and {len(unknown) - len(named)} more" if len(unknown) > len(named) else ""
        raise ValidationFailedError(
            f"Unknown column(s): {', '.join(named)}{more}", parameter="columns", columns=named
        )
    return columns


def _json_list(params: QueryParams, name: str) -> list[Any]:
    value = json_parameter(params, name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValidationFailedError(
            f"The '{name}' parameter must be a JSON list of objects", parameter=name
        )
    return value


def _sort_key(item: dict[str, Any]) -> listing.SortKey:
    direction = item.get("direction", "ASC")
    if not isinstance(item.get("key"), str) or direction not in ("ASC", "DESC"):
        raise ValidationFailedError(
            "Each sort needs a 'key' and a 'direction' of ASC or DESC", parameter="sort"
        )
    return listing.SortKey(item["key"], direction == "DESC")
