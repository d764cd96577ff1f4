"""One file's load as one transaction: the steps in their order, the rollback, the failed batch.

The steps themselves live in the modules named here; this one decides which of the two
write paths a file takes (:mod:`~estate.etl.load.first_load` when its bodies have no
assets yet, else the staging :mod:`~estate.etl.load.upsert`), checks that every row read
is accounted for, and makes sure a failure leaves the register as it was. Its own SQL is
Core over the models, but for ``ANALYZE``, which has no Core form.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Engine, RootTransaction, text
from sqlalchemy.dialects.postgresql import insert

from estate.etl.interruptions import interrupted, interruption_kind
from estate.etl.load.audit import audit_inserts
from estate.etl.load.batches import (
    REJECTION_COLUMNS,
    LoadResult,
    finish_batch,
    name_batch_body,
    record_failure,
    start_batch,
)
from estate.etl.load.bodies import join_known_bodies
from estate.etl.load.columns import STAGING_COLUMNS
from estate.etl.load.copying import STAGING_TABLE, copy_frame, create_staging
from estate.etl.load.first_load import insert_direct, is_first_load
from estate.etl.load.keeping import keep_unread
from estate.etl.load.prepared import Prepared, Progress
from estate.etl.load.upsert import staged_per_body, unknown_references, upsert
from estate.etl.load.yearly import begin as begin_register
from estate.etl.register_lock import lock_register_writes
from estate.models import Organisation

# A rejection frame's column for each column of ``rejections`` (a frame numbers its rows _row).
REJECTION_FRAME_COLUMNS = ["_row" if c == "row_number" else c for c in REJECTION_COLUMNS]


def write(
    engine: Engine,
    prepared: Prepared,
    *,
    file_hash: str | None = None,
    organisation_code: str | None = None,
    dry_run: bool = False,
    loaded_by: str | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Load prepared records in one transaction; on any error the register is left as it was.

    The transaction first takes the register's write lock (:mod:`estate.etl.register_lock`),
    so concurrent loads write one after the other. An interruption (Ctrl-C) is caught long
    enough to roll back and return the connection cleanly, then raised again. The database
    breaking the load off (a lost connection, a deadlock, a timeout) is raised as one
    :class:`~estate.etl.interruptions.LoadInterrupted` that says nothing was written.
    """
    error: BaseException | None = None
    result: LoadResult | None = None
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            try:
                result = _write(
                    conn, prepared, file_hash, organisation_code, dry_run, loaded_by, progress
                )
            except BaseException as exc:  # noqa: BLE001 - re-raised below, after the rollback
                error = exc
                _roll_back(conn, trans, exc)
            else:
                if dry_run:
                    trans.rollback()
                else:
                    trans.commit()
    except Exception as exc:  # noqa: BLE001 - the commit itself, or the connection, failed
        error = error or exc
    if error is not None:
        # A dry run promises to write nothing, its failures included.
        recorded = dry_run or record_failure(engine, prepared, file_hash, loaded_by, error)
        outcome = (
            "nothing was written"
            if recorded
            else ("nothing was written (and the failed load could not be recorded)")
        )
        translated = interrupted(
            error, f"during the load of {prepared.source_file}", f"{outcome}; run the load again"
        )
        if translated is not None:
            raise translated from error
        raise error
    assert result is not None
    return result


def _roll_back(conn: Connection, trans: RootTransaction, exc: BaseException) -> None:
    """Roll the load back; over a connection the server has dropped, there is nothing to
    roll back, and the connection is thrown away rather than reset (which would fail, and
    log a traceback, as it goes back to the pool)."""
    if interruption_kind(exc) == "connection_lost":
        conn.invalidate()
        return
    trans.rollback()


def _write(
    conn: Connection,
    prepared: Prepared,
    file_hash: str | None,
    organisation_code: str | None,
    dry_run: bool,
    loaded_by: str | None,
    progress: Progress | None,
) -> LoadResult:
    # The lock comes first: anything read before it (the known bodies) holds table locks
    # that a concurrent load's index rebuild would wait on while this waits on the lock.
    lock_register_writes(conn)
    organisation_code = join_known_bodies(conn, prepared, organisation_code)
    records = prepared.records
    batch_id = start_batch(conn, prepared, file_hash, loaded_by)
    if progress:
        progress("begin", 0, len(records))
    added = _add_organisations(conn, prepared.organisations)
    if organisation_code:
        name_batch_body(conn, batch_id, organisation_code)

    extra_columns = prepared.extra_columns()
    rejections = prepared.rejections
    supplement = prepared.mode == "supplement"
    direct = not supplement and len(records) > 0 and is_first_load(conn, prepared.bodies())
    step = begin_register(conn, batch_id, prepared)
    conflicts = kept = 0
    if direct:
        inserted, updated = insert_direct(conn, batch_id, prepared, extra_columns, progress), 0
        loaded = len(records)
        changes = step.first_load(conn, prepared)
    else:
        create_staging(conn, extra_columns)
        copy_frame(conn, STAGING_TABLE, records, list(STAGING_COLUMNS) + extra_columns, progress)
        if supplement:
            rejections = pd.concat([rejections, unknown_references(conn)], ignore_index=True)
        # Re-coded assets, an older file's rows left out, retired assets brought back:
        # before anything compares staged rows with the assets they write over.
        step.before_upsert(conn, prepared, loaded_by)
        kept = keep_unread(conn, prepared.written_columns())
        if progress:
            progress("upsert", 0, len(records))
        staged = staged_per_body(conn)
        written = upsert(conn, batch_id, prepared, extra_columns, loaded_by)
        inserted, updated, conflicts = written.inserted, written.updated, written.conflicts
        loaded = sum(staged.values()) + sum(step.kept_newer.values())
        changes = step.after_upsert(conn, staged, written.per_body, loaded_by)
    if progress:
        progress("upsert", len(records), len(records))

    # Warnings go with the rejections (`estate rejections` lists both); not counted below.
    parts = [frame for frame in (rejections, prepared.warnings) if len(frame)]
    stored = pd.concat(parts, ignore_index=True) if parts else rejections
    if len(stored):
        frame = stored.assign(batch_id=batch_id, source_file=prepared.source_file)
        copy_frame(conn, "rejections", frame, REJECTION_FRAME_COLUMNS, None,
                   target_columns=REJECTION_COLUMNS)  # fmt: skip
    result = LoadResult(
        batch_id=None if dry_run else batch_id,
        source_file=prepared.source_file,
        source_format=prepared.source_format,
        rows_read=prepared.rows_read,
        inserted=inserted,
        updated=updated,
        unchanged=loaded - inserted - updated,
        merged=len(prepared.merged),
        rejected=int(rejections["_row"].nunique()) if len(rejections) else 0,
        conflicts=conflicts,
        points_kept=kept,
        dry_run=dry_run,
        organisations_added=added,
        rejections=rejections,
        warnings=prepared.warnings,
        notes=list(prepared.notes),
        register=step.register,
        changes=changes,
        mapping=prepared.mapping,
    )
    finish_batch(conn, batch_id, result)
    if inserted:
        audit_inserts(conn, batch_id, prepared, inserted, loaded_by)
    if inserted or updated or any(c.retired or c.recoded or c.unretired for c in changes):
        conn.execute(text("ANALYZE assets"))
    if result.accounted != result.rows_read:
        raise AssertionError(
            f"{prepared.source_file}: {result.rows_read} rows read but {result.accounted} "
            "accounted for; nothing was loaded"
        )
    return result


def _add_organisations(conn: Connection, organisations: pd.DataFrame) -> list[str]:
    """Insert bodies the register does not know yet; a known body's record is left alone."""
    added: list[str] = []
    bodies = organisations.drop_duplicates("code").astype(object)
    bodies = bodies.where(bodies.notna(), None)
    for row in bodies.itertuples(index=False):
        code = conn.execute(
            insert(Organisation)
            .values(code=row.code, name=row.name, kind=row.kind, uri=getattr(row, "uri", None))
            .on_conflict_do_nothing(index_elements=["code"])
            .returning(Organisation.code)
        ).scalar()
        if code:
            added.append(code)
    return added
