"""`make bench`: every benchmark's rows in one table, each section with ratios to its baseline
(the section's first row, measured in the same run)."""

from __future__ import annotations

import asyncio

from bench import bench_contacts, bench_validation


def main() -> None:
    sections = [
        ("Flow validation", bench_validation.rows()),
        ("Contacts on SQLite", asyncio.run(bench_contacts.rows())),
    ]
    print(f"{'benchmark':58} {'median':>11} {'ratio':>8}  note")
    for title, rows in sections:
        print(f"-- {title}")
        baseline = rows[0][1]
        for name, milliseconds, peak in rows:
            note = f"peak {peak:.1f} MiB" if peak is not None else ""
            ratio = milliseconds / baseline if baseline else float("nan")
            print(f"{name:58} {milliseconds:8.1f} ms {ratio:7.1f}x  {note}")


if __name__ == "__main__":
    main()
