"""Migrations upgrade a database that holds data, on SQLite and PostgreSQL alike."""

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest
from tortoise import Tortoise
from tortoise.migrations.api.migrate import migrate

from api import db
from tests.support import databases

BEFORE_INBOX = "propflow.0006_token_last_used"
ROWS = [
    "INSERT INTO workspace (id, name, public_key, created_at, allowed_origins) "
    "VALUES (1, 'Acme', 'pk_acme', CURRENT_TIMESTAMP, '[]')",
    "INSERT INTO contact (id, workspace_id, visitor_id, created_at, updated_at) "
    "VALUES (1, 1, 'v-1', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO flow (id, workspace_id, name, draft, revision, enabled, created_at, updated_at) "
    "VALUES (1, 1, 'Hello', '{}', 1, TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO flow_run (id, workspace_id, version, status, retries, started_at, updated_at, "
    "contact_id, flow_id) VALUES (1, 1, 1, 'completed', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
    "1, 1)",
    "INSERT INTO bot_message (contact_id, run_id, node_id, text, expects_answer, at) "
    "VALUES (1, 1, 'hi', 'Hello!', FALSE, CURRENT_TIMESTAMP)",
]
INDEX_NAMES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'bot_message'",
    "postgres": "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'bot_message'",
}


@pytest.fixture(params=databases.backends())
async def scratch_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of its own (on PostgreSQL, created and dropped beside the test one)."""
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path / 'upgrade.db'}"
        return
    parts = urlsplit(databases.POSTGRES_URL)
    databases.require_service("PostgreSQL", parts.hostname or "127.0.0.1", parts.port or 5432)
    name = parts.path.lstrip("/")
    scratch = f"{name}_upgrade"
    admin = await asyncpg.connect(databases.POSTGRES_URL.replace(f"/{name}", "/postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        await admin.execute(f'CREATE DATABASE "{scratch}"')
        yield databases.POSTGRES_URL.replace(f"/{name}", f"/{scratch}")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        await admin.close()


async def test_the_inbox_migration_keeps_bot_messages_as_the_bots(scratch_url: str):
    config = db.tortoise_config(scratch_url)
    await migrate(config=config, app_labels=[db.APP_LABEL], target=BEFORE_INBOX)
    await Tortoise.close_connections()
    await Tortoise.init(config=config)
    try:
        for statement in ROWS:
            await db.connection().execute_script(statement)
    finally:
        await Tortoise.close_connections()

    await db.apply_migrations(scratch_url)

    await Tortoise.init(config=config)
    try:
        client = db.connection()
        rows = await client.execute_query_dict(
            "SELECT author, run_id, operator_id, chosen, text FROM bot_message"
        )
        backend = "postgres" if db.is_postgres(scratch_url) else "sqlite"
        indexes = {row["name"] for row in await client.execute_query_dict(INDEX_NAMES[backend])}
    finally:
        await Tortoise.close_connections()
    assert rows == [
        {"author": "BOT", "run_id": 1, "operator_id": None, "chosen": None, "text": "Hello!"}
    ]
    assert "idx_bot_message_contact_3a7909" in indexes  # the transcript's (contact, id) index
