"""The signed-in request path: `{ me { email } }` under wrk, against a bare Starlette endpoint.

Three servers in turn, each pinned to SERVER_CPU with wrk on LOAD_CPU (`bench/wrk.py`), 32
keep-alive connections for SECONDS each: the bare endpoint of `bench/bare_app.py` under the same
uvicorn (the baseline), `{ __typename }` (GraphQL without signing in) and `{ me { email } }`
(token → operator → workspace, then one field) on a real `propflow serve` on SQLite. The operator
rate limit is raised far past the load rather than turned off, so its cost stays in the path.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx

from bench import wrk
from bench.table import Row, Section, at_most, ratio_at_least, skipped
from tests.support.server import free_port, operator_token, running, server_process

CONNECTIONS = 32
SECONDS = 10
ME = "{ me { email } }"
# The operator limit stays in the path, far above what one core can serve.
HIGH_LIMIT = {"PROPFLOW_RATE_LIMIT_OPERATOR_REQUESTS": "1000000/second burst 1000000"}
TITLE = f"Signed-in path, {CONNECTIONS} connections, wrk (server alone on a core)"
NAMES = [
    "bare Starlette JSON endpoint (baseline)",
    "{ __typename }",
    f"{ME}, no Redis: one read per token at a time",
    f"{ME}, with Redis: sign-ins remembered",
]


def sections() -> list[Section]:
    why = wrk.missing()
    if why:
        return [skipped(TITLE, "req/s", NAMES, why), skipped(TITLE, "ms p99", NAMES, why)]
    with _bare() as url:
        bare = wrk.get(url, connections=CONNECTIONS, seconds=SECONDS)
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite://{Path(folder) / 'app.db'}"
        headers = {"Authorization": f"Bearer {operator_token(database)}"}
        with server_process(database, env=HIGH_LIMIT, cpu=wrk.SERVER_CPU) as (base_url, _):
            loads = [bare, _graphql(base_url, "{ __typename }", {})]
            loads.append(_graphql(base_url, ME, headers))
        redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        with server_process(
            database, env={**HIGH_LIMIT, "REDIS_URL": redis_url}, cpu=wrk.SERVER_CPU
        ) as (base_url, _):
            loads.append(_graphql(base_url, ME, headers))
    rates = [
        Row(name, load.requests_per_second, _failed(load))
        for name, load in zip(NAMES, loads, strict=True)
    ]
    rates[-2:] = [row._replace(target=ratio_at_least(0.20)) for row in rates[-2:]]
    latency = [Row(name, load.p99_ms) for name, load in zip(NAMES, loads, strict=True)]
    latency[-2:] = [row._replace(target=at_most(50)) for row in latency[-2:]]
    return [(TITLE, "req/s", rates), (f"{TITLE}: latency", "ms p99", latency)]


def _graphql(base_url: str, query: str, headers: dict[str, str]) -> wrk.Load:
    answer = httpx.post(f"{base_url}/graphql", json={"query": query}, headers=headers).json()
    assert "errors" not in answer, answer  # wrk counts statuses only: check the answer once
    url = f"{base_url}/graphql"
    return wrk.post_json(
        url, {"query": query}, headers=headers, connections=CONNECTIONS, seconds=SECONDS
    )


def _failed(load: wrk.Load) -> str | None:
    return f"{load.failed} failed" if load.failed else None


@contextlib.contextmanager
def _bare() -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--port", str(port)]
    command += ["--log-level", "warning"]
    with running(wrk.pinned(command, wrk.SERVER_CPU), f"http://127.0.0.1:{port}") as (url, _):
        yield f"{url}/"


if __name__ == "__main__":
    from bench.table import print_table

    print_table(sections())
