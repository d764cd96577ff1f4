"""A load's register step: a body's new register replacing its old, around the upsert.

The steps are in :mod:`~estate.etl.load.register_dates` (which register, as at when),
:mod:`~estate.etl.load.predecessors` (re-coded assets), :mod:`~estate.etl.load.retire`
(retired, back, older files) and :mod:`~estate.etl.load.changes` (the counts); this
module runs them in their order inside a load's transaction
(:mod:`~estate.etl.load.transaction`):

1. :func:`begin`, once the batch is recorded: the register's kind and date on the batch,
   and each of the file's bodies' newest register held;
2. :meth:`RegisterStep.before_upsert`, once the rows are staged: re-coded assets take
   their new references, an older file's rows for assets a newer register set leave the
   load, retired assets the file lists are brought back;
3. :meth:`RegisterStep.after_upsert`: the assets the file does not list are retired, an
   older file's additions are marked retired, and each body's change is stored.

A first load of its bodies (the direct COPY) has nothing to compare: only step 1 and the
change (all added) apply (:meth:`RegisterStep.first_load`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, select, text

from estate.etl.load.changes import BodyChange, record_changes, record_register
from estate.etl.load.predecessors import link_predecessors
from estate.etl.load.prepared import Prepared
from estate.etl.load.register_dates import RegisterDate, decide_register, register_name
from estate.etl.load.retire import (
    Counts,
    bring_back,
    held_registers,
    keep_newer,
    retire_missing,
    retire_older_inserts,
)
from estate.models import Organisation


@dataclass
class RegisterStep:
    """One load's register step: what it knows of the file's bodies, and what it did."""

    batch_id: int
    register: RegisterDate
    ids: dict[str, int]
    """The file's bodies: code -> organisation id."""
    held: dict[int, dt.date]
    """Each body's newest full register held, before this load."""
    recoded: Counts = field(default_factory=dict)
    kept_newer: Counts = field(default_factory=dict)
    unretired: Counts = field(default_factory=dict)
    changes: list[BodyChange] = field(default_factory=list)

    @property
    def older(self) -> dict[int, dt.date]:
        """Bodies whose register held is newer than the file, with its date."""
        return {org: day for org, day in self.held.items() if day > self.register.as_at}

    @property
    def replacing(self) -> list[int]:
        """Bodies whose register the file replaces: a full register, as new or newer."""
        if not self.register.full:
            return []
        older = self.older
        return [org for org in self.ids.values() if org not in older]

    def before_upsert(self, conn: Connection, prepared: Prepared, loaded_by: str | None) -> None:
        """Steps before the upsert (see the module); the staging table is filled."""
        file_name = prepared.source_file
        with without_jit(conn):
            self.recoded = link_predecessors(conn, self.batch_id, self.replacing, file_name,
                                             loaded_by)  # fmt: skip
            self.kept_newer = keep_newer(conn, list(self.older))
            self.unretired = bring_back(conn, self.batch_id, self.replacing, file_name,
                                        loaded_by)  # fmt: skip

    def after_upsert(
        self, conn: Connection, staged: dict[int, int], written: dict[int, tuple[int, int]],
        loaded_by: str | None,
    ) -> list[BodyChange]:  # fmt: skip
        """Steps after the upsert: retire, mark an older file's additions, store the
        change of each body (``staged`` rows and ``written`` (inserted, updated) per body)."""
        register = self.register
        with without_jit(conn):
            retired = retire_missing(conn, self.batch_id, self.replacing, register.as_at,
                                     f"not in {register.name()}", loaded_by)  # fmt: skip
        return self._record(conn, staged, written, retired)

    def first_load(self, conn: Connection, prepared: Prepared) -> list[BodyChange]:
        """The change of a first load (the direct COPY): every record added, nothing to
        retire."""
        counts = prepared.records["org_code"].value_counts() if len(prepared.records) else {}
        written = {self.ids[str(code)]: (int(n), 0) for code, n in dict(counts).items()
                   if str(code) in self.ids}  # fmt: skip
        return self._record(conn, {org: n for org, (n, _) in written.items()}, written, {})

    def _record(
        self, conn: Connection, staged: dict[int, int], written: dict[int, tuple[int, int]],
        retired: Counts,
    ) -> list[BodyChange]:  # fmt: skip
        names = {org: f"the {register_name(day)} register" for org, day in self.older.items()}
        older_added = retire_older_inserts(conn, self.batch_id, self.older, names)
        codes = {org: code for code, org in self.ids.items()}
        for org, code in sorted(codes.items(), key=lambda item: item[1]):
            inserted, updated = written.get(org, (0, 0))
            kept = self.kept_newer.get(org, 0)
            self.changes.append(
                BodyChange(
                    organisation_id=org, code=code, added=inserted, changed=updated,
                    unchanged=staged.get(org, 0) - inserted - updated + kept,
                    recoded=self.recoded.get(org, 0),
                    retired=retired.get(org, 0) + older_added.get(org, 0),
                    unretired=self.unretired.get(org, 0), kept_newer=kept,
                    previous_as_at=self.held.get(org),
                )
            )  # fmt: skip
        record_changes(conn, self.batch_id, self.changes)
        return self.changes


@contextmanager
def without_jit(conn: Connection) -> Iterator[None]:
    """Run the statements inside without PostgreSQL's JIT compilation, then as before.

    The staging table is never analysed, so the planner guesses its rows and the spatial
    join of re-coded candidates at costs past ``jit_above_cost``: compiling the plan then
    took 3 of the 5 seconds the step cost at 100k rows, for a few thousand rows of work.
    """
    before = conn.execute(text("SELECT current_setting('jit')")).scalar_one()
    conn.execute(text("SET LOCAL jit = off"))
    try:
        yield
    finally:
        conn.execute(text("SELECT set_config('jit', :value, true)"), {"value": before})


def begin(conn: Connection, batch_id: int, prepared: Prepared) -> RegisterStep:
    """Decide the file's register and date, record them on the batch, and read the newest
    register held of each of its bodies (after the load has added new bodies)."""
    register = decide_register(prepared)
    record_register(conn, batch_id, register)
    codes = prepared.bodies()
    ids = (
        dict(
            conn.execute(
                select(Organisation.code, Organisation.id).where(Organisation.code.in_(codes))
            ).all()
        )  # fmt: skip
        if codes
        else {}
    )
    return RegisterStep(batch_id, register, ids, held_registers(conn, list(ids.values())))
