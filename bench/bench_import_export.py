"""CSV import and export of 100,000 contacts through a real `propflow serve` on SQLite.

Import posts one 100,000-row file to POST /import/contacts.csv; export streams every contact back
from GET /export/contacts.csv. Each runs in a fresh server process, so the peak memory reported
is that process's high-water mark (VmHWM in /proc/<pid>/status) for that job alone. The baseline
of each section, measured in the same run, is plain sqlite3 + csv in this process doing the same
rows with nothing around them (batches of 500 per transaction); its note is the peak of an idle
server, for scale.
"""

from __future__ import annotations

import csv
import io
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bench.bench_fanout import postgres_and_redis
from bench.table import Row, Section, at_least
from tests.support.server import operator_token, served

CONTACTS = 100_000
BATCH = 500
PLANS = ["Free", "Pro", "Team"]
HEADER = ["email", "name", "shoe_size", "plan"]
PROPERTIES = [
    {"label": "Shoe size", "type": "NUMBER"},
    {"label": "Plan", "type": "SELECT", "options": PLANS},
]
CREATE = "mutation($input: CreatePropertyInput!) { createProperty(input: $input) { id } }"

# Absolute rates (issue 17), for 100,000 rows with per-row errors, dry run and error file kept.
IMPORT_TARGET = at_least(10_000)
EXPORT_TARGET = at_least(50_000)


def sections() -> list[Section]:
    """The import and export sections for bench/run.py: SQLite, then PostgreSQL beside the
    same plain sqlite3 baseline."""
    body = _csv_file()
    with tempfile.TemporaryDirectory() as folder:
        imported, exported = _served(f"sqlite://{Path(folder) / 'app.db'}", body)
        raw_import, raw_export = _raw_sqlite(Path(folder) / "raw.db", body)
    imports, exports = [raw_import, imported], [raw_export, exported]
    try:
        postgres, _ = postgres_and_redis()
    except RuntimeError as missing:
        print(f"(no PostgreSQL import/export rows: {missing})", file=sys.stderr)
    else:
        on_postgres = _served(postgres, body)
        imports.append(on_postgres[0]._replace(name=f"{on_postgres[0].name}, PostgreSQL"))
        exports.append(on_postgres[1]._replace(name=f"{on_postgres[1].name}, PostgreSQL"))
    title = f"{CONTACTS:,} contacts (higher is better)"
    return [
        (f"CSV import, {title}", "rows/s", imports),
        (f"CSV export, {title}", "rows/s", exports),
    ]


def _served(url: str, body: bytes) -> tuple[Row, Row]:
    headers = {"Authorization": f"Bearer {operator_token(url)}"}
    with served(url) as base_url, httpx.Client(base_url=base_url, timeout=600) as http:
        for prop in PROPERTIES:
            answer = http.post(
                "/graphql", json={"query": CREATE, "variables": {"input": prop}}, headers=headers
            )
            assert "errors" not in answer.json(), answer.text
        started = time.perf_counter()
        report = http.post("/import/contacts.csv", content=body, headers=headers).json()
        seconds = time.perf_counter() - started
        assert report["created"] == CONTACTS, report
        imported = Row(
            "POST /import/contacts.csv", CONTACTS / seconds, _peak_mib(base_url), IMPORT_TARGET
        )
    with served(url) as base_url, httpx.Client(base_url=base_url, timeout=600) as http:
        params = {"columns": ",".join(HEADER)}
        started = time.perf_counter()
        with http.stream("GET", "/export/contacts.csv", params=params, headers=headers) as answer:
            lines = sum(chunk.count("\n") for chunk in answer.iter_text())
        seconds = time.perf_counter() - started
        assert lines == CONTACTS + 1, lines
        exported = Row(
            "GET /export/contacts.csv, streamed",
            CONTACTS / seconds,
            _peak_mib(base_url),
            EXPORT_TARGET,
        )
    return imported, exported


def _raw_sqlite(path: Path, body: bytes) -> tuple[Row, Row]:
    """The same rows through sqlite3 and csv alone: a contact, its values and their history."""
    idle = _idle_peak_mib(path.with_name("idle.db"))
    connection = sqlite3.connect(path, isolation_level=None)
    connection.executescript(
        """
        PRAGMA journal_mode=WAL;
        CREATE TABLE contact (id INTEGER PRIMARY KEY, email TEXT);
        CREATE TABLE value (contact_id INTEGER, key TEXT, text TEXT, number REAL,
                            PRIMARY KEY (contact_id, key));
        CREATE TABLE history (id INTEGER PRIMARY KEY, contact_id INTEGER, key TEXT, new TEXT);
        """
    )
    name = "sqlite3 + csv, no server (baseline; peak = idle server)"
    imported = _timed(lambda: _raw_import(connection, body))
    exported = _timed(lambda: _raw_export(connection))
    connection.close()
    return Row(name, imported, idle), Row(name, exported, idle)


def _timed(job: Callable[[], None]) -> float:
    """Rows per second of a job over every contact."""
    started = time.perf_counter()
    job()
    return CONTACTS / (time.perf_counter() - started)


def _raw_import(connection: sqlite3.Connection, body: bytes) -> None:
    rows = list(csv.reader(io.StringIO(body.decode())))[1:]
    for start in range(0, len(rows), BATCH):
        connection.execute("BEGIN")
        for email, name, size, plan in rows[start : start + BATCH]:
            insert = connection.execute("INSERT INTO contact (email) VALUES (?)", (email,))
            values: list[tuple[str, str | None, float | None]] = [
                ("email", email, None), ("name", name, None), ("plan", plan, None),
                ("shoe_size", None, float(size)),
            ]  # fmt: skip
            connection.executemany(
                "INSERT INTO value VALUES (?, ?, ?, ?)", [(insert.lastrowid, *v) for v in values]
            )
            connection.executemany(
                "INSERT INTO history (contact_id, key, new) VALUES (?, ?, ?)",
                [(insert.lastrowid, key, str(text or number)) for key, text, number in values],
            )
        connection.execute("COMMIT")


def _raw_export(connection: sqlite3.Connection) -> None:
    """Contacts a batch at a time, their values in one query per batch, as CSV."""
    writer = csv.writer(io.StringIO())
    writer.writerow(HEADER)
    ids = [row[0] for row in connection.execute("SELECT id FROM contact ORDER BY id")]
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        by_contact: dict[int, dict[str, object]] = {}
        marks = ",".join("?" * len(batch))
        query = f"SELECT contact_id, key, text, number FROM value WHERE contact_id IN ({marks})"
        for contact_id, key, text, number in connection.execute(query, batch):
            by_contact.setdefault(contact_id, {})[key] = text if number is None else number
        for contact_id in batch:
            writer.writerow([by_contact[contact_id].get(key) for key in HEADER])


def _idle_peak_mib(path: Path) -> float:
    url = f"sqlite://{path}"
    operator_token(url)
    with served(url) as base_url:
        return _peak_mib(base_url)


def _peak_mib(base_url: str) -> float:
    """VmHWM of the `propflow serve` process listening on the URL's port."""
    port = str(urlsplit(base_url).port)
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            command = (status.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in command and port.encode() in command:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    raise RuntimeError(f"no propflow serve process on port {port}")


def _csv_file() -> bytes:
    rng = random.Random(7)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for n in range(CONTACTS):
        writer.writerow(
            [f"user{n}@example.com", f"User {n}", rng.randint(30, 48), rng.choice(PLANS)]
        )
    return out.getvalue().encode()


if __name__ == "__main__":
    from bench.table import print_table

    print_table(sections())
