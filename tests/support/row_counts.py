"""Row counts of every table in one query, from outside the server process: a refused request
must leave each of them as it was."""

from __future__ import annotations

import asyncio
import sqlite3
from urllib.parse import urlsplit

import asyncpg

from api import db


class RowCounts:
    """`counts()` -> {table: rows}, one round trip; sync, for sync fuzz tests. Close it."""

    def __init__(self, database_url: str) -> None:
        self._postgres = db.is_postgres(database_url)
        if self._postgres:
            self._loop = asyncio.new_event_loop()
            self._pg = self._loop.run_until_complete(asyncpg.connect(database_url))
            tables = self._run("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        else:
            self._sqlite = sqlite3.connect(urlsplit(database_url).path or database_url[9:])
            tables = self._run(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        self.tables = sorted(name for (name,) in tables)
        counts = ", ".join(f'(SELECT count(*) FROM "{name}")' for name in self.tables)
        self._query = f"SELECT {counts}"

    def counts(self) -> dict[str, int]:
        (row,) = self._run(self._query)
        return dict(zip(self.tables, row, strict=True))

    def close(self) -> None:
        if self._postgres:
            self._loop.run_until_complete(self._pg.close())
            self._loop.close()
        else:
            self._sqlite.close()

    def _run(self, sql: str) -> list[tuple]:
        if self._postgres:
            return [tuple(row) for row in self._loop.run_until_complete(self._pg.fetch(sql))]
        return self._sqlite.execute(sql).fetchall()
