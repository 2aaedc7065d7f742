"""Settings, read once from the environment and flags; a bad value fails at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from api.db import DEFAULT_DATABASE_URL


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # Production mode hides GraphiQL on GET /graphql.
    production: bool = False
    allowed_origins: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from PROPFLOW_*/DATABASE_URL/REDIS_URL, with explicit flags winning."""
        values: dict[str, object] = {
            "database_url": os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            "redis_url": os.environ.get("REDIS_URL") or None,
            "production": _flag(os.environ.get("PROPFLOW_PRODUCTION", "")),
            "allowed_origins": tuple(
                origin.strip()
                for origin in os.environ.get("PROPFLOW_ALLOWED_ORIGINS", "").split(",")
                if origin.strip()
            ),
        }
        values.update({name: value for name, value in overrides.items() if value is not None})
        return cls(**values)  # type: ignore[arg-type]


def _flag(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes", "on")
