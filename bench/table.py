"""The `make bench` table: each row beside its section's baseline from the same run, the ratio,
and, where the row has a target, PASS or SHORT.

A section is `(title, unit, rows)`; its first row is the baseline. A row is a tuple
`(name, value, note[, target])`: `value` None means the row was skipped and `note` says why; a
row without a target prints no verdict. Absolute figures on a shared machine are noisy, so most
targets are ratios to the baseline measured in the same run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True)
class Target:
    """What a row must reach: `met(value, ratio)` decides; `text` is how the table shows it."""

    text: str
    met: Callable[[float, float], bool]


def ratio_at_least(minimum: float) -> Target:
    return Target(f">= {minimum:g}x", lambda _value, ratio: ratio >= minimum)


def ratio_at_most(maximum: float) -> Target:
    return Target(f"<= {maximum:g}x", lambda _value, ratio: ratio <= maximum)


def at_least(minimum: float) -> Target:
    return Target(f">= {minimum:,g}", lambda value, _ratio: value >= minimum)


def at_most(maximum: float) -> Target:
    return Target(f"<= {maximum:,g}", lambda value, _ratio: value <= maximum)


def exactly(expected: float) -> Target:
    return Target(f"= {expected:,g}", lambda value, _ratio: value == expected)


class Row(NamedTuple):
    name: str
    value: float | None
    note: float | str | None = None
    target: Target | None = None


Section = tuple[str, str, Sequence[tuple]]


def skipped(title: str, unit: str, names: Sequence[str], why: str) -> Section:
    """A section whose rows could not run here, each saying why (e.g. "skipped: install wrk")."""
    return (title, unit, [Row(name, None, f"skipped: {why}") for name in names])


HEADER = (
    f"{'benchmark':56} {'value':>10} {'unit':9} {'baseline':>10} {'ratio':>7} "
    f"{'target':>11} {'':5}  note"
)


def render(sections: Sequence[Section], notes: Callable[[str, object], str]) -> list[str]:
    """The table's lines; `notes(unit, note)` turns a numeric note into words."""
    lines = [HEADER]
    for title, unit, rows in sections:
        lines.append(f"-- {title}")
        baseline = Row(*rows[0]).value if rows else None
        for raw in rows:
            lines.append(_line(Row(*raw), unit, baseline, notes))
    return lines


def verdicts(sections: Sequence[Section]) -> tuple[int, int]:
    """How many rows with a target PASS, and how many are SHORT."""
    passed = short = 0
    for _title, _unit, rows in sections:
        baseline = Row(*rows[0]).value if rows else None
        for raw in rows:
            verdict = _verdict(Row(*raw), baseline)
            passed += verdict == "PASS"
            short += verdict == "SHORT"
    return passed, short


def _line(row: Row, unit: str, baseline: float | None, notes: Callable[[str, object], str]) -> str:
    note = notes(unit, row.note) if row.note is not None else ""
    if row.value is None:
        return f"{row.name:56} {'-':>10} {unit:9} {'':>10} {'':>7} {'':>11} {'':5}  {note}"
    ratio = _ratio(row.value, baseline)
    shown_ratio = f"{ratio:6.3g}x" if ratio is not None else ""
    shown_baseline = f"{baseline:10.1f}" if baseline is not None else ""
    target = row.target.text if row.target else ""
    return (
        f"{row.name:56} {row.value:10.1f} {unit:9} {shown_baseline:>10} {shown_ratio:>7} "
        f"{target:>11} {_verdict(row, baseline):5}  {note}"
    )


def _verdict(row: Row, baseline: float | None) -> str:
    if row.target is None or row.value is None:
        return ""
    ratio = _ratio(row.value, baseline)
    return "PASS" if row.target.met(row.value, ratio if ratio is not None else 0.0) else "SHORT"


def _ratio(value: float, baseline: float | None) -> float | None:
    return value / baseline if baseline else None


def print_table(sections: Sequence[Section]) -> None:
    """The table, then how many rows with a target PASS and how many are SHORT."""
    print("\n".join(render(sections, _note)))
    passed, short = verdicts(sections)
    print(f"{passed} PASS, {short} SHORT (ratios are to the baseline measured in the same run)")


def _note(unit: str, extra: object) -> str:
    if isinstance(extra, str):
        return extra
    if not isinstance(extra, int | float):
        return ""
    if unit == "events/s":
        return f"lost {extra:.0f}"
    if unit == "ms p99":
        return f"delivered {extra:.1%}"
    return f"peak {extra:.1f} MiB"
