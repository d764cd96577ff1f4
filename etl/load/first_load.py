"""A first load of its bodies: rows COPY straight into ``assets``, without the staging upsert.

When none of a file's bodies has an asset yet, nothing can conflict, be unchanged or need
an audit of its old values, so the records are formed here exactly as the upsert would
form them (a test re-loads such a load through the upsert and finds every row
unchanged) and COPYed in: that saves the staging table's COPY and the ``INSERT ...
SELECT`` from it. A large first load also rebuilds the table's secondary indexes once
instead of row by row; that part is raw SQL (DDL, and definitions read back from the
catalogue, which have no Core form), while the lookups are Core over the models.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pandas as pd
from sqlalchemy import Connection, select, text

from estate.etl.load.columns import DEFAULTS, EXTRA_PREFIX
from estate.etl.load.copying import copy_frame
from estate.etl.load.ewkb import multipolygon_ewkb, point_ewkb
from estate.etl.load.prepared import Prepared, Progress
from estate.models import Asset, Organisation

BULK_MIN_ROWS = 20_000
"""Fewest rows of a first load for which rebuilding the indexes beats updating them."""


def is_first_load(conn: Connection, codes: Sequence[str]) -> bool:
    """True when none of the bodies ``codes`` has any asset in the register."""
    held = (
        select(Asset.id)
        .join(Organisation, Organisation.id == Asset.organisation_id)
        .where(Organisation.code.in_(list(codes)))
    )
    return not conn.execute(select(held.exists())).scalar_one()


def insert_direct(
    conn: Connection,
    batch_id: int,
    prepared: Prepared,
    extra_columns: Sequence[str],
    progress: Progress | None,
) -> int:
    """COPY a first load's records straight into ``assets``, formed here exactly as the
    staging upsert would form them; returns the rows inserted."""
    records = prepared.records
    written = prepared.written_columns()
    org_ids = dict(conn.execute(
        select(Organisation.code, Organisation.id).where(
            Organisation.code.in_(prepared.bodies())
        )
    ).all())  # fmt: skip
    out = pd.DataFrame(index=records.index)
    out["organisation_id"] = records["org_code"].map(org_ids).astype("int64")
    out["source_ref"] = records["source_ref"]
    for column in written:
        if column == "geom":
            x, y = records["x"].to_numpy(float), records["y"].to_numpy(float)
            out["geom"] = point_ewkb(x, y, records.index)
        elif column == "footprint":
            out["footprint"] = multipolygon_ewkb(records["footprint_wkt"])
        elif column in DEFAULTS:
            value = records[column].astype(object)
            out[column] = value.where(value.notna(), DEFAULTS[column])
        elif column == "quality_flags":
            flags = records[column].astype(object)
            out[column] = ("{" + flags.where(flags.notna() & (flags != ""), "") + "}").astype(
                object
            )
        else:
            out[column] = records[column]
    out["extra"] = _extra_json(records, extra_columns)
    out["load_batch_id"] = batch_id
    out["source_file"] = prepared.source_file
    out["source_row"] = records["_row"].astype("int64")
    with indexes_rebuilt_if_bulk(conn, len(out)):
        copy_frame(conn, "assets", out, list(out.columns), progress)
    return len(out)


def _extra_json(records: pd.DataFrame, extra_columns: Sequence[str]) -> pd.Series:
    """Each record's ``extra`` as JSON text, its null values left out (as
    ``jsonb_strip_nulls`` leaves them out of the upsert's)."""
    extra = pd.Series("", index=records.index, dtype=object)
    for column in extra_columns:
        values = records[column]
        present = values.notna()
        if not present.any():
            continue
        piece = (
            json.dumps(column[len(EXTRA_PREFIX) :])
            + ": "
            + values[present].astype(object).map(json.dumps)
        )
        extra[present] = extra[present].where(extra[present] == "", extra[present] + ", ")
        extra[present] = extra[present] + piece
    return "{" + extra + "}"


@contextmanager
def indexes_rebuilt_if_bulk(conn: Connection, rows: int) -> Iterator[None]:
    """Around an insert of ``rows`` rows: when they are many and at least as many as the
    register holds, drop the secondary (non-unique) indexes and the foreign keys of
    ``assets``, and build them again afterwards, in the same transaction.

    Building an index once over a table is several times faster than updating it row
    by row, and checking a foreign key once for the whole table (one anti-join) is
    faster than a trigger per row. The unique indexes stay: they are what keeps the
    register right while rows go in. The drops take the table's exclusive lock until
    the load commits, so readers wait for a large first load (seconds), never for an
    ordinary one. Names and definitions come from the catalogue and are restored as
    they were (a failure rolls everything back, drops included).
    """
    held = conn.execute(
        text("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'assets'::regclass")
    ).scalar_one()
    if rows < BULK_MIN_ROWS or rows < held:
        yield
        return
    indexes = conn.execute(
        text(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = 'assets'::regclass AND NOT i.indisunique AND NOT i.indisprimary"
        )
    ).all()
    foreign_keys = conn.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'assets'::regclass AND contype = 'f'"
        )
    ).all()
    for name, _ in foreign_keys:
        conn.execute(text(f'ALTER TABLE assets DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        conn.execute(text(f'DROP INDEX "{name}"'))
    yield
    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    for _, definition in indexes:
        conn.execute(text(definition))
    for name, definition in foreign_keys:
        conn.execute(text(f'ALTER TABLE assets ADD CONSTRAINT "{name}" {definition}'))
