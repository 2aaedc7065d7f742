"""Settings, read once from the environment and flags; a bad value fails at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from strawberry.http.websocket_origin import normalize_allowed_origins

from api.db import DEFAULT_DATABASE_URL


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # Production mode hides GraphiQL, introspection and "Did you mean" suggestions.
    production: bool = False
    # Introspection back on in production (for an operator's tooling); None: on unless production.
    introspection: bool | None = None
    # Other origins trusted like the app's own (the operator API, over HTTP and the WebSocket).
    # A workspace's widget origins are the workspace's own setting, not this one.
    allowed_origins: tuple[str, ...] = field(default_factory=tuple)
    # Seconds a WebSocket may take to send connection_init before it is closed (4408).
    ws_init_timeout: float = 10.0
    # The edge's caps (see api/edge): request bodies, and GraphQL query texts before parsing.
    max_body_bytes: int = 1024 * 1024
    max_operator_body_bytes: int = 8 * 1024 * 1024
    max_query_chars: int = 20_000
    max_query_tokens: int = 2_000
    # Seconds between re-checks that open operator sockets' tokens still exist (sessions.py);
    # above about 4, a lost revocation event or a deleted operator may outlive the 5 s promise.
    session_recheck_seconds: float = 2.0

    @property
    def introspection_enabled(self) -> bool:
        return not self.production if self.introspection is None else self.introspection

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from PROPFLOW_*/DATABASE_URL/REDIS_URL, with explicit flags winning."""
        values: dict[str, object] = {
            "database_url": os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            "redis_url": os.environ.get("REDIS_URL") or None,
            "production": _flag(os.environ.get("PROPFLOW_PRODUCTION", "")),
            "allowed_origins": _origins("PROPFLOW_ALLOWED_ORIGINS"),
            "ws_init_timeout": _seconds("PROPFLOW_WS_INIT_TIMEOUT", 10.0),
            "introspection": _optional_flag("PROPFLOW_INTROSPECTION"),
            "max_body_bytes": _count("PROPFLOW_MAX_BODY_BYTES", 1024 * 1024),
            "max_operator_body_bytes": _count("PROPFLOW_MAX_OPERATOR_BODY_BYTES", 8 * 1024 * 1024),
            "max_query_chars": _count("PROPFLOW_MAX_QUERY_CHARS", 20_000),
            "max_query_tokens": _count("PROPFLOW_MAX_QUERY_TOKENS", 2_000),
            "session_recheck_seconds": _seconds("PROPFLOW_SESSION_RECHECK_SECONDS", 2.0),
        }
        values.update({name: value for name, value in overrides.items() if value is not None})
        return cls(**values)  # type: ignore[arg-type]


def _origins(name: str) -> tuple[str, ...]:
    origins = tuple(
        origin.strip() for origin in os.environ.get(name, "").split(",") if origin.strip()
    )
    try:
        normalize_allowed_origins(origins)
    except ValueError as error:
        raise SettingsError(f"{name}: {error}") from None
    return origins


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not 0 < seconds <= 3600:
        raise SettingsError(f"{name} must be between 0 and 3600 seconds")
    return seconds


def _count(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    text = raw.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 12 and int(text) > 0):
        raise SettingsError(f"{name} must be a whole number above 0, not {raw!r}")
    return int(text)


def _optional_flag(name: str) -> bool | None:
    raw = os.environ.get(name, "").strip()
    return _flag(raw) if raw else None


class SettingsError(Exception):
    """A setting from the environment is unusable."""


def _flag(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes", "on")
