"""The demo's starting data: a new install's Default workspace gets properties and draft flows.

Only `propflow serve` seeds, and only a database without any workspace (opt out with
`--no-seed`): the very first start of `make run` is then ready for the README walkthrough and
the demo shop at /demo/. An existing database is never touched, and neither is one where
`propflow operator create` ran first, which is how the tests start their servers, so their own
"Page views" or "Shoe size" properties never collide with the seed's. The flows stay drafts: an
operator publishes them in the editor. Their documents live beside the demo pages, in
`editor_static/demo/seed/`, which `tests/fixtures/flows/brands.json` links to.
"""

from __future__ import annotations

import json
from pathlib import Path

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api import db
from api.flows import service as flows_service
from api.properties import service as properties_service
from api.workspaces import service as workspaces_service
from flow_graph.property_types import PropertyType

SEED_DIRECTORY = Path(__file__).resolve().parent.parent / "editor_static" / "demo" / "seed"
BRANDS = ["Nike", "Adidas", "Asics"]
PROPERTIES: list[tuple[str, PropertyType, list[str] | None]] = [
    ("Page views", PropertyType.NUMBER, None),
    ("Shoe size", PropertyType.NUMBER, None),
    ("Lead score", PropertyType.NUMBER, None),
    ("Brand", PropertyType.SELECT, BRANDS),
]
FLOWS = [("Page views", "page_views.json"), ("Shoe brands", "brands.json")]


async def seed_new_database(url: str) -> bool:
    """Create the seeded Default workspace if the database has no workspace; whether it did."""
    await db.open_database(url)
    try:
        if await workspaces_service.has_workspaces():
            return False
        try:
            async with in_transaction():
                await _seed()
        except IntegrityError:
            # Another process starting on the same new database seeded it first.
            return False
        return True
    finally:
        await db.close_database()


async def _seed() -> None:
    name = workspaces_service.DEFAULT_WORKSPACE_NAME
    workspace = await workspaces_service.get_or_create_workspace(name)
    for label, type, options in PROPERTIES:
        await properties_service.create_property(
            workspace.id, label=label, type=type, options=options
        )
    for flow_name, file_name in FLOWS:
        graph = json.loads((SEED_DIRECTORY / file_name).read_text())
        await flows_service.create_flow(workspace.id, name=flow_name, graph=graph)
