"""Prometheus metrics, served at /metrics: what an operator graphs and alerts on.

GraphQL operations by name and outcome (the first error's code, or OK) with their latency; open
WebSockets and subscriptions; page views accepted, duplicate or refused; the sizes of group
commits; events waiting for the broker; rate-limit refusals. With several worker processes
(`propflow serve --workers N`) each writes its samples to PROMETHEUS_MULTIPROC_DIR and /metrics
adds them up (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

# Operation names come from clients: a few dozen distinct ones are kept, the rest are "other",
# so that a hostile client cannot grow the series without bound.
MAX_OPERATION_NAMES = 200
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_names: set[str] = set()

GRAPHQL_REQUESTS = Counter(
    "propflow_graphql_requests",
    "GraphQL operations (queries and mutations), by operation name and outcome code",
    ["operation", "code"],
)
GRAPHQL_SECONDS = Histogram(
    "propflow_graphql_request_seconds",
    "Time to answer a GraphQL query or mutation, by operation name and outcome code",
    ["operation", "code"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
OPEN_WEBSOCKETS = Gauge(
    "propflow_open_websockets", "WebSockets open at /graphql", multiprocess_mode="livesum"
)
OPEN_SUBSCRIPTIONS = Gauge(
    "propflow_open_subscriptions", "Subscriptions streaming events", multiprocess_mode="livesum"
)
PAGE_VIEWS = Counter(
    "propflow_page_views", "Visitors' page views, by outcome", ["outcome"]
)  # accepted | duplicate | refused
GROUP_COMMIT_SIZE = Histogram(
    "propflow_group_commit_size",
    "Items written by one group commit (one transaction)",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
BROKER_BACKLOG = Gauge(
    "propflow_broker_backlog_events",
    "Events waiting to be published to Redis (the broker's lag)",
    multiprocess_mode="livesum",
)
RATE_LIMIT_REFUSALS = Counter(
    "propflow_rate_limit_refusals", "Requests refused by a rate limit, by limit", ["limit"]
)


def exposition() -> tuple[bytes, str]:
    """Every metric in Prometheus's text format, and its media type; of all the workers when
    they share PROMETHEUS_MULTIPROC_DIR."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    registry = REGISTRY
    if directory:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=directory)
    return generate_latest(registry), CONTENT_TYPE_LATEST


class GraphQLMetrics(SchemaExtension):
    """Counts and times each query and mutation, over HTTP or the WebSocket."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        if _is_subscription(context):
            return  # counted while open (OPEN_SUBSCRIPTIONS)
        errors = context.result.errors if context.result else context.pre_execution_errors
        code = "OK"
        if errors:
            code = str((errors[0].extensions or {}).get("code") or "INTERNAL")
        labels = (operation_label(context.operation_name), code)
        GRAPHQL_REQUESTS.labels(*labels).inc()
        GRAPHQL_SECONDS.labels(*labels).observe(time.perf_counter() - started)


def _is_subscription(context: ExecutionContext) -> bool:
    try:
        return context.operation_type is OperationType.SUBSCRIPTION
    except Exception:  # no document, or no operation of that name: refused, not a subscription
        return False


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if name in _names:
        return name
    if _NAME.fullmatch(name) and len(_names) < MAX_OPERATION_NAMES:
        _names.add(name)
        return name
    return "other"
