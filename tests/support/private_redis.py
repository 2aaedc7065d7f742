"""A Redis server of a test's own on a free port, to stop and start again (the shared one on
6379 is never stopped)."""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
from collections.abc import Iterator

import pytest

from tests.support import databases
from tests.support.server import free_port


class PrivateRedis:
    def __init__(self, server: str) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.command = [server, "--port", str(self.port), "--bind", "127.0.0.1"]
        self.command += ["--save", "", "--appendonly", "no"]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL)
        databases.wait_for_port(self.port)

    def freeze(self) -> None:
        """Stop the server without closing its sockets (SIGSTOP): it answers nothing."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@contextlib.contextmanager
def private_redis_server() -> Iterator[PrivateRedis]:
    """A started private server, killed at the end (skips without redis-server)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    redis = PrivateRedis(server)
    redis.start()
    yield redis
    redis.kill()
