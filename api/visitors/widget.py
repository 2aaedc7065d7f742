"""The visitor side as pages: `GET /widget.js` and the demo shop under `/demo/`.

The widget is one static file, read once at start-up, with an ETag and a short max-age: a site
owner's pages pick up a new release within minutes. The demo pages are small HTML fragments in a
shared layout; the only server-side value in them is the Default workspace's public key, so that a
new install shows a flow running on a "real" website without any setup.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from api.workspaces import service as workspaces_service

WIDGET_MAX_AGE_SECONDS = 300
DEMO_PAGES = {"": "home", "pricing": "pricing", "shop": "shop"}
Endpoint = Callable[[Request], Awaitable[Response]]


def widget_endpoint(path: Path) -> Endpoint:
    """`GET /widget.js`: the file at `path`, cacheable and revalidated by its ETag."""
    if not path.is_file():
        raise RuntimeError(f"The visitor widget is missing: {path}")
    body = path.read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    headers = {
        "Cache-Control": f"public, max-age={WIDGET_MAX_AGE_SECONDS}",
        "ETag": etag,
        "X-Content-Type-Options": "nosniff",
    }

    async def widget(request: Request) -> Response:
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)

    return widget


def demo_routes(directory: Path) -> list[BaseRoute]:
    """The demo shop: home, /demo/pricing, /demo/shop and /demo/shoes/<slug>, read at start-up."""
    layout = (directory / "layout.html").read_text()
    pages = {
        path: (directory / "pages" / f"{name}.html").read_text()
        for path, name in DEMO_PAGES.items()
    }
    shoes = {path.stem: path.read_text() for path in (directory / "pages" / "shoes").glob("*.html")}

    async def page(request: Request) -> Response:
        fragment = pages.get(request.path_params.get("page", ""))
        return _not_found() if fragment is None else await _render(layout, fragment)

    async def shoe(request: Request) -> Response:
        fragment = shoes.get(request.path_params["slug"])
        return _not_found() if fragment is None else await _render(layout, fragment)

    return [
        Route("/demo", lambda _request: RedirectResponse("/demo/")),
        Route("/demo/", page),
        Route("/demo/shoes/{slug}", shoe),
        Route("/demo/{page}", page),
    ]


async def _render(layout: str, fragment: str) -> Response:
    """The page: its fragment's first line is its <title>, the rest its <main>."""
    title, _, main = fragment.partition("\n")
    workspace = await workspaces_service.find_workspace(workspaces_service.DEFAULT_WORKSPACE_NAME)
    if workspace is None:
        widget = (
            '<p class="note">No "Default" workspace yet, so no widget: run '
            "<code>propflow operator create --email you@example.com</code> and reload.</p>"
        )
    else:
        key = html.escape(workspace.public_key)
        widget = f'<script src="/widget.js" data-workspace="{key}" async></script>'
    text = layout.replace("{{title}}", html.escape(title.strip())).replace("{{widget}}", widget)
    return HTMLResponse(text.replace("{{main}}", main))


def _not_found() -> Response:
    return HTMLResponse("<h1>Not found</h1><p><a href='/demo/'>Back to the shop</a></p>", 404)
