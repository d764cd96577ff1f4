"""What one load did to each body's register, counted, stored and said.

From one register of a body to the next, a person wants to know what was added, what
left (retired), what is the same asset under a new reference (re-coded), what changed
and what did not: the release-to-release difference users of yearly property registers
ask for. :class:`BodyChange` holds those counts for one body; a load stores one row a
body in ``register_changes`` (Core, a few rows a load), prints them in its summary, and
``estate loads`` and the data-quality page read them back
(:func:`estate.quality.register_changes`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import Connection, Table, insert, update

from estate.etl.load.register_dates import RegisterDate, register_name
from estate.models import LoadBatch, RegisterChange
from estate.quality import CHANGE_COUNTS as COUNTS

_CHANGES: Table = RegisterChange.__table__  # type: ignore[assignment]
_BATCHES: Table = LoadBatch.__table__  # type: ignore[assignment]

WORDS = {
    "added": "added", "changed": "changed", "unchanged": "unchanged",
    "recoded": "re-coded", "retired": "retired", "unretired": "back",
    "kept_newer": "left as the newer register has them",
}  # fmt: skip
"""Each count in a person's words."""

SUMMARY_BODIES = 8
"""Bodies a load's summary lists one by one; the rest are totalled (``estate loads
--changes BATCH`` lists all)."""

__all__ = ["COUNTS", "BodyChange", "record_changes", "record_register", "summary_lines", "total"]


@dataclass
class BodyChange:
    """One body's register from before a load to after it."""

    organisation_id: int
    code: str
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    recoded: int = 0
    """Assets linked to a row under a new reference (also counted changed or unchanged)."""
    retired: int = 0
    unretired: int = 0
    """Retired assets listed again, and so current again (also counted changed or
    unchanged)."""
    kept_newer: int = 0
    """Rows of an older file for assets a newer register set: left as they are."""
    previous_as_at: dt.date | None = None

    def words(self) -> str:
        """ "added 2, changed 10, unchanged 30, re-coded 1, retired 3" (nothing of none)."""
        shown = [(name, getattr(self, name)) for name in COUNTS]
        return ", ".join(
            f"{WORDS[name]} {count}"
            for name, count in shown
            if count or name in ("added", "changed", "unchanged", "retired")
        )


def record_register(conn: Connection, batch_id: int, register: RegisterDate) -> None:
    """Record on the batch whether its file is a full register and the date it is as at."""
    conn.execute(
        update(_BATCHES)
        .where(_BATCHES.c.id == batch_id)
        .values(register=register.register, as_at=register.as_at,
                as_at_from=register.as_at_from)
    )  # fmt: skip


def record_changes(conn: Connection, batch_id: int, changes: Sequence[BodyChange]) -> None:
    """Store the load's change of each body's register (one row a body)."""
    if changes:
        conn.execute(
            insert(_CHANGES),
            [
                {k: v for k, v in asdict(c).items() if k != "code"} | {"batch_id": batch_id}
                for c in changes
            ],
        )


def summary_lines(register: RegisterDate, changes: Sequence[BodyChange]) -> list[str]:
    """The lines a load's summary gives its registers' change: the kind of register and
    its date, what older or newer registers meant, and the counts per body."""
    lines = [register.summary()]
    older = [c for c in changes if c.kept_newer or _is_older(register, c)]
    if older:
        dates = sorted({c.previous_as_at for c in older if c.previous_as_at})
        newest = register_name(dates[-1]) if dates else "a newer"
        lines.append(
            f"older than {newest} register held for {len(older)} bod"
            f"{'y' if len(older) == 1 else 'ies'}: nothing retired, nothing newer "
            f"overwritten ({sum(c.kept_newer for c in older)} row(s) left as the newer "
            "register has them; sites it does not list added as retired)"
        )
    back = sum(c.unretired for c in changes)
    if back:
        lines.append(f"{back} retired asset(s) listed again: current again")
    recoded = sum(c.recoded for c in changes)
    if recoded:
        lines.append(
            f"{recoded} asset(s) re-coded: the same asset (its id, history and web edits) "
            "under the file's new reference"
        )
    shown = sorted(changes, key=lambda c: (-(c.added + c.retired + c.recoded + c.changed), c.code))
    for change in shown[:SUMMARY_BODIES]:
        lines.append(f"{change.code}: {change.words()}")
    if len(shown) > SUMMARY_BODIES:
        rest = total(shown[SUMMARY_BODIES:])
        lines.append(f"{len(shown) - SUMMARY_BODIES} more bodies: {rest.words()}")
    return lines


def _is_older(register: RegisterDate, change: BodyChange) -> bool:
    return change.previous_as_at is not None and change.previous_as_at > register.as_at


def total(changes: Iterable[BodyChange]) -> BodyChange:
    """The counts of several bodies' changes summed."""
    out = BodyChange(organisation_id=0, code="all")
    for change in changes:
        for name in COUNTS:
            setattr(out, name, getattr(out, name) + getattr(change, name))
    return out
