"""Tokens this process signed in recently, so a request signs in without the database.

Trusted only where every revocation reaches this process: with Redis, `propflow operator revoke`
and any server publish the revoked hashes on the broker, and each process forgets them before
it closes their sockets (`api/workspaces/sessions.py`). Without Redis the CLI's revocation
reaches no server, so a process without Redis keeps no cache and reads the token every time.

What no event announces (an event lost to a Redis outage, an operator deleted, a CLI run
without REDIS_URL) is caught when an entry expires, after the sockets' re-check interval: the
same bound as an open socket's. Once the broker says events may have been missed, everything
is forgotten.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from cachetools import TTLCache

from api.workspaces import models

# Distinct tokens remembered; past this the least recently used are read again.
MAX_TOKENS = 10_000


@dataclass(frozen=True)
class SignedIn:
    """A token's row as read, with its operator: what a request needs of it."""

    token_id: int
    token_hash: str
    last_used_at: datetime | None
    operator: models.Operator


class SignIns:
    """A bounded, expiring map of token hash → `SignedIn`."""

    def __init__(self, seconds: float, max_tokens: int = MAX_TOKENS) -> None:
        self._entries: TTLCache[str, SignedIn] = TTLCache(maxsize=max_tokens, ttl=seconds)
        # Counts forgetting: a sign-in read before a revocation was heard is not remembered.
        self.generation = 0

    def get(self, digest: str) -> SignedIn | None:
        return self._entries.get(digest)

    def remember(self, signed_in: SignedIn, *, since: int) -> None:
        """Remember a sign-in read from the database when `generation` was `since`, unless
        something was forgotten meanwhile (it may have been this very token)."""
        if since == self.generation:
            self._entries[signed_in.token_hash] = signed_in

    def forget(self, digests: Collection[str]) -> None:
        self.generation += 1
        for digest in digests:
            self._entries.pop(digest, None)

    def forget_all(self) -> None:
        self.generation += 1
        self._entries.clear()
