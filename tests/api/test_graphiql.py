"""GraphiQL at GET /graphql: served from vendored assets only (it works offline), off in
production."""

from __future__ import annotations

import re

import httpx
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.settings import Settings

REFERENCE = re.compile(r"""(?:src|href)="([^"]+)"|import [^"]*"([^"]+)\"""")


async def test_graphiql_loads_only_assets_the_app_serves(client: httpx.AsyncClient):
    page = await client.get("/graphql", headers={"Accept": "text/html"})

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    references = [a or b for a, b in REFERENCE.findall(page.text)]
    assert len(references) == 5  # the stylesheet, React, ReactDOM, GraphiQL, graphql-ws
    assert not [url for url in references if not url.startswith("/editor/vendor/")]
    assert "://" not in page.text.replace("ws:", "").replace("wss:", "")
    for url in references:
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url


async def test_graphiql_is_off_in_production(empty_db: str):
    production = Settings(database_url=empty_db, production=True)
    async with LifespanManager(create_app(production)) as manager:
        transport = httpx.ASGITransport(app=manager.app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://propflow.test") as http:
            page = await http.get("/graphql", headers={"Accept": "text/html"})

    assert page.status_code == 404
    assert "GraphiQL" not in page.text
