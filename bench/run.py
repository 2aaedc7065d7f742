"""`make bench`: every benchmark's rows in one table (`bench/table.py`): each row beside its
section's baseline measured in the same run, the ratio, and PASS or SHORT where it has a target.

A benchmark adds ONE line to `sections` below: a `(title, unit, rows)` section, or
`*module.sections()` for several.
"""

from __future__ import annotations

from bench import (
    bench_contacts,
    bench_editor,
    bench_fanout,
    bench_faults,
    bench_import_export,
    bench_inbox,
    bench_ingest,
    bench_jobs,
    bench_overload,
    bench_scale_out,
    bench_signin,
    bench_validation,
)
from bench.table import print_table


def main() -> None:
    sections = [
        ("Flow validation", "ms", bench_validation.rows()),
        *bench_signin.sections(),
        *bench_contacts.sections(),
        ("Ingestion on SQLite (higher is better)", "events/s", bench_ingest.rows()),
        *bench_scale_out.sections(),
        *bench_overload.sections(),
        *bench_faults.sections(),
        ("Fan-out to 100 subscribers, commit to client", "ms p99", bench_fanout.rows()),
        ("Inbox: visitor message to operator event, 100 open", "ms p99", bench_inbox.rows()),
        *bench_import_export.sections(),
        ("Jobs: 10,000 waits ending at once (higher is better)", "steps/s", bench_jobs.rows()),
        ("Flow editor in Chromium (worst task: 0 = none over 50 ms)", "ms", bench_editor.rows()),
    ]
    print_table(sections)


if __name__ == "__main__":
    main()
