"""Propflow's own log lines, as `propflow serve` writes them: time, level, logger and message,
so that "Redis unavailable" and "publishing to Redis again" can be placed in time."""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(level: str = "info") -> None:
    """Send the `propflow.*` loggers to stderr in FORMAT (once; uvicorn keeps its own)."""
    logger = logging.getLogger("propflow")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(level.upper())
