"""Propflow's own log lines, as `propflow serve` writes them: time, level, logger and message,
so that "Redis unavailable" and "publishing to Redis again" can be placed in time.

With PROPFLOW_LOG_FORMAT=json every line (uvicorn's too) is one JSON object carrying the id of
the request it was written for (`requestId`, the `X-Request-ID` echoed to the client), for a
log pipeline to index and join with a user's report.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from api.edge.request_ids import current_request_id

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FORMATS = ("text", "json")
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "requestId": current_request_id.get(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(level: str = "info", format: str = "text") -> None:
    """Send the `propflow.*` loggers to stderr in FORMAT, or as JSON (uvicorn's as well)."""
    formatter = JsonFormatter() if format == "json" else logging.Formatter(FORMAT)
    logger = logging.getLogger("propflow")
    if not logger.handlers:
        logger.addHandler(logging.StreamHandler(sys.stderr))
        logger.propagate = False
    for handler in logger.handlers:
        handler.setFormatter(formatter)
    logger.setLevel(level.upper())


def uvicorn_log_config(format: str) -> dict[str, Any] | None:
    """uvicorn's logging config: its own for text, JSON lines like ours for json."""
    if format != "json":
        return None
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {name: {"handlers": ["stderr"], "propagate": False} for name in UVICORN_LOGGERS},
    }
