"""`schema.graphql` is the schema the code serves, committed for review and for codegen
(`propflow schema > schema.graphql` writes it). A change that breaks clients (graphql-core's
`find_breaking_changes`, against the file as it was before its latest change) must say so: one
line per breaking change in `docs/schema-breaking-changes.txt`."""

from __future__ import annotations

import subprocess
from pathlib import Path

from graphql import build_schema as build_sdl_schema
from graphql import find_breaking_changes

from api.schema import build_schema

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "schema.graphql"
ACKNOWLEDGED = ROOT / "docs" / "schema-breaking-changes.txt"


def served_sdl() -> str:
    return build_schema().as_str() + "\n"


def git(*args: str) -> str | None:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else None


def schema_before_latest_change() -> str | None:
    """The committed file before its latest change: HEAD's when the work tree changed it, else
    the one before the last commit that changed it; None without history (or a first version)."""
    committed = git("show", "HEAD:schema.graphql")
    if committed is None:
        return None
    if committed != SCHEMA_FILE.read_text():
        return committed
    last = (git("log", "-n", "1", "--format=%H", "--", "schema.graphql") or "").strip()
    return git("show", f"{last}^:schema.graphql") if last else None


def test_schema_graphql_is_the_schema_the_code_serves():
    assert SCHEMA_FILE.read_text() == served_sdl(), (
        "The schema changed: run `propflow schema > schema.graphql` and review the diff"
    )


def test_a_breaking_change_says_so():
    before = schema_before_latest_change()
    if before is None:  # the file's first version: nothing it could break
        return
    changes = find_breaking_changes(build_sdl_schema(before), build_sdl_schema(served_sdl()))
    said = {
        line.strip()
        for line in ACKNOWLEDGED.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    unsaid = [f"{change.type.name}: {change.description}" for change in changes]
    assert [line for line in unsaid if line not in said] == [], (
        f"Breaking changes: list each in {ACKNOWLEDGED.relative_to(ROOT)} if meant"
    )
