"""The rows of one transaction's runs in few statements: the new runs (or bot messages) in one
INSERT, the new states of the other runs in one UPDATE run for every row.

`save()` per new row cost a round trip each (its id comes back), and so did an update per run:
on PostgreSQL a group of page views waited on them one after another. The ids of a
multi-row INSERT come from the table's sequence (or SQLite's rowid), taken row after row: sorted,
they are the rows' ids in order, whatever order RETURNING lists them in.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from tortoise.models import Model
from tortoise.timezone import now

from api.bulk_insert import insert_returning, update_rows
from api.flows.models import FlowRun


async def write_runs(runs: Sequence[tuple[FlowRun, Mapping[str, Any]]]) -> None:
    """Each run's state, in order: a run without an id is inserted with it (and gets its id, as
    `save()` gives it), any later state of it and every other run's is an update of its row
    (`updated_at` now)."""
    inserted: dict[int, FlowRun] = {}
    updates: list[tuple[FlowRun, Mapping[str, Any]]] = []
    for run, state in runs:
        if run.id is None and id(run) not in inserted:
            run.update_from_dict(dict(state))
            inserted[id(run)] = run
        else:
            updates.append((run, state))
    await insert(list(inserted.values()))
    await _update(updates)


async def insert(instances: Sequence[Model]) -> None:
    """Insert new instances of one model, as `save()` would each (its columns, its timestamps
    and its id)."""
    if not instances:
        return
    meta = instances[0]._meta
    names = [name for name in meta.fields_db_projection if not meta.fields_map[name].generated]
    rows = [
        [meta.fields_map[name].to_db_value(getattr(instance, name), instance) for name in names]
        for instance in instances
    ]
    columns = [meta.fields_db_projection[name] for name in names]
    returned = await insert_returning(meta.db_table, columns, rows, [meta.pk_attr])
    ids = sorted(new_id for (new_id,) in returned)
    for instance, new_id in zip(instances, ids, strict=True):
        instance.pk = new_id
        instance._saved_in_db = True


async def _update(updates: list[tuple[FlowRun, Mapping[str, Any]]]) -> None:
    """Consecutive states of the same fields in one statement, in their order."""
    fields = FlowRun._meta.fields_map
    stamp = now()
    for names, same in itertools.groupby(updates, key=lambda update: tuple(update[1])):
        columns = ("updated_at", *names)
        rows = [
            [
                *(
                    fields[name].to_db_value(value, FlowRun)
                    for name, value in zip(columns, (stamp, *state.values()), strict=True)
                ),
                run.id,
            ]
            for run, state in same
        ]
        projection = FlowRun._meta.fields_db_projection
        await update_rows(
            FlowRun._meta.db_table, [projection[name] for name in columns], ["id"], rows
        )
