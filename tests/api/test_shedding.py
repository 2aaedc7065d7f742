"""The in-flight cap: a GraphQL request over it is refused at once, and nothing else is."""

from __future__ import annotations

import asyncio

import httpx
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from api.app import create_app
from api.settings import RateLimitSettings, Settings
from api.shedding import InFlightCap


async def test_a_request_over_the_cap_is_refused_at_once_and_the_next_gets_in():
    entered, release = asyncio.Event(), asyncio.Event()

    async def held(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == "/graphql":
            entered.set()
            await release.wait()
        await PlainTextResponse("done")(scope, receive, send)

    transport = httpx.ASGITransport(app=InFlightCap(held, limit=1, path="/graphql"))
    async with httpx.AsyncClient(transport=transport, base_url="http://propflow.test") as http:
        first = asyncio.create_task(http.post("/graphql", json={"query": "{ a }"}))
        await entered.wait()
        busy = await http.post("/graphql", json={"query": "{ b }"})
        elsewhere = await http.post("/import/contacts.csv", content=b"email\n")
        release.set()
        answers = [(await first).text, elsewhere.text]
        answers.append((await http.post("/graphql", json={"query": "{ c }"})).text)

    assert answers == ["done", "done", "done"]
    assert busy.status_code == 200 and busy.headers["Retry-After"] == "1"
    (error,) = busy.json()["errors"]
    assert error["extensions"] == {"code": "LIMIT_EXCEEDED", "limit": "inFlight", "retryAfter": 1}


def test_the_cap_is_on_with_the_rate_limits_and_off_with_them():
    def capped(limits: RateLimitSettings) -> bool:
        app = create_app(Settings(rate_limits=limits))
        return any(middleware.cls is InFlightCap for middleware in app.user_middleware)

    assert capped(RateLimitSettings())
    assert not capped(RateLimitSettings(enabled=False))
    assert not capped(RateLimitSettings(in_flight=None))
