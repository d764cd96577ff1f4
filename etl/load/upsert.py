"""The set-based upsert: every staged record into ``assets`` in one statement.

The records are keyed on (organisation, source reference): one ``INSERT ... SELECT ...
ON CONFLICT DO UPDATE ... WHERE ROW(old) IS DISTINCT FROM ROW(new)`` writes the new and
changed ones and leaves an unchanged record unwritten, so an unchanged re-load costs a
read, not a write, and ``RETURNING (xmax = 0)`` tells inserts from updates. The
statement is raw SQL, built column by column from :mod:`estate.etl.load.columns`, for
speed: it is the loader's hot path, one pass over a staging table of any size, where
the ORM (or Core row by row) would send a statement per record and compare in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import pandas as pd
from sqlalchemy import Connection, text

from estate.etl.load.audit import audit_updates
from estate.etl.load.columns import EDITED_WITH, EXTRA_PREFIX
from estate.etl.load.conflicts import edited_columns, record_conflicts
from estate.etl.load.copying import STAGING_TABLE
from estate.etl.load.prepared import Prepared
from estate.etl.load.staged import value_sql


def unknown_references(conn: Connection) -> pd.DataFrame:
    """Partnership-return rows for assets the register does not hold, and that do not name a
    new site: rejected (and taken out of staging)."""
    rows = conn.execute(
        text(
            f"DELETE FROM {STAGING_TABLE} s WHERE s.name IS NULL AND NOT EXISTS ("
            " SELECT 1 FROM assets a JOIN organisations o ON o.id = a.organisation_id"
            " WHERE o.code = s.org_code AND a.source_ref = s.source_ref)"
            " RETURNING s._row, s.org_code, s.source_ref"
        )
    ).all()
    return pd.DataFrame(
        {
            "_row": [r[0] for r in rows],
            "field": "asset reference",
            "value": [r[2] for r in rows],
            "reason": [
                f"{r[1]} has no asset '{r[2]}' in the register: load its register first, "
                "or give the site a name and location to add it"
                for r in rows
            ],
        }
    )


def staged_count(conn: Connection) -> int:
    """How many records are staged (after any rejected references were taken out)."""
    return int(conn.execute(text(f"SELECT count(*) FROM {STAGING_TABLE}")).scalar_one())


def staged_per_body(conn: Connection) -> dict[int, int]:
    """How many records are staged for each body (organisation id)."""
    rows = conn.execute(
        text(
            f"SELECT o.id, count(*) FROM {STAGING_TABLE} s"
            " JOIN organisations o ON o.code = s.org_code GROUP BY o.id"
        )
    ).all()
    return {int(org): int(n) for org, n in rows}


class Upserted(NamedTuple):
    """What the upsert wrote: rows inserted and updated (in all, and per body), and the
    conflicts with web edits it raised."""

    inserted: int
    updated: int
    conflicts: int
    per_body: dict[int, tuple[int, int]]
    """organisation id -> (inserted, updated)."""


def upsert(
    conn: Connection,
    batch_id: int,
    prepared: Prepared,
    extra_columns: Sequence[str],
    loaded_by: str | None = None,
) -> Upserted:
    """Upsert staging into assets; returns what it wrote (:class:`Upserted`).

    Only the columns the file supplies are written. A row whose supplied columns all
    equal the register's is not written at all (unchanged): the comparison is a row
    comparison in SQL, so an unchanged re-load costs a read, not a write.
    """
    supplement = prepared.mode == "supplement"
    written = prepared.written_columns()
    edited = edited_columns(conn, prepared, written)
    if extra_columns:
        pairs = ", ".join(f"'{c[len(EXTRA_PREFIX) :]}', s.\"{c}\"" for c in extra_columns)
        extra = f"jsonb_strip_nulls(jsonb_build_object({pairs}))"
    else:
        extra = "'{}'::jsonb"

    def new_value(column: str) -> str:
        # A value a person set in the web stays (the load recorded a conflict if the
        # file disagrees: see estate.etl.load.conflicts).
        keep = EDITED_WITH.get(column, column)
        if keep in edited:
            return (
                f"CASE WHEN assets.edited ? '{keep}' THEN assets.{column} ELSE {plain(column)} END"
            )
        return plain(column)

    def plain(column: str) -> str:
        if supplement and column == "location_method":
            return (
                "CASE WHEN EXCLUDED.geom IS NULL THEN assets.location_method "
                "ELSE EXCLUDED.location_method END"
            )
        if supplement or column == "footprint":
            # A row with no polygon of its own keeps the footprint the asset has: a
            # load never erases a shape it did not read (a point is kept likewise, in
            # estate.etl.load.keeping).
            return f"coalesce(EXCLUDED.{column}, assets.{column})"
        return f"EXCLUDED.{column}"

    insert_columns = ["organisation_id", "source_ref", *written, "extra", "load_batch_id",
                      "source_file", "source_row"]  # fmt: skip
    select = ["o.id", "s.source_ref", *(value_sql(c) for c in written), extra, ":batch",
              ":file", "s._row"]  # fmt: skip
    extra_update = "assets.extra || EXCLUDED.extra" if supplement else "EXCLUDED.extra"
    updates = [f"{c} = {new_value(c)}" for c in written]
    updates += [f"extra = {extra_update}", "load_batch_id = EXCLUDED.load_batch_id",
                "source_file = EXCLUDED.source_file", "source_row = EXCLUDED.source_row",
                "updated_at = now()"]  # fmt: skip
    compare_old = ", ".join(f"assets.{c}" for c in [*written, "extra"])
    compare_new = ", ".join([*(new_value(c) for c in written), extra_update])
    sql = f"""
        WITH upserted AS (
            INSERT INTO assets ({", ".join(insert_columns)})
            SELECT {", ".join(select)}
            FROM {STAGING_TABLE} s JOIN organisations o ON o.code = s.org_code
            ON CONFLICT (organisation_id, source_ref) DO UPDATE SET {", ".join(updates)}
            WHERE ROW({compare_old}) IS DISTINCT FROM ROW({compare_new})
            RETURNING (xmax = 0) AS inserted, organisation_id
        )
        SELECT organisation_id, count(*) FILTER (WHERE inserted),
               count(*) FILTER (WHERE NOT inserted)
        FROM upserted GROUP BY organisation_id
    """
    params = {"batch": batch_id, "file": prepared.source_file}
    conflicts = record_conflicts(conn, batch_id, prepared, edited) if edited else 0
    audit_updates(conn, batch_id, prepared, written, edited, supplement, loaded_by)
    per_body = {int(org): (int(i), int(u)) for org, i, u in conn.execute(text(sql), params)}
    inserted = sum(i for i, _ in per_body.values())
    updated = sum(u for _, u in per_body.values())
    return Upserted(inserted, updated, conflicts, per_body)
