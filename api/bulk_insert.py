"""Many rows in few statements, without a model object per row: inserts, and updates of rows
found by their key.

tortoise's `bulk_create` builds a model instance per row first: at 100,000 imported contacts
(four values and four history rows each) that was a fifth of the import's time. The statement
is built by the dialect's pypika query once per shape and remembered: pypika copies the whole
query on every `insert()` and wraps every value, which cost more than running it. Values go in
as the driver takes them (datetimes, dates, bools), as tortoise itself passes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pypika_tortoise import Table

from api import db

# Rows per statement when ids come back: 1,000 rows of up to 8 columns stay far below both
# backends' limit on bound parameters (32,766 for SQLite, 32,767 for PostgreSQL).
ROWS_PER_STATEMENT = 1_000


async def insert_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert `rows` (values in `columns` order): one statement run for every row."""
    if rows:
        client = db.connection()
        sql = _statement(client.query_class, table, tuple(columns), 1, ())
        await client.execute_many(sql, [list(row) for row in rows])


async def insert_returning(
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    """Insert `rows`; the `returning` columns of each, in one statement per
    ROWS_PER_STATEMENT."""
    client = db.connection()
    returned: list[tuple[Any, ...]] = []
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        sql = _statement(client.query_class, table, tuple(columns), len(chunk), tuple(returning))
        params = [value for row in chunk for value in row]
        # Not `execute_query`: on asyncpg it runs an INSERT without reading what it returns.
        for row in await client.execute_query_dict(sql, params):
            returned.append(tuple(row[column] for column in returning))
    return returned


async def update_rows(
    table: str, columns: Sequence[str], keys: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Update a row per item of `rows` (values in `columns` order, then in `keys` order, the
    columns that find the row): one statement run for every row, where the ORM would build
    and run a query per row."""
    if rows:
        client = db.connection()
        shape = (client.query_class.__name__, table, tuple(columns), tuple(keys))
        sql = _updates.get(shape)
        if sql is None:
            sql = _updates[shape] = _update_statement(client.query_class, table, columns, keys)
        await client.execute_many(sql, [list(row) for row in rows])


def _update_statement(
    query_class: Any, table: str, columns: Sequence[str], keys: Sequence[str]
) -> str:
    target = Table(table)
    query = query_class.update(target)
    for column in columns:
        query = query.set(column, 0)
    for key in keys:
        query = query.where(target.field(key) == 0)
    return str(query.get_parameterized_sql(query_class.SQL_CONTEXT)[0])


def _statement(
    query_class: Any, table: str, columns: tuple[str, ...], rows: int, returning: tuple[str, ...]
) -> str:
    """INSERT of `rows` rows of parameters, in the dialect of `query_class`."""
    shape = (query_class.__name__, table, columns, rows, returning)
    sql = _statements.get(shape)
    if sql is None:
        query = query_class.into(Table(table)).columns(*columns)
        query = query.insert(*[(0,) * len(columns)] * rows)
        if returning:
            query = query.returning(*returning)
        sql = _statements[shape] = str(query.get_parameterized_sql(query_class.SQL_CONTEXT)[0])
    return sql


# Few shapes: a table's full chunk, and the last, shorter one of each import batch.
_statements: dict[tuple[Any, ...], str] = {}
_updates: dict[tuple[Any, ...], str] = {}
