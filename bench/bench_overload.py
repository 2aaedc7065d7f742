"""Overload: twice the sustainable ingestion rate, with the rate limits on at their defaults.

A real `propflow serve` on SQLite with the "Page views" flow (as in `bench_ingest`, whose
hand-written client this reuses), pinned to CPU 0 when `taskset` is there, and trusting
127.0.0.1 as its proxy: each simulated visitor sends `X-Forwarded-For` with an address of its
own, as clients behind docker/'s nginx do.

1. Sustainable rate: 50 clients, each sending events as fast as answers come back, for one
   fresh visitor after another (a few events each, within the limits).
2. Burst: for BURST_SECONDS, requests go out on schedule (open loop, whatever the answers) at
   twice that rate. HOT_SHARE of them come from a few hot visitors (far past 10 events a
   second each) and from one address inventing visitor after visitor (past 60 a minute); the
   rest from distinct visitors, as in 1.
3. A probe sends one event every PROBE_SECONDS throughout. Its p99 at idle is the normal
   latency; recovery is the time from the end of the burst until its answers are normal again
   (a median under twice that, or 5 ms more, over each half second) and stay so.

Reported, not asserted: accepted/s, refused fast (LIMIT_EXCEEDED) and their p99, 5xx (must be
0), the server's RSS at idle and at its peak, and the recovery time.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import statistics
import tempfile
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.bench_ingest import TRACK, Connection, prepare
from tests.support.server import operator_token, server_process

CLIENTS = 50
CALIBRATION_SECONDS = 5
EVENTS_PER_VISITOR = 3
BURST_SECONDS = 10
HOT_SHARE = 0.75
HOT_VISITORS = 5
MAX_CONNECTIONS = 512
PROBE_SECONDS = 0.05
CALM_SECONDS = 2
WATCH_SECONDS = 10
SERVER_CPU = 0
KEEP_ALIVE_SECONDS = 4
SETTLED_BUCKET_SECONDS = 0.5
LIMITS = "rate limits on, at their defaults"
Row = tuple[str, float, str | None]


@dataclass(frozen=True)
class Answer:
    sent: float
    latency: float
    status: int  # 0: the connection failed
    code: str  # "OK", "LIMIT_EXCEEDED", another error code, or ""

    @property
    def done(self) -> float:
        return self.sent + self.latency


def sections() -> list[tuple[str, str, list[Row]]]:
    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(_scenario(f"sqlite://{Path(folder) / 'app.db'}"))


async def _scenario(url: str) -> list[tuple[str, str, list[Row]]]:
    token = operator_token(url)
    trusting = {"PROPFLOW_TRUSTED_PROXIES": "127.0.0.1"}  # and LIMITS
    with server_process(url, env=trusting, cpu=SERVER_CPU) as (base_url, process):
        _pin_self_away_from(SERVER_CPU)
        async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
            key = await prepare(http, {"Authorization": f"Bearer {token}"})
        sender = Sender(int(base_url.rsplit(":", 1)[1]), key)
        memory = _Memory(process.pid)
        sampling = asyncio.create_task(memory.sample())
        probing = asyncio.create_task(sender.probe())
        await asyncio.sleep(CALM_SECONDS)
        normal = p99(sender.probed)
        sustainable = await sender.calibrate()
        await asyncio.sleep(CALM_SECONDS)
        burst, burst_end = await sender.burst(2 * sustainable)
        await asyncio.sleep(max(0.0, burst_end + WATCH_SECONDS - time.perf_counter()))
        probing.cancel()
        sampling.cancel()
        await sender.close()
    return _sections(sustainable, normal, burst, sender.probed, burst_end, memory)


class Sender:
    """trackPageView requests over a pool of keep-alive connections, each from the address of
    its visitor."""

    def __init__(self, port: int, key: str) -> None:
        self.port, self.key = port, key
        self.idle: list[tuple[Connection, float]] = []  # and when each was last used
        self.slots = asyncio.Semaphore(MAX_CONNECTIONS)
        self.visitors = itertools.count()
        self.events = itertools.count()
        self.probed: list[Answer] = []

    async def send(self, visitor: str, address: str) -> Answer:
        async with self.slots:
            connection = await self._connection()
            variables = {"key": self.key, "visitor": visitor, "eventId": f"e{next(self.events)}"}
            sent = time.perf_counter()
            try:
                status, body = await connection.post(
                    "/graphql",
                    {"query": TRACK, "variables": variables},
                    headers=f"X-Forwarded-For: {address}\r\n",
                )
            except (OSError, RuntimeError, asyncio.IncompleteReadError) as error:
                return Answer(sent, time.perf_counter() - sent, 0, type(error).__name__)
            latency = time.perf_counter() - sent
            self.idle.append((connection, time.monotonic()))
        return Answer(sent, latency, status, _code(status, body))

    async def calibrate(self) -> float:
        """Accepted events per second from CLIENTS closed-loop clients."""
        deadline = time.perf_counter() + CALIBRATION_SECONDS

        async def client() -> int:
            accepted = 0
            while time.perf_counter() < deadline:
                visitor, address = self._fresh()
                for _ in range(EVENTS_PER_VISITOR):
                    accepted += (await self.send(visitor, address)).code == "OK"
            return accepted

        started = time.perf_counter()
        accepted = sum(await asyncio.gather(*(client() for _ in range(CLIENTS))))
        return accepted / (time.perf_counter() - started)

    async def burst(self, rate: float) -> tuple[list[Answer], float]:
        """Requests at `rate` a second for BURST_SECONDS; their answers, and when it ended."""
        senders = self._burst_requests()
        sending: list[asyncio.Task[Answer]] = []
        started = time.perf_counter()
        while (elapsed := time.perf_counter() - started) < BURST_SECONDS:
            while len(sending) < elapsed * rate:
                sending.append(asyncio.create_task(next(senders)))
            await asyncio.sleep(0.005)
        ended = time.perf_counter()
        return list(await asyncio.gather(*sending)), ended

    async def probe(self) -> None:
        while True:
            visitor, address = self._fresh()
            for _ in range(EVENTS_PER_VISITOR):
                self.probed.append(await self.send(visitor, address))
                await asyncio.sleep(PROBE_SECONDS)

    async def close(self) -> None:
        await asyncio.gather(*(connection.close() for connection, _ in self.idle))

    async def _connection(self) -> Connection:
        """An idle connection, or a new one. Like any HTTP client's pool, it never reuses one
        idle for longer than the server keeps it open (uvicorn: 5 s)."""
        while self.idle:
            connection, used = self.idle.pop()
            if time.monotonic() - used < KEEP_ALIVE_SECONDS:
                return connection
            await connection.close()
        return await Connection.open(self.port)

    def _burst_requests(self) -> Iterator[Coroutine[None, None, Answer]]:
        """The burst's requests, in order: hot ones (HOT_SHARE) and distinct visitors' ones."""
        distinct = itertools.chain.from_iterable(
            itertools.repeat(self._fresh(), EVENTS_PER_VISITOR) for _ in itertools.count()
        )
        hot = itertools.count()
        for n in itertools.count():
            if n % 20 >= round(HOT_SHARE * 20):
                yield self.send(*next(distinct))
            elif (k := next(hot)) % 20 == 0:
                yield self.send(f"crawled-{k}", "192.0.2.1")  # a new visitor each time
            else:
                yield self.send(f"hot-{k % HOT_VISITORS}", f"198.51.100.{k % HOT_VISITORS}")

    def _fresh(self) -> tuple[str, str]:
        n = next(self.visitors)
        return f"visitor-{n}", f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


class _Memory:
    """The server's resident memory, sampled every 100 ms."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.samples: list[float] = []

    async def sample(self) -> None:
        while True:
            self.samples.append(self.rss_mib())
            await asyncio.sleep(0.1)

    def rss_mib(self) -> float:
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0


def _sections(
    sustainable: float,
    normal: float,
    burst: list[Answer],
    probed: list[Answer],
    burst_end: float,
    memory: _Memory,
) -> list[tuple[str, str, list[Row]]]:
    accepted = [a for a in burst if a.code == "OK"]
    refused = [a for a in burst if a.code == "LIMIT_EXCEEDED"]
    failed = len([a for a in burst if a.status >= 500])
    others = len(burst) - len(accepted) - len(refused) - failed
    threshold = max(2 * normal, normal + 0.005)
    recovery = _recovery(probed, burst_end, threshold)
    # Answers still coming after the burst count in its span: a backlog is not a higher rate.
    span = max(a.done for a in burst) - min(a.sent for a in burst)
    rates: list[Row] = [
        (f"sustainable: {CLIENTS} clients, distinct visitors (baseline)", sustainable, None),
        (f"offered for {BURST_SECONDS} s, {HOT_SHARE:.0%} hot", len(burst) / BURST_SECONDS, LIMITS),
        ("accepted", len(accepted) / span, f"5xx: {failed}, other failures: {others}"),
        ("refused fast (LIMIT_EXCEEDED)", len(refused) / span, f"{len(refused):,} refused"),
    ]
    latency: list[Row] = [
        ("probe at idle (baseline)", normal * 1000, None),
        ("LIMIT_EXCEEDED answers during the burst", p99(refused) * 1000, None),
        ("accepted answers during the burst", p99(accepted) * 1000, None),
    ]
    rss: list[Row] = [
        ("server RSS at idle (baseline)", memory.samples[0], None),
        ("server RSS at its peak", max(memory.samples), None),
    ]
    watched = f"threshold {threshold * 1000:.1f} ms, watched {WATCH_SECONDS} s"
    return [
        ("Overload at twice the sustainable ingestion rate (SQLite)", "events/s", rates),
        ("Overload: latency", "ms p99", latency),
        ("Overload: memory", "MiB", rss),
        (
            "Overload: back to normal latency after the burst",
            "s",
            [("recovery", recovery, watched)],
        ),
    ]


def _recovery(probed: list[Answer], burst_end: float, threshold: float) -> float:
    """Seconds from the end of the burst until the probe's median latency, over each half
    second, is under `threshold` and stays so (a median: one answer slowed by anything else
    on this machine is no relapse)."""
    buckets: dict[int, list[float]] = {}
    for answer in probed:
        if answer.done > burst_end:
            bucket = int((answer.done - burst_end) / SETTLED_BUCKET_SECONDS)
            buckets.setdefault(bucket, []).append(answer.latency)
    slow = [b for b, latencies in buckets.items() if statistics.median(latencies) > threshold]
    return (max(slow) + 1) * SETTLED_BUCKET_SECONDS if slow else 0.0


def _code(status: int, body: bytes) -> str:
    if status != 200:
        return ""
    with contextlib.suppress(ValueError, KeyError, IndexError):
        errors = json.loads(body).get("errors")
        return errors[0]["extensions"]["code"] if errors else "OK"
    return ""


def p99(answers: list[Answer]) -> float:
    latencies = sorted(a.latency for a in answers)
    return latencies[int(0.99 * (len(latencies) - 1))] if latencies else 0.0


def _pin_self_away_from(cpu: int) -> None:
    others = os.sched_getaffinity(0) - {cpu}
    if others:
        os.sched_setaffinity(0, others)


if __name__ == "__main__":
    for title, unit, rows in sections():
        print(f"-- {title}")
        for name, value, note in rows:
            print(f"{name:55} {value:10.1f} {unit:9} {note or ''}")
