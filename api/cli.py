"""The `propflow` command: serve, worker, migrate, schema, operator create | token | revoke,
persisted-queries load.

A bad database URL ends with one clear line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from api import db, log_format, pubsub, seed
from api.errors import PropflowError
from api.persisted_queries.manifest import ManifestDocument, ManifestError, read_manifest
from api.settings import Settings, SettingsError
from api.workspaces.models import Operator


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (
        db.DatabaseError,
        PropflowError,
        SettingsError,
        ManifestError,
        pubsub.BrokerUnavailableError,
    ) as error:
        print(f"propflow: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    from api.app import create_app

    settings = Settings.from_env(
        database_url=args.db, host=args.host, port=args.port, run_jobs=args.worker
    )
    log_format.configure(args.log_level, settings.log_format)
    if args.workers > 1:
        _check_workers(settings, args.workers)
    asyncio.run(db.apply_migrations(settings.database_url))
    if args.seed and asyncio.run(seed.seed_new_database(settings.database_url)):
        print("New database: seeded the Default workspace with the demo's properties and flows")
    if settings.redis_url:
        asyncio.run(pubsub.check_redis(settings.redis_url))
    # The client's address is the socket's peer, or what X-Forwarded-For says when that peer
    # is a trusted proxy (none by default: uvicorn's own default trusts 127.0.0.1).
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": args.log_level,
        # A WebSocket frame is read whole before the app sees it: capped like a request body.
        "ws_max_size": settings.max_body_bytes,
        "proxy_headers": True,
        "forwarded_allow_ips": list(settings.trusted_proxies),
    }
    log_config = log_format.uvicorn_log_config(settings.log_format)
    if log_config is not None:
        options["log_config"] = log_config
    if args.workers == 1:
        uvicorn.run(create_app(settings), **options)
        return
    # Each worker builds its app from the environment: the flags' values go there first, and
    # the workers' metrics meet in one directory (api/metrics.py).
    os.environ["DATABASE_URL"] = settings.database_url
    os.environ["PROPFLOW_LOG_LEVEL"] = args.log_level
    if args.worker is not None:
        os.environ["PROPFLOW_RUN_JOBS"] = "true"
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="propflow-metrics-"))
    uvicorn.run("api.app:create_app_from_env", factory=True, workers=args.workers, **options)


def _check_workers(settings: Settings, workers: int) -> None:
    """Several processes need a database and a broker they all share."""
    if not db.is_postgres(settings.database_url):
        raise SettingsError(
            f"--workers {workers} needs PostgreSQL: a SQLite file is written by one process "
            "(serve with --workers 1, or set DATABASE_URL=postgres://...)"
        )
    if not settings.redis_url:
        raise SettingsError(
            f"--workers {workers} needs REDIS_URL: the workers share live events, rate limits "
            "and persisted queries through Redis"
        )


def _worker(args: argparse.Namespace) -> None:
    """Run due jobs on PostgreSQL until stopped (SQLite runs them inside `propflow serve`)."""
    from api.app import register_jobs
    from api.jobs import postgres

    log_format.configure(args.log_level)
    settings = Settings.from_env(database_url=args.db)
    if not db.is_postgres(settings.database_url):
        raise db.DatabaseError(
            "propflow worker needs PostgreSQL; on SQLite, propflow serve runs the jobs itself"
        )
    asyncio.run(db.apply_migrations(settings.database_url))
    register_jobs(settings)

    async def work() -> None:
        await db.open_database(settings.database_url)
        broker = pubsub.create_broker(settings.redis_url)
        await broker.start()
        pubsub.install(broker)
        app = postgres.create_app(settings.database_url)
        try:
            async with app.open_async():
                await postgres.run_worker(app, concurrency=args.concurrency or postgres.CONCURRENCY)
        finally:
            pubsub.install(None)
            await broker.close()
            await db.close_database()

    asyncio.run(work())


def _migrate(args: argparse.Namespace) -> None:
    settings = Settings.from_env(database_url=args.db)
    asyncio.run(db.apply_migrations(settings.database_url))
    print(f"Migrated {db.safe_url(settings.database_url)}")


def _create_operator(args: argparse.Namespace) -> None:
    from api.workspaces import service

    _print_token(_on_database(args, partial(service.create_operator, **_who(args))), args)


def _issue_token(args: argparse.Namespace) -> None:
    from api.workspaces import service

    _print_token(_on_database(args, partial(service.issue_token, **_who(args))), args)


def _revoke_tokens(args: argparse.Namespace) -> None:
    redis_url = Settings.from_env(database_url=args.db).redis_url
    operator, count = _on_database(args, partial(_revoke_and_announce, redis_url, args))
    print(f"Revoked {count} token(s) of {operator.email} in workspace '{args.workspace}'")


async def _revoke_and_announce(
    redis_url: str | None, args: argparse.Namespace
) -> tuple[Operator, int]:
    """Revoke, and announce it through Redis when servers share one. Without Redis, or with it
    down, the tokens are revoked all the same, and servers close their sockets at the next
    re-check."""
    from api.workspaces import service

    broker = pubsub.create_broker(redis_url)
    try:
        await broker.start()
    except pubsub.BrokerUnavailableError as error:
        print(f"propflow: {error}; revoking anyway", file=sys.stderr)
        return await service.revoke_tokens(**_who(args))
    pubsub.install(broker)
    try:
        return await service.revoke_tokens(**_who(args))
    finally:
        pubsub.install(None)
        await broker.close()


Result = TypeVar("Result")


def _on_database(args: argparse.Namespace, work: Callable[[], Awaitable[Result]]) -> Result:
    """Run `work` on the migrated database of `--db` (or DATABASE_URL)."""
    url = Settings.from_env(database_url=args.db).database_url

    async def run() -> Result:
        await db.apply_migrations(url)
        await db.open_database(url)
        try:
            return await work()
        finally:
            await db.close_database()

    return asyncio.run(run())


def _who(args: argparse.Namespace) -> dict[str, str]:
    return {"email": args.email, "workspace_name": args.workspace}


def _print_token(issued: tuple[Operator, str], args: argparse.Namespace) -> None:
    operator, token = issued
    print(f"Operator {operator.email} in workspace '{args.workspace}'. Bearer token:")
    print(token)


def _print_schema(_args: argparse.Namespace) -> None:
    from api.schema import build_schema

    print(build_schema().as_str())


def _load_persisted_queries(args: argparse.Namespace) -> None:
    """Register a manifest's documents, each checked against the schema first."""
    from api.persisted_queries import service

    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(f"Cannot read {args.file}: {error}") from None
    documents = read_manifest(text)
    for document in documents:
        _check_against_schema(document)
    added, known = _on_database(args, partial(service.register_documents, documents))
    print(f"Registered {added} document(s); {known} already registered")


def _check_against_schema(document: ManifestDocument) -> None:
    from graphql import GraphQLError, parse, validate

    from api.schema import build_schema

    try:
        errors = validate(build_schema()._schema, parse(document.body))
    except GraphQLError as error:
        errors = [error]
    if errors:
        raise ManifestError(
            f"Document {document.name or document.id}: {'; '.join(e.message for e in errors)}"
        )


def _positive(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 0 < int(text) <= 64):
        raise argparse.ArgumentTypeError(f"a whole number from 1 to 64, not {text!r}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="propflow", description="Contact properties and automation flows."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    db_help = "database URL (default: $DATABASE_URL or sqlite://propflow.db)"

    serve = commands.add_parser("serve", help="apply migrations and serve the app")
    serve.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default 8000)")
    serve.add_argument("--db", default=None, help=db_help)
    serve.add_argument(
        "--no-seed",
        dest="seed",
        action="store_false",
        help="do not give a new, empty database the demo's Default workspace",
    )
    serve.add_argument(
        "--worker",
        action="store_true",
        default=None,
        help="also run due jobs in this process (always on SQLite; on PostgreSQL, for a "
        "single machine instead of propflow worker)",
    )
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="worker processes (default 1; more need PostgreSQL and REDIS_URL)",
    )
    serve.add_argument("--log-level", default="info", help=argparse.SUPPRESS)
    serve.set_defaults(run=_serve)

    worker = commands.add_parser("worker", help="run due jobs (PostgreSQL; waits, webhooks)")
    worker.add_argument("--db", default=None, help=db_help)
    worker.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="jobs run at once (default 16)",
    )
    worker.add_argument("--log-level", default="info", help=argparse.SUPPRESS)
    worker.set_defaults(run=_worker)

    migrate = commands.add_parser("migrate", help="apply pending schema migrations")
    migrate.add_argument("--db", default=None, help=db_help)
    migrate.set_defaults(run=_migrate)

    schema = commands.add_parser("schema", help="print the GraphQL schema (SDL)")
    schema.set_defaults(run=_print_schema)

    persisted = commands.add_parser("persisted-queries", help="documents registered ahead of time")
    persisted_commands = persisted.add_subparsers(dest="persisted_command", required=True)
    load = persisted_commands.add_parser(
        "load", help="register the documents of an Apollo or GraphQL Codegen manifest"
    )
    load.add_argument("file", help="persisted-query-manifest.json or persisted-documents.json")
    load.add_argument("--db", default=None, help=db_help)
    load.set_defaults(run=_load_persisted_queries)

    operator = commands.add_parser("operator", help="manage operators")
    operator_commands = operator.add_subparsers(dest="operator_command", required=True)
    for name, run, description in [
        ("create", _create_operator, "create an operator (and its workspace); print a token"),
        ("token", _issue_token, "print another bearer token for an existing operator"),
        ("revoke", _revoke_tokens, "revoke every token of an operator and close its sockets"),
    ]:
        command = operator_commands.add_parser(name, help=description)
        command.add_argument("--email", required=True)
        command.add_argument(
            "--workspace", default="Default", help="workspace name (default Default)"
        )
        command.add_argument("--db", default=None, help=db_help)
        command.set_defaults(run=run)
    return parser
