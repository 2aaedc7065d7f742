"""A database outage, logged once when it starts and once when it ends.

Each request that a fault refuses logs its own line (with its request id); an operator reading
the log also needs the outage itself: "The database is unavailable" at the first refusal, "The
database is available again after 4.2 s" once work succeeds on it. A committed transaction, or
a PostgreSQL connection that did its work, says it is back. (The broker logs its own outages:
`api/pubsub.py`.)
"""

from __future__ import annotations

import logging
import time

from api.faults import DATABASE, dependency_of

logger = logging.getLogger("propflow.outages")

_database_down_since: list[float] = []


def refused(error: BaseException | None) -> None:
    """A request refused for a fault a retry can fix: one of the database's is logged if it
    is the first of an outage."""
    if _database_down_since or dependency_of(error) != DATABASE:
        return
    _database_down_since.append(time.monotonic())
    logger.warning("The database is unavailable: %r", error)


def database_recovered() -> None:
    """The database did its work: logged if it was down."""
    if _database_down_since:
        elapsed = time.monotonic() - _database_down_since.pop()
        logger.warning("The database is available again after %.1f s", elapsed)
