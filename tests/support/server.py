"""A real `propflow serve` process on a free port, for tests that need real concurrency."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import httpx
import uvicorn

STARTUP_SECONDS = 30
# The console script installed beside this Python.
PROPFLOW = str(Path(sys.executable).parent / "propflow")
# For tests and benchmarks that need bursts (hundreds of requests of one visitor or token).
UNLIMITED = {"PROPFLOW_RATE_LIMITS": "off"}
# Runs of the suite side by side share one Redis: each counts its servers' hits apart.
OWN_COUNTS = {"PROPFLOW_RATE_LIMIT_PREFIX": f"propflow-test-{os.getpid()}"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def operator_token(database_url: str, email: str = "designer@example.com") -> str:
    """Create an operator with the real CLI; its token is the last line it prints."""
    result = subprocess.run(
        [PROPFLOW, "operator", "create", "--email", email, "--db", database_url],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


@contextlib.contextmanager
def served(
    database_url: str, *, env: dict[str, str] | None = None, args: Sequence[str] = ()
) -> Iterator[str]:
    """Run the server in a subprocess and yield its base URL once /healthz answers."""
    with server_process(database_url, env=env, args=args) as (base_url, _):
        yield base_url


@contextlib.contextmanager
def server_process(
    database_url: str,
    *,
    env: dict[str, str] | None = None,
    cpu: int | None = None,
    args: Sequence[str] = (),
    startup_seconds: float = STARTUP_SECONDS,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`served`, with the process too (benchmarks read its memory), pinned to `cpu` if given
    and `taskset` is there; `args` go to `propflow serve`."""
    port = free_port()
    command = [
        PROPFLOW,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--db",
        database_url,
        "--log-level",
        "warning",
        *args,
    ]
    if cpu is not None and shutil.which("taskset"):
        command = ["taskset", "--cpu-list", str(cpu), *command]
    base_url = f"http://127.0.0.1:{port}"
    with running(
        command, base_url, env={**OWN_COUNTS, **(env or {})}, startup_seconds=startup_seconds
    ) as served:
        yield served


@contextlib.contextmanager
def running(
    command: list[str],
    base_url: str,
    *,
    env: dict[str, str] | None = None,
    startup_seconds: float = STARTUP_SECONDS,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Any server command, until its /healthz at `base_url` answers; stopped on exit."""
    process = subprocess.Popen(command, env={**os.environ, **(env or {})})
    try:
        _wait_healthy(process, base_url, startup_seconds)
        yield base_url, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_healthy(process: subprocess.Popen[bytes], base_url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{process.args} did not answer on {base_url}")


@contextlib.asynccontextmanager
async def serving(
    app: object, *, host: str = "127.0.0.1", port: int | None = None
) -> AsyncIterator[str]:
    """Serve an app object with uvicorn in this event loop (on a free port unless given); its
    base URL."""
    port = free_port() if port is None else port
    config = uvicorn.Config(app, host=host, port=port, log_level="warning")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://{host}:{config.port}"
    finally:
        server.should_exit = True
        await task
