"""docker/: the image and the compose topology (Docker itself may not run here; CI validates
the files with `docker-compose config` when it is installed)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

DOCKER = Path(__file__).resolve().parents[1] / "docker"


def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def test_compose_runs_two_app_processes_on_postgres_and_redis():
    services = compose()["services"]

    assert services["app"]["deploy"]["replicas"] == 2
    assert services["app"]["environment"]["DATABASE_URL"].startswith("postgres://")
    assert services["app"]["environment"]["REDIS_URL"].startswith("redis://")
    assert all("healthcheck" in services[name] for name in ("postgres", "redis"))


def test_compose_migrates_once_before_the_app_starts():
    services = compose()["services"]

    assert services["migrate"]["command"] == ["propflow", "migrate"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["app"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["proxy"]["depends_on"]["app"]["condition"] == "service_healthy"
    assert "build" in services["migrate"] and services["app"]["pull_policy"] == "never"


def test_the_image_serves_as_a_non_root_user_on_all_interfaces():
    dockerfile = (DOCKER / "Dockerfile").read_text()

    assert "FROM python:3.11-slim" in dockerfile
    assert "USER propflow" in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/readyz" in dockerfile
    assert 'CMD ["propflow", "serve", "--host", "0.0.0.0", "--port", "8000"]' in dockerfile


def test_the_proxy_passes_websocket_upgrades():
    config = (DOCKER / "nginx.conf").read_text()

    assert "proxy_set_header Upgrade $http_upgrade;" in config
    assert "proxy_pass $app;" in config


def test_the_app_trusts_the_proxy_alone_for_the_client_address():
    services = compose()["services"]
    config = (DOCKER / "nginx.conf").read_text()

    proxy_address = services["proxy"]["networks"]["default"]["ipv4_address"]
    assert services["app"]["environment"]["PROPFLOW_TRUSTED_PROXIES"] == proxy_address
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in config


def test_docker_compose_accepts_the_file():
    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.skip("docker-compose is not installed")
    result = subprocess.run(
        [tool, "-f", str(DOCKER / "compose.yaml"), "config", "-q"], capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr


def test_compose_runs_a_job_worker_after_the_migrations():
    worker = compose()["services"]["worker"]

    assert worker["command"] == ["propflow", "worker"]
    assert worker["environment"]["DATABASE_URL"].startswith("postgres://")
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_the_image_installs_exactly_the_locked_dependencies_in_a_build_stage():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    stages = [line for line in dockerfile.splitlines() if line.startswith("FROM ")]

    assert stages == ["FROM python:3.11-slim AS build", "FROM python:3.11-slim"]
    assert "pip install --require-hashes --no-deps -r requirements.lock" in dockerfile
    assert "COPY --from=build /opt/propflow /opt/propflow" in dockerfile


def test_the_lock_pins_every_dependency_with_its_hashes():
    lock = (DOCKER / "requirements.lock").read_text()
    requirements = [line for line in lock.splitlines() if line and line[0].isalpha()]
    pinned = {line.split("==")[0].lower() for line in requirements}

    assert all("==" in line for line in requirements), requirements
    assert {"strawberry-graphql", "uvicorn", "asyncpg", "redis", "prometheus-client"} <= pinned
    assert "pytest" not in pinned  # the image has no test tools
    blocks = re.split(r"\n(?=[a-z])", lock.split("\n", 1)[1])
    assert len(blocks) == len(requirements)
    assert all("--hash=sha256:" in block for block in blocks)


def test_passwords_come_from_an_env_file_that_is_not_committed():
    text = (DOCKER / "compose.yaml").read_text()
    services = compose()["services"]
    ignored = (DOCKER.parent / ".gitignore").read_text().splitlines()
    example = (DOCKER / "env.example").read_text()

    assert "docker/.env" in ignored
    assert "POSTGRES_PASSWORD=" in example and "REDIS_PASSWORD=" in example
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith(
        "${POSTGRES_PASSWORD:?"
    )
    assert "${REDIS_PASSWORD:?" in services["app"]["environment"]["REDIS_URL"]
    assert "propflow:propflow@" not in text


def test_redis_is_health_checked_with_its_password_and_metrics_stay_internal():
    redis = compose()["services"]["redis"]
    config = (DOCKER / "nginx.conf").read_text()

    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert redis["environment"]["REDISCLI_AUTH"].startswith("${REDIS_PASSWORD:?")
    assert "location = /metrics" in config
