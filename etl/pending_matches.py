"""The matching a committed load still owes, found and finished.

A load records its batch as pending matching in its own transaction
(:func:`~estate.etl.load.batches.finish_batch`); the matching marks it done in its own
(:func:`~estate.etl.match.match_locked`). So a load whose process died, or whose
connection was lost, after its commit and before its matching leaves a record of the
work, and the next command that writes the register finishes it: every ``estate load``
(after its files, and even when each was unchanged), :func:`~estate.etl.pipeline.load_file`
itself, and ``estate match``. ``estate matches`` reports how many are pending but
changes nothing, like every report.

Two commands finishing at once do not match twice: each takes the register's write lock
(:mod:`estate.etl.register_lock`) and reads what is pending only once it holds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from estate.etl.load.batches import pending_matching
from estate.etl.load.prepared import Progress
from estate.etl.match import match_locked
from estate.etl.register_lock import lock_register_writes
from estate.models import Asset


@dataclass
class MatchRun:
    """What a matching run did: the batches it matched and the new matches it found."""

    batches: list[int] = field(default_factory=list)
    found: int = 0

    def summary(self) -> str:
        """One line a person reads."""
        if not self.batches:
            return "nothing to match: every load's assets are matched"
        loads = "1 load" if len(self.batches) == 1 else f"{len(self.batches)} loads"
        return f"{self.found} new matches across bodies, from {loads} (estate matches)"


def count_pending(engine: Engine) -> int:
    """How many committed loads are still to be matched (no lock: a look, not a promise)."""
    with engine.connect() as conn:
        return len(pending_matching(conn))


def finish_matching(engine: Engine, progress: Progress | None = None) -> MatchRun:
    """Match every load whose matching is pending, in one transaction under the register's
    write lock. Without any pending, returns at once, without waiting for the lock (so an
    unchanged reload does not queue behind another body's large load)."""
    if not count_pending(engine):
        return MatchRun()
    with engine.begin() as conn:
        lock_register_writes(conn)  # the lock first: then what is pending
        batches = pending_matching(conn)
        found = match_locked(conn, batches, progress)
    return MatchRun(batches, found)


def match_everything(engine: Engine, progress: Progress | None = None) -> MatchRun:
    """Match the whole register again: every batch that still holds assets (idempotent;
    for batches loaded before matching was recorded, or after matching rules changed)."""
    with engine.begin() as conn:
        lock_register_writes(conn)
        batches = [
            int(b)
            for b in conn.execute(
                select(Asset.load_batch_id)
                .where(Asset.load_batch_id.is_not(None))
                .distinct()
                .order_by(Asset.load_batch_id)
            ).scalars()
        ]
        found = match_locked(conn, batches, progress)
    return MatchRun(batches, found)
