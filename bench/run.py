"""`make bench`: every benchmark's rows in one table; each section's first row is its baseline,
measured in the same run, and the ratio column compares every row with it."""

from __future__ import annotations

import asyncio

from bench import (
    bench_contacts,
    bench_editor,
    bench_fanout,
    bench_import_export,
    bench_ingest,
    bench_overload,
    bench_validation,
)


def main() -> None:
    sections = [
        ("Flow validation", "ms", bench_validation.rows()),
        ("Contacts on SQLite", "ms", asyncio.run(bench_contacts.rows())),
        ("Ingestion on SQLite (higher is better)", "events/s", bench_ingest.rows()),
        *bench_overload.sections(),
        ("Fan-out to 100 subscribers, commit to client", "ms p99", bench_fanout.rows()),
        *bench_import_export.sections(),
        ("Flow editor in Chromium (worst task: 0 = none over 50 ms)", "ms", bench_editor.rows()),
    ]
    print(f"{'benchmark':58} {'value':>10} {'unit':9} {'ratio':>7}  note")
    for title, unit, rows in sections:
        print(f"-- {title}")
        baseline = rows[0][1]
        for name, value, extra in rows:
            note = _note(unit, extra)
            ratio = value / baseline if baseline else float("nan")
            print(f"{name:58} {value:10.1f} {unit:9} {ratio:6.2f}x  {note}")


def _note(unit: str, extra: float | str | None) -> str:
    if extra is None:
        return ""
    if isinstance(extra, str):
        return extra
    if unit == "events/s":
        return f"lost {extra:.0f}"
    if unit == "ms p99":
        return f"delivered {extra:.1%}"
    return f"peak {extra:.1f} MiB"


if __name__ == "__main__":
    main()
