"""Which code runs a job of each kind. Domains register their handlers at start-up (the
composition root, `api/app.py`), so this package imports no domain."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Handler = Callable[[dict[str, Any]], Awaitable[None]]

_handlers: dict[str, Handler] = {}


class UnknownJobKindError(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind

    def __str__(self) -> str:
        return f"No handler is registered for jobs of kind {self.kind!r}"


def register(kind: str, handler: Handler) -> None:
    """Run jobs of `kind` with `handler`; a handler must be idempotent (a job whose worker died
    after the handler's commit runs again)."""
    _handlers[kind] = handler


async def run(kind: str, payload: dict[str, Any]) -> None:
    handler = _handlers.get(kind)
    if handler is None:
        raise UnknownJobKindError(kind)
    await handler(payload)
