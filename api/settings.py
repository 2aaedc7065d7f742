"""Settings, read once from the environment and flags; a bad value fails at start-up."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field

from strawberry.http.websocket_origin import normalize_allowed_origins

from api.db import DEFAULT_DATABASE_URL, is_postgres
from api.rates import Rate

VISITOR_EVENTS = Rate(10, 1, burst=20)
NEW_VISITORS = Rate(60, 60, burst=60)
FAILED_SIGN_INS = Rate(20, 60, burst=20)
OPERATOR_REQUESTS = Rate(50, 1, burst=100)
IN_FLIGHT = 100


@dataclass(frozen=True)
class RateLimitSettings:
    """The rate limits (`api/rate_limits.py`); None turns one off, `enabled=False` all."""

    enabled: bool = True
    visitor_events: Rate | None = VISITOR_EVENTS
    new_visitors: Rate | None = NEW_VISITORS
    failed_sign_ins: Rate | None = FAILED_SIGN_INS
    operator_requests: Rate | None = OPERATOR_REQUESTS
    # GraphQL requests over HTTP at once, all clients together (`api/shedding.py`).
    in_flight: int | None = IN_FLIGHT
    # Where the counts live in Redis (REDIS_URL): deployments sharing one Redis pick their own.
    redis_prefix: str = "propflow-limits"

    @classmethod
    def from_env(cls) -> RateLimitSettings:
        return cls(
            enabled=_on_off("PROPFLOW_RATE_LIMITS"),
            visitor_events=_rate("PROPFLOW_RATE_LIMIT_VISITOR_EVENTS", VISITOR_EVENTS),
            new_visitors=_rate("PROPFLOW_RATE_LIMIT_NEW_VISITORS", NEW_VISITORS),
            failed_sign_ins=_rate("PROPFLOW_RATE_LIMIT_FAILED_SIGN_INS", FAILED_SIGN_INS),
            operator_requests=_rate("PROPFLOW_RATE_LIMIT_OPERATOR_REQUESTS", OPERATOR_REQUESTS),
            in_flight=_count_or_off("PROPFLOW_RATE_LIMIT_IN_FLIGHT", IN_FLIGHT),
            redis_prefix=os.environ.get("PROPFLOW_RATE_LIMIT_PREFIX") or cls.redis_prefix,
        )


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
    # The edge: rate limits, and the proxies whose X-Forwarded-For names the client.
    rate_limits: RateLimitSettings = field(default_factory=RateLimitSettings)
    trusted_proxies: tuple[str, ...] = field(default_factory=tuple)
    # Whether this server process also runs due jobs (waits ending, webhook retries); None: on
    # SQLite yes (nothing else can), on PostgreSQL no (`propflow worker` does).
    run_jobs: bool | None = None
    # `https://` only for webhooks, to public addresses, unless this is set (local receivers).
    webhook_allow_private: bool = False
    # Production only: serve registered documents alone (`propflow persisted-queries load`).
    registered_documents_only: bool = False
    # "text" (time, level, logger, message) or "json" (one object a line, with the request id).
    log_format: str = "text"

    @property
    def runs_jobs(self) -> bool:
        return not is_postgres(self.database_url) if self.run_jobs is None else self.run_jobs

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
            "rate_limits": RateLimitSettings.from_env(),
            "trusted_proxies": _proxies("PROPFLOW_TRUSTED_PROXIES"),
            "run_jobs": _optional_flag("PROPFLOW_RUN_JOBS"),
            "webhook_allow_private": _flag(os.environ.get("PROPFLOW_WEBHOOK_ALLOW_PRIVATE", "")),
            "registered_documents_only": _registered_only("PROPFLOW_PERSISTED_QUERIES"),
            "log_format": _choice("PROPFLOW_LOG_FORMAT", ("text", "json")),
        }
        values.update({name: value for name, value in overrides.items() if value is not None})
        if values["registered_documents_only"] and not values["production"]:
            raise SettingsError(
                "PROPFLOW_PERSISTED_QUERIES=registered needs PROPFLOW_PRODUCTION=true "
                "(GraphiQL and the tests send documents of their own)"
            )
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


def _on_off(name: str) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw in ("", "on", "true", "1", "yes"):
        return True
    if raw in ("off", "false", "0", "no"):
        return False
    raise SettingsError(f"{name} must be 'on' or 'off', not {raw!r}")


def _rate(name: str, default: Rate | None) -> Rate | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if raw.lower() == "off":
        return None
    try:
        return Rate.parse(raw)
    except ValueError:
        raise SettingsError(
            f"{name} must be a rate such as '10/second burst 20' or '60/minute', or 'off';"
            f" not {raw!r}"
        ) from None


def _count_or_off(name: str, default: int) -> int | None:
    return None if os.environ.get(name, "").strip().lower() == "off" else _count(name, default)


def _proxies(name: str) -> tuple[str, ...]:
    """Addresses or networks ('10.0.0.0/8'), or '*' for any peer."""
    proxies = tuple(item.strip() for item in os.environ.get(name, "").split(",") if item.strip())
    for proxy in proxies:
        if proxy == "*":
            continue
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise SettingsError(f"{name}: {proxy!r} is not an IP address or network") from None
    return proxies


def _choice(name: str, choices: tuple[str, ...]) -> str:
    """One of `choices`, the first by default."""
    raw = os.environ.get(name, "").strip().lower() or choices[0]
    if raw not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


def _registered_only(name: str) -> bool:
    """'registered': only documents loaded ahead of time; 'auto' (the default): any, with
    automatic persisted queries."""
    raw = os.environ.get(name, "").strip().lower()
    if raw not in ("", "auto", "registered"):
        raise SettingsError(f"{name} must be 'auto' or 'registered', not {raw!r}")
    return raw == "registered"


class SettingsError(Exception):
    """A setting from the environment is unusable."""


def _flag(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes", "on")
