"""Open operator WebSockets, closed with 4403 once their token is revoked or their operator gone.

A socket is admitted (at connection_init) under the SHA-256 of the token it signed in with, and
closed with 4403, the code of a refused connection_init, by whichever comes first:
- the revocation event: `service.revoke_tokens` deletes the rows, then publishes the hashes
  through the broker, so every process (in-process broker, or Redis when REDIS_URL is set)
  closes those sockets at once;
- the same event makes the process forget those tokens' remembered sign-ins first
  (`api/workspaces/sign_ins.py`), so its next request with one is refused;
- the re-check: every `recheck_seconds` (2 s by default), a process with open operator sockets
  asks which of their tokens still exist, one indexed query per `CHECK_BATCH` distinct tokens,
  and nothing at all when it has none. It catches an event lost to a Redis outage, one
  published where no server could hear it (the CLI beside servers without Redis), and an
  operator deleted from the database (its tokens go with it by cascade).
So a socket outlives its token by at most one interval plus one query, inside the promised 5 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from api import pubsub
from api.workspaces import models
from api.workspaces.service import TOKENS_REVOKED_CHANNEL, forget_sign_ins, token_hash

CLOSE_CODE = 4403
CLOSE_REASON = "Token revoked"
# Tokens per re-check query: well under every backend's limit on bound parameters.
CHECK_BATCH = 500
logger = logging.getLogger("propflow.sessions")


class OperatorSockets:
    """This process's open operator sockets, by the hash of their token."""

    def __init__(self) -> None:
        self.sockets: dict[WebSocket, str] = {}
        # Closing handshakes under way: a client that never answers one holds its own task for
        # the server's close timeout, never the listener or the re-check.
        self.closing: set[asyncio.Task[None]] = set()

    def admit(self, socket: WebSocket, token: str) -> None:
        self.sockets[socket] = token_hash(token)

    async def run(self, broker: pubsub.Broker, recheck_seconds: float) -> None:
        """Until cancelled: close the sockets of revoked tokens, heard or found by re-checking."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self._listen(broker))
            group.create_task(self._recheck_every(recheck_seconds))

    async def recheck(self) -> None:
        """Close the sockets whose token no longer exists; forget the sockets already closed."""
        for socket in [socket for socket in self.sockets if _closed(socket)]:
            del self.sockets[socket]
        hashes = list(set(self.sockets.values()))
        alive: set[str] = set()
        for start in range(0, len(hashes), CHECK_BATCH):
            batch = hashes[start : start + CHECK_BATCH]
            found = await models.OperatorToken.filter(token_hash__in=batch).values_list(
                "token_hash", flat=True
            )
            alive.update(str(digest) for digest in found)
        self.close(set(hashes) - alive)

    def close(self, revoked: Collection[str]) -> None:
        """Start closing every socket signed in with one of the `revoked` hashes."""
        doomed = [socket for socket, digest in self.sockets.items() if digest in revoked]
        for socket in doomed:
            del self.sockets[socket]
            task = asyncio.create_task(_close(socket))
            self.closing.add(task)
            task.add_done_callback(self.closing.discard)

    async def _listen(self, broker: pubsub.Broker) -> None:
        """Revoked tokens' sign-ins are forgotten before their sockets close (tests wait for
        the close); when events may have been lost, every remembered sign-in is."""
        while True:
            with contextlib.suppress(pubsub.SubscriberDroppedError):  # the re-check covers it
                async for event in broker.subscribe(TOKENS_REVOKED_CHANNEL):
                    if pubsub.missed(event):
                        forget_sign_ins(None)
                        continue
                    revoked = set(event.get("tokenHashes", ()))
                    forget_sign_ins(revoked)
                    self.close(revoked)
            forget_sign_ins(None)
            await asyncio.sleep(pubsub.RECONNECT_SECONDS)

    async def _recheck_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            if not self.sockets:
                continue
            try:
                await self.recheck()
            except Exception:  # a busy or lost database: the next round tries again
                logger.warning("Could not re-check the open operator sockets", exc_info=True)


async def _close(socket: WebSocket) -> None:
    if _closed(socket):
        return
    with contextlib.suppress(WebSocketDisconnect):  # the client went away meanwhile
        await socket.close(code=CLOSE_CODE, reason=CLOSE_REASON)


def _closed(socket: WebSocket) -> bool:
    return WebSocketState.DISCONNECTED in (socket.application_state, socket.client_state)
