"""The `propflow` command, run as a user runs it."""

import contextlib
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api import log_format
from tests.support import databases
from tests.support.server import free_port, operator_token, served, server_process

PROPFLOW = str(Path(sys.executable).parent / "propflow")


def propflow(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PROPFLOW, *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def test_migrate_then_operator_create_prints_a_token_last(tmp_path: Path):
    url = f"sqlite://{tmp_path / 'cli.db'}"

    migrated = propflow("migrate", "--db", url)
    again = propflow("migrate", "--db", url)
    first = propflow("operator", "create", "--email", "ann@example.com", "--db", url)
    second = propflow(
        "operator", "create", "--email", "bob@example.com", "--workspace", "Default", "--db", url
    )

    assert migrated.returncode == again.returncode == 0, migrated.stderr
    assert first.returncode == second.returncode == 0, first.stderr
    first_token = first.stdout.strip().splitlines()[-1]
    second_token = second.stdout.strip().splitlines()[-1]
    assert first_token.startswith("pf_") and second_token.startswith("pf_")
    assert first_token != second_token


def test_database_url_comes_from_the_environment_by_default(tmp_path: Path):
    result = subprocess.run(
        [PROPFLOW, "migrate"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"DATABASE_URL": f"sqlite://{tmp_path / 'env.db'}", "PATH": "/usr/bin:/bin"},
    )

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "env.db").exists()


def test_default_database_is_propflow_db_in_the_working_directory(tmp_path: Path):
    result = propflow("migrate", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "propflow.db").exists()


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("mysql://root@localhost/x", "Unsupported database URL scheme 'mysql'"),
        ("sqlite:///no/such/folder/x.db", "does not exist"),
        ("sqlite:///etc/hostname/x.db", "does not exist"),
        ("postgres://postgres@127.0.0.1:1/test", "Cannot reach PostgreSQL at 127.0.0.1:1"),
        ("postgres://127.0.0.1", "needs a host and a database name"),
        ("postgres://postgres@127.0.0.1:notaport/x", "Malformed database URL"),
        ("postgres://postgres@[::1/x", "Malformed database URL"),
        ("sqlite:///etc/hostname", "Cannot open the SQLite database /etc/hostname"),
        ("sqlite:///tmp", "it is a folder"),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ["migrate"],
        ["serve"],
        ["operator", "create", "--email", "a@b.co"],
        ["operator", "token", "--email", "a@b.co"],
        ["operator", "revoke", "--email", "a@b.co"],
    ],
)
def test_a_bad_database_url_ends_with_one_clear_line(url: str, words: str, command: list[str]):
    result = propflow(*command, "--db", url)

    assert result.returncode == 2
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_serve_applies_migrations_and_answers_health(tmp_path: Path):
    url = f"sqlite://{tmp_path / 'fresh.db'}"

    with served(url) as base_url:
        health = httpx.get(f"{base_url}/healthz")

    assert health.json() == {"status": "ok"}


@pytest.mark.parametrize("command", ["create", "token", "revoke"])
@pytest.mark.parametrize("email", ["nobody", "x@", "@example.com", "a b@example.com"])
def test_operator_commands_refuse_a_malformed_email(tmp_path: Path, command: str, email: str):
    result = propflow("operator", command, "--email", email, "--db", f"sqlite://{tmp_path}/x.db")

    assert result.returncode == 2
    assert "not an email address" in result.stderr


def test_serve_refuses_to_start_when_redis_is_down(tmp_path: Path):
    environment = {"REDIS_URL": f"redis://127.0.0.1:{free_port()}", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [PROPFLOW, "serve", "--db", f"sqlite://{tmp_path / 'x.db'}", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
    )

    assert result.returncode == 2
    assert result.stderr.startswith("propflow: Cannot reach Redis at redis://127.0.0.1:")
    assert len(result.stderr.strip().splitlines()) == 1


def test_operator_revoke_revokes_even_when_redis_is_down(tmp_path: Path):
    url = f"sqlite://{tmp_path / 'x.db'}"
    propflow("operator", "create", "--email", "ann@example.com", "--db", url)
    environment = {"REDIS_URL": f"redis://127.0.0.1:{free_port()}", "PATH": "/usr/bin:/bin"}
    revoke = ["operator", "revoke", "--email", "ann@example.com", "--db", url]

    first = subprocess.run(
        [PROPFLOW, *revoke], capture_output=True, text=True, timeout=60, env=environment
    )
    again = propflow(*revoke)

    assert first.returncode == 0, first.stderr
    assert first.stderr.startswith("propflow: Cannot reach Redis at redis://127.0.0.1:")
    assert first.stderr.strip().endswith("; revoking anyway")
    assert first.stdout.strip() == "Revoked 1 token(s) of ann@example.com in workspace 'Default'"
    assert again.stdout.strip() == "Revoked 0 token(s) of ann@example.com in workspace 'Default'"


@pytest.fixture
def propflow_logger() -> Iterator[logging.Logger]:
    """The `propflow` logger, given back as it was (other tests capture through the root)."""
    logger = logging.getLogger("propflow")
    handlers, propagate, level = list(logger.handlers), logger.propagate, logger.level
    yield logger
    logger.handlers[:], logger.propagate, logger.level = handlers, propagate, level


def test_serve_writes_its_log_lines_with_time_and_level(
    propflow_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
):
    log_format.configure("info")
    logging.getLogger("propflow.test").warning("Redis unavailable")

    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING propflow.test: Redis unavailable", line
    )


def test_worker_refuses_sqlite_whose_jobs_serve_runs(tmp_path: Path):
    result = propflow("worker", "--db", f"sqlite://{tmp_path / 'propflow.db'}")

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "propflow: propflow worker needs PostgreSQL; on SQLite, propflow serve runs the jobs itself"
    )


def test_serve_refuses_workers_on_sqlite(tmp_path: Path):
    result = propflow("serve", "--workers", "2", "--db", f"sqlite://{tmp_path / 'one.db'}")

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "propflow: --workers 2 needs PostgreSQL: a SQLite file is written by one process "
        "(serve with --workers 1, or set DATABASE_URL=postgres://...)"
    )


@pytest.mark.postgres
async def test_serve_refuses_workers_without_redis(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    url = await databases.prepare_postgres()

    result = propflow("serve", "--workers", "2", "--db", url)

    assert result.returncode == 2
    assert "--workers 2 needs REDIS_URL" in result.stderr


@pytest.mark.postgres
@pytest.mark.redis
async def test_serve_starts_two_workers_that_share_postgres_and_redis():
    url = await databases.prepare_postgres()
    env = {"REDIS_URL": databases.require_redis()}
    # Each worker is a new interpreter importing the app: on a busy machine that takes a while.
    two_workers = server_process(url, env=env, args=("--workers", "2"), startup_seconds=120)
    with two_workers as (base_url, process):
        workers = _children(process.pid)
        token = operator_token(url, "workers@example.com")
        async with httpx.AsyncClient(base_url=base_url) as http:
            answers = [
                await http.post(
                    "/graphql",
                    json={"query": "query Me { me { email } }"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                for _ in range(4)
            ]
            scraped = (await http.get("/metrics")).text

    assert len(workers) == 2
    for answer in answers:
        assert answer.json() == {"data": {"me": {"email": "workers@example.com"}}}, answer.text
    assert 'propflow_graphql_requests_total{code="OK",operation="Me"} 4.0' in scraped


def _children(pid: int) -> list[int]:
    """The worker processes `pid` spawned (multiprocessing's spawn_main)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and "spawn_main" in (stat.parent / "cmdline").read_text():
                children.append(int(stat.parent.name))
    return children
