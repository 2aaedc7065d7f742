"""HTTP load with `wrk` (the Debian package), pinned to its own core.

The server under test runs pinned to SERVER_CPU (`server_process(..., cpu=SERVER_CPU)`), wrk to
LOAD_CPU, where `taskset` exists: on a 2-core machine neither then measures the other's work.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

SERVER_CPU = 0
LOAD_CPU = 1
MISSING = "install wrk"
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    p99_ms: float
    failed: int  # socket errors, timeouts and non-2xx answers


def missing() -> str | None:
    """Why HTTP rows cannot run here, or None."""
    return None if shutil.which("wrk") else MISSING


def pinned(command: list[str], cpu: int) -> list[str]:
    """`command` pinned to `cpu` when `taskset` exists."""
    return ["taskset", "--cpu-list", str(cpu), *command] if shutil.which("taskset") else command


def post_json(
    url: str,
    payload: object,
    *,
    headers: dict[str, str] | None = None,
    connections: int = 32,
    seconds: int = 10,
) -> Load:
    """wrk POSTing one JSON body over `connections` keep-alive connections."""
    script = "\n".join(
        [
            'wrk.method = "POST"',
            f"wrk.body = {_lua_string(json.dumps(payload))}",
            'wrk.headers["Content-Type"] = "application/json"',
            *(
                f"wrk.headers[ {_lua_string(k)} ] = {_lua_string(v)}"
                for k, v in (headers or {}).items()
            ),
        ]
    )
    return _run(url, script, connections, seconds)


def get(url: str, *, connections: int = 32, seconds: int = 10) -> Load:
    return _run(url, "", connections, seconds)


def _run(url: str, script: str, connections: int, seconds: int) -> Load:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", lua.name]
        output = subprocess.run(
            [*pinned(command, LOAD_CPU), url], capture_output=True, text=True, check=True
        ).stdout
    return parse(output)


def parse(output: str) -> Load:
    """Answered requests/s (failures excluded), p99 and failures from wrk's `--latency` report."""
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m),", output)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\b", output, re.MULTILINE)
    if not done or not p99:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    failed = sum(
        int(n)
        for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output)
        + re.findall(r"(?:connect|read|write|timeout) (\d+)", output)
    )
    seconds = float(done.group(2)) * _UNITS[done.group(3)] / 1000
    answered = (int(done.group(1)) - failed) / seconds  # failures are no throughput
    return Load(answered, float(p99.group(1)) * _UNITS[p99.group(2)], failed)


def _lua_string(text: str) -> str:
    """A Lua long-bracket literal holding `text` as is."""
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"
