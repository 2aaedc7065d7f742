"""Faults under load: PostgreSQL backends terminated while page views arrive at a fixed rate,
and Redis frozen while mutations are made.

1. A real `propflow serve` on PostgreSQL (a database of the bench's own, made afresh) with the
   "Page views" flow; page views are sent on schedule (open loop, whatever the answers) at
   RATE a second (or SHARE_OF_SUSTAINABLE of what the server sustains, if less) for SECONDS,
   each visitor sending a few, from an address of its own (as `bench_overload` does, whose
   calibration this reuses). First with nothing else going on (the baseline), then with every
   backend of the database terminated (`pg_terminate_backend`) every TERMINATE_EVERY seconds.
   Reported: accepted of sent, errors by code, the longest run of consecutive failures (in
   the order the views were sent), the p99 latency, and how long the server then takes to
   stop. Connections that heal keep the run of failures within one group, the p99 under a
   second, and nothing in use that a prompt stop would wait for.
2. The same server with a private redis-server as its broker: operator mutations one after
   another, with Redis running (the baseline) and then frozen (SIGSTOP). Publishing after
   commit is bounded, so a frozen broker must not delay a mutation's answer.

Reported, not asserted. Skipped, with a note, when PostgreSQL or redis-server is missing.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx

from api import db
from bench.bench_ingest import prepare
from bench.bench_overload import EVENTS_PER_VISITOR, Answer, Sender, p99
from tests.support.private_redis import PrivateRedis
from tests.support.server import operator_token, server_process

POSTGRES_URL = os.environ.get(
    "PROPFLOW_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/propflow_bench_faults"
)
RATE = 700
# A share of what the server sustains here, if that is less than RATE: the bench measures the
# faults, not the load shedding of a machine too busy for RATE.
SHARE_OF_SUSTAINABLE = 0.7
SECONDS = 12
TERMINATE_EVERY = 2
MUTATIONS = 200
STOP_LIMIT = 30
SERVER_CPU = 0
CREATE = "mutation($v: [PropertyValueInput!]!) { createContact(values: $v) { id } }"
Row = tuple[str, float, str | None]
Views = tuple[list[Answer], int]  # the answers in the order sent, and the views lost
_phases = itertools.count()
Section = tuple[str, str, list[Row]]


def sections() -> list[Section]:
    return asyncio.run(_sections())


async def _sections() -> list[Section]:
    missing = _missing_services()
    if missing:
        return [("Faults (skipped)", "ms p99", [(missing, 0.0, "skipped")])]
    redis = PrivateRedis(shutil.which("redis-server") or "redis-server")
    redis.start()
    try:
        url = await _fresh_database()
        token = operator_token(url)
        env = {"PROPFLOW_TRUSTED_PROXIES": "127.0.0.1", "REDIS_URL": redis.url}
        with server_process(url, env=env, cpu=SERVER_CPU) as (base_url, process):
            async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
                headers = {"Authorization": f"Bearer {token}"}
                key = await prepare(http, headers)
                sender = Sender(int(base_url.rsplit(":", 1)[1]), key)
                sustained = await sender.calibrate()
                rate = min(RATE, round(SHARE_OF_SUSTAINABLE * sustained))
                calm = await _page_views(sender, rate, url)
                async with _terminating(url):
                    terminated = await _page_views(sender, rate, url)
                await sender.close()
                running = await _mutations(http, headers)
                redis.freeze()
                try:
                    frozen = await _mutations(http, headers)
                finally:
                    redis.thaw()
            stop = _stop(process)
    finally:
        redis.kill()
    return [
        (
            f"Faults: page views on PostgreSQL for {SECONDS} s at {_rate(rate, sustained)}",
            "ms p99",
            [
                ("no terminations (baseline)", p99(calm[0]) * 1000, _views_summary(calm)),
                (
                    f"backends terminated every {TERMINATE_EVERY} s",
                    p99(terminated[0]) * 1000,
                    f"{_views_summary(terminated)}; {stop}",
                ),
            ],
        ),
        (
            f"Faults: {MUTATIONS} createContact one after another, Redis as the broker",
            "ms p99",
            [
                ("Redis running (baseline)", p99(running) * 1000, None),
                ("Redis frozen (SIGSTOP)", p99(frozen) * 1000, _summary(frozen)),
            ],
        ),
    ]


def _rate(rate: int, sustained: float) -> str:
    """The rate sent, said honestly when it is not the issue's."""
    if rate >= RATE:
        return f"{rate}/s"
    share = f"{SHARE_OF_SUSTAINABLE:.0%}"
    return f"{rate}/s ({share} of the {sustained:.0f}/s sustained here; the target is {RATE}/s)"


def _stop(process: subprocess.Popen[bytes]) -> str:
    """How long the server took to stop (SIGTERM) after the faults; killed past STOP_LIMIT."""
    started = time.perf_counter()
    process.terminate()
    try:
        process.wait(timeout=STOP_LIMIT)
    except subprocess.TimeoutExpired:  # reported, not fatal to the rest of the table
        process.kill()
        process.wait()
        return f"the server did not stop within {STOP_LIMIT} s: killed"
    return f"stopped in {time.perf_counter() - started:.1f} s"


async def _page_views(sender: Sender, rate: float, url: str) -> Views:
    """Page views of fresh visitors at `rate` a second for SECONDS, in the order sent, and
    how many of those accepted were not stored (lost)."""
    phase = f"faults-{next(_phases)}"
    views = itertools.count()

    def next_view() -> Coroutine[Any, Any, Answer]:
        n = next(views) // EVENTS_PER_VISITOR
        return sender.send(f"{phase}-{n}", f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}")

    answers = await _at_rate(next_view, rate, SECONDS)
    return answers, await _lost(url, phase, answers)


async def _lost(url: str, phase: str, answers: list[Answer]) -> int:
    """Views answered OK whose event the database does not hold, visitor by visitor (the
    answers come in the order sent: EVENTS_PER_VISITOR a visitor)."""
    accepted = collections.Counter(
        f"{phase}-{index // EVENTS_PER_VISITOR}"
        for index, answer in enumerate(answers)
        if answer.code == "OK"
    )
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT visitor_id, count(*) AS stored FROM visitor_event "
            "WHERE visitor_id LIKE $1 GROUP BY visitor_id",
            f"{phase}-%",
        )
    finally:
        await connection.close()
    stored = {row["visitor_id"]: row["stored"] for row in rows}
    return sum(max(0, count - stored.get(visitor, 0)) for visitor, count in accepted.items())


async def _at_rate(
    request: Callable[[], Coroutine[Any, Any, Answer]], rate: float, seconds: float
) -> list[Answer]:
    sending: list[asyncio.Task[Answer]] = []
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        while len(sending) < elapsed * rate:
            sending.append(asyncio.create_task(request()))
        await asyncio.sleep(0.005)
    return list(await asyncio.gather(*sending))


async def _mutations(http: httpx.AsyncClient, headers: dict[str, str]) -> list[Answer]:
    answers = []
    for n in range(MUTATIONS):
        sent = time.perf_counter()
        variables = {"v": [{"key": "name", "value": f"Faults {n}"}]}
        response = await http.post(
            "/graphql", json={"query": CREATE, "variables": variables}, headers=headers
        )
        errors = response.json().get("errors")
        code = errors[0]["extensions"].get("code", "") if errors else "OK"
        answers.append(Answer(sent, time.perf_counter() - sent, response.status_code, code))
    return answers


@contextlib.asynccontextmanager
async def _terminating(url: str) -> AsyncIterator[None]:
    """Every backend of the database but this one's own terminated every TERMINATE_EVERY s."""
    killer = await asyncpg.connect(url)

    async def terminate() -> None:
        while True:
            await asyncio.sleep(TERMINATE_EVERY)
            await killer.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )

    task = asyncio.create_task(terminate())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await killer.close()


def _views_summary(views: Views) -> str:
    answers, lost = views
    return f"{_summary(answers)}; lost {lost}"


def _summary(answers: list[Answer]) -> str:
    """Accepted of sent, the errors by code, and the longest run of failures in the order sent
    (views shed by the busy server, LIMIT_EXCEEDED, neither count in a run nor end it)."""
    codes = collections.Counter(a.code or f"HTTP {a.status}" for a in answers if a.code != "OK")
    failed = [a.code != "OK" for a in answers if a.code != "LIMIT_EXCEEDED"]
    longest = max((len(list(run)) for bad, run in itertools.groupby(failed) if bad), default=0)
    errors = ", ".join(f"{code} {count}" for code, count in codes.most_common()) or "no errors"
    accepted = len(answers) - sum(codes.values())
    return f"accepted {accepted:,} of {len(answers):,}; {errors}; longest failure run {longest}"


async def _fresh_database() -> str:
    """The bench's own PostgreSQL database, dropped, created and migrated."""
    name = urlsplit(POSTGRES_URL).path.lstrip("/")
    admin = await asyncpg.connect(POSTGRES_URL.replace(f"/{name}", "/postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    await db.apply_migrations(POSTGRES_URL)
    return POSTGRES_URL


def _missing_services() -> str | None:
    parts = urlsplit(POSTGRES_URL)
    try:
        with socket.create_connection((parts.hostname, parts.port or 5432), timeout=2):
            pass
    except OSError:
        return f"no PostgreSQL at {parts.hostname}:{parts.port or 5432}"
    if shutil.which("redis-server") is None:
        return "no redis-server installed"
    return None


if __name__ == "__main__":
    for title, unit, rows in sections():
        print(f"-- {title}")
        for name, value, note in rows:
            print(f"{name:45} {value:10.1f} {unit:9} {note or ''}")
