"""The ceiling for HTTP rows: a bare Starlette JSON endpoint, served by the same uvicorn as
`propflow serve` (`python -m uvicorn bench.bare_app:app`), with nothing of Propflow around it."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def answer(_request: Request) -> JSONResponse:
    return JSONResponse({"data": {"me": {"email": "designer@example.com"}}})


app = Starlette(routes=[Route("/", answer, methods=["GET", "POST"]), Route("/healthz", answer)])
