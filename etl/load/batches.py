"""The load batches: each load's row in ``load_batches``, and what it reports.

Every load, failed ones included, leaves a batch: the file (name and SHA-256), its options,
who loaded it, and what became of its rows. That is the register's provenance (each asset
names the batch that last wrote it) and what ``estate loads`` lists. The statements here
are one row at a time, so they are plain Core over the models.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, func, insert, literal, select, update

from estate.etl.load.changes import BodyChange, summary_lines
from estate.etl.load.prepared import Prepared
from estate.etl.load.register_dates import RegisterDate
from estate.models import Asset, LoadBatch, Organisation, Rejection

logger = logging.getLogger(__name__)

ERROR_CHARS = 2000
"""How much of a failed load's error its batch keeps."""

REJECTION_COLUMNS = [c for c in Rejection.__table__.columns.keys() if c != "id"]
"""The columns of ``rejections`` a load writes: all but the key (batch, file, row, field,
value, reason)."""


@dataclass
class LoadResult:
    """What a load did: every row read is inserted, updated, unchanged, merged or rejected."""

    batch_id: int | None
    source_file: str
    source_format: str
    rows_read: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    rejected: int = 0
    conflicts: int = 0
    """Values of the file that disagree with a person's web edit: kept, for review."""
    points_kept: int = 0
    """Rows the file gives no better location for: their assets keep the point they had."""
    dry_run: bool = False
    organisations_added: list[str] = field(default_factory=list)
    rejections: pd.DataFrame | None = None
    warnings: pd.DataFrame | None = None
    """What records that loaded lost on the way (``_row``, ``field``, ``value``, ``reason``);
    a load answered from an earlier batch lists them with its rejections."""
    notes: list[str] = field(default_factory=list)
    """What the validation decided for the whole file, one line each (see ``Prepared.notes``)."""
    register: RegisterDate | None = None
    """Whether the file was a full register or a partial one, and the date it is as at."""
    changes: list[BodyChange] = field(default_factory=list)
    """Each body's register from before the load to after it (added, retired, re-coded...)."""
    mapping: dict[str, Any] | None = None
    """The mapping of columns to fields the load used (see ``Prepared.mapping``)."""

    @property
    def accounted(self) -> int:
        return self.inserted + self.updated + self.unchanged + self.merged + self.rejected

    def warned_records(self) -> int:
        """How many records that load carry a field warning (a record counts once)."""
        if self.warnings is None or not len(self.warnings):
            return 0
        return int(self.warnings["_row"].nunique())

    def summary(self) -> str:
        """One paragraph a person reads after a load."""
        head = "dry run, nothing written" if self.dry_run else f"batch {self.batch_id}"
        counts = (f"  inserted {self.inserted}, updated {self.updated}, unchanged "
                  f"{self.unchanged}, merged {self.merged}, rejected {self.rejected}")  # fmt: skip
        warned = self.warned_records()
        if warned:
            counts += f"; {warned} with field warnings"
        lines = [
            f"{self.source_file} ({self.source_format}, {head}): {self.rows_read} rows read",
            counts,
        ]
        if self.warnings is not None and len(self.warnings):
            count = len(self.warnings)
            lines.append(f"  {count} warning{'s' if count > 1 else ''} (the records load; each "
                         "names what was left out or read otherwise)")  # fmt: skip
        lines.extend(f"  {note}" for note in self.notes)
        if self.register is not None:
            lines.extend(f"  {line}" for line in summary_lines(self.register, self.changes))
        if self.mapping:
            from estate.etl.recognise import mapping_lines

            lines.extend(f"  {line}" for line in mapping_lines(self.mapping))
        if self.organisations_added:
            lines.append(f"  new organisations: {', '.join(self.organisations_added)}")
        if self.conflicts:
            lines.append(
                f"  {self.conflicts} value(s) disagree with edits made in the web: the edits are"
                " kept; settle them on each asset's page (or /conflicts)"
            )
        if self.points_kept:
            lines.append(
                f"  {self.points_kept} asset(s) keep the point they had: the file gives no"
                " better location for them"
            )
        if self.rows_read and self.unchanged == self.rows_read - self.merged - self.rejected:
            if not (self.inserted or self.updated or any(c.retired for c in self.changes)):
                lines.append("  nothing changed: the register already holds this file")
        return "\n".join(lines)


def file_sha256(path: Path) -> str:
    """The file's SHA-256: a re-load of the same bytes is recognised by it."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def reuse_unchanged(
    engine: Engine, file_hash: str, options: dict[str, Any], loaded_by: str | None = None
) -> LoadResult | None:
    """Answer a re-load of the very file last loaded, when nothing has changed since, without
    reading it again.

    Applies when the newest committed batch has the same bytes (SHA-256) and options, and no
    asset has been written since it finished. Every row is then unchanged, merged or rejected
    exactly as before: a new batch records that, with the earlier rejections copied.
    """
    kept = (LoadBatch.rows_inserted + LoadBatch.rows_updated + LoadBatch.rows_unchanged).label(
        "rows_kept"
    )
    with engine.begin() as conn:
        last = conn.execute(
            select(LoadBatch.id, LoadBatch.source_file, LoadBatch.source_format,
                   LoadBatch.file_sha256, LoadBatch.options, LoadBatch.finished_at,
                   LoadBatch.mapping,
                   LoadBatch.rows_read, kept, LoadBatch.rows_merged, LoadBatch.rows_rejected)
            .where(LoadBatch.status == "committed")
            .order_by(LoadBatch.id.desc())
            .limit(1)
        ).one_or_none()  # fmt: skip
        if last is None or last.file_sha256 != file_hash:
            return None
        if {k: v for k, v in (last.options or {}).items()} != options:
            return None
        later = conn.execute(
            select(Asset.id).where(Asset.updated_at > last.finished_at).limit(1)
        ).first()
        if later:
            return None
        batch_id = conn.execute(
            insert(LoadBatch)
            .values(source_file=last.source_file, source_format=last.source_format,
                    file_sha256=file_hash, status="committed", finished_at=func.now(),
                    options=options, mapping=last.mapping, loaded_by=loaded_by,
                    rows_read=last.rows_read,
                    rows_unchanged=last.rows_kept, rows_merged=last.rows_merged,
                    rows_rejected=last.rows_rejected)
            .returning(LoadBatch.id)
        ).scalar_one()  # fmt: skip
        copied = [c for c in REJECTION_COLUMNS if c != "batch_id"]
        conn.execute(
            insert(Rejection).from_select(
                ["batch_id", *copied],
                select(literal(batch_id), *(getattr(Rejection, c) for c in copied)).where(
                    Rejection.batch_id == last.id
                ),
            )
        )
        problems = pd.read_sql(
            select(Rejection.row_number.label("_row"), Rejection.field, Rejection.value,
                   Rejection.reason, Rejection.kind)
            .where(Rejection.batch_id == batch_id)
            .order_by(Rejection.row_number),
            conn,
        )  # fmt: skip
    warned = problems["kind"].eq("warning").to_numpy(dtype=bool)
    return LoadResult(
        batch_id=batch_id, source_file=last.source_file, source_format=last.source_format,
        rows_read=last.rows_read, unchanged=last.rows_kept, merged=last.rows_merged,
        rejected=last.rows_rejected, rejections=problems[~warned].reset_index(drop=True),
        warnings=problems[warned].reset_index(drop=True), mapping=last.mapping,
    )  # fmt: skip


def start_batch(
    conn: Connection,
    prepared: Prepared,
    file_hash: str | None,
    loaded_by: str | None,
) -> int:
    """Record a ``running`` batch for the load, in its transaction, and return its id: the
    assets the load writes name it, so it comes first."""
    batch_id = conn.execute(
        insert(LoadBatch)
        .values(source_file=prepared.source_file, source_format=prepared.source_format,
                file_sha256=file_hash, status="running", options=prepared.options,
                mapping=prepared.mapping, loaded_by=loaded_by, rows_read=prepared.rows_read)
        .returning(LoadBatch.id)
    ).scalar_one()  # fmt: skip
    return int(batch_id)


def name_batch_body(conn: Connection, batch_id: int, organisation_code: str) -> None:
    """Record the body the whole file belongs to (``--org``), once the load has added it."""
    conn.execute(
        update(LoadBatch)
        .where(LoadBatch.id == batch_id)
        .values(
            organisation_id=select(Organisation.id)
            .where(Organisation.code == organisation_code)
            .scalar_subquery()
        )
    )


def finish_batch(conn: Connection, batch_id: int, result: LoadResult) -> None:
    """Fill in the batch's counts and status (``committed``, or ``dry_run``) as the load
    ends, in its transaction: a rolled-back load leaves no finished batch. A load that
    wrote assets also records, in the same transaction, that they are still to be matched
    with other bodies' (``matching`` pending), so that matching cannot be lost between
    the load's commit and the matching's."""
    wrote = not result.dry_run and bool(result.inserted or result.updated)
    conn.execute(
        update(LoadBatch)
        .where(LoadBatch.id == batch_id)
        .values(status="dry_run" if result.dry_run else "committed", finished_at=func.now(),
                rows_inserted=result.inserted, rows_updated=result.updated,
                rows_unchanged=result.unchanged, rows_merged=result.merged,
                rows_rejected=result.rejected, matching="pending" if wrote else None)
    )  # fmt: skip


def pending_matching(conn: Connection) -> list[int]:
    """The committed batches whose assets are still to be matched, oldest first."""
    return list(
        conn.execute(
            select(LoadBatch.id)
            .where(LoadBatch.status == "committed", LoadBatch.matching == "pending")
            .order_by(LoadBatch.id)
        ).scalars()
    )


def mark_matched(conn: Connection, batch_ids: Sequence[int]) -> None:
    """Record that the batches' assets have been matched (in the matching's transaction)."""
    if batch_ids:
        conn.execute(
            update(LoadBatch)
            .where(LoadBatch.id.in_(list(batch_ids)), LoadBatch.status == "committed")
            .values(matching="done")
        )


def record_failure(
    engine: Engine,
    prepared: Prepared,
    file_hash: str | None,
    loaded_by: str | None,
    exc: BaseException,
) -> bool:
    """Record a failed batch in a transaction of its own, on a fresh connection (the load
    itself was rolled back, and its connection may be gone); returns whether it could."""
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(LoadBatch).values(
                    source_file=prepared.source_file, source_format=prepared.source_format,
                    file_sha256=file_hash, status="failed", finished_at=func.now(),
                    rows_read=prepared.rows_read, loaded_by=loaded_by, mapping=prepared.mapping,
                    options={"error": f"{type(exc).__name__}: {exc}"[:ERROR_CHARS]},
                )
            )  # fmt: skip
    except Exception as error:  # noqa: BLE001 - the original error matters more
        # One line, not a traceback: the load's own error is what the person reads.
        logger.warning("could not record the failed load of %s: %s", prepared.source_file,
                       f"{type(error).__name__}: {error}".splitlines()[0])  # fmt: skip
        return False
    return True
