"""Where a load meets a person's web edits: the conflicts it raises, and the edits it settles.

A value a person set in the web outlives the next load of the body's file (the upsert
keeps it); where the file disagrees, the load records a conflict for review instead of
overwriting, and where the file has come round to the person's value, the edit mark goes.
The statements are raw SQL, one per edited column over all the staged rows at once: a
load of tens of thousands of rows must not ask about them one by one (speed, as in
:mod:`estate.etl.load.upsert`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

from estate.etl.load.copying import STAGING_TABLE
from estate.etl.load.prepared import Prepared
from estate.etl.load.staged import STAGED_ASSETS, json_value, staged_value


def edited_columns(conn: Connection, prepared: Prepared, written: Sequence[str]) -> set[str]:
    """The written columns that a person edited on some asset of these bodies (usually
    none: then the load runs exactly as before)."""
    codes = prepared.bodies()
    if not codes:
        return set()
    found = conn.execute(
        text(
            "SELECT DISTINCT jsonb_object_keys(a.edited) FROM assets a"
            " JOIN organisations o ON o.id = a.organisation_id"
            " WHERE o.code = ANY(:codes) AND a.edited <> '{}'::jsonb"
        ),
        {"codes": codes},
    ).scalars()
    return set(found) & set(written)


def record_conflicts(conn: Connection, batch_id: int, prepared: Prepared, edited: set[str]) -> int:
    """Record where the file disagrees with a web edit (once per asset and field while
    open; a file value someone chose to overrule is not raised again), and drop the edit
    mark where the file now agrees with the person. Returns the conflicts raised."""
    supplement = prepared.mode == "supplement"
    raised = 0
    for column in sorted(edited):
        new = staged_value(column, supplement)
        file_json = json_value(new, column)
        raised += conn.execute(
            text(
                f"""
                INSERT INTO edit_conflicts (asset_id, batch_id, field, web_value, file_value)
                SELECT a.id, :batch, :field, {json_value(f"a.{column}", column)}, {file_json}
                {STAGED_ASSETS}
                WHERE a.edited ? :field AND ({new}) IS DISTINCT FROM a.{column}
                  AND NOT EXISTS (
                      SELECT 1 FROM edit_conflicts k WHERE k.asset_id = a.id
                      AND k.field = :field AND k.status = 'kept'
                      AND k.file_value IS NOT DISTINCT FROM {file_json})
                ON CONFLICT (asset_id, field) WHERE status = 'open'
                DO UPDATE SET file_value = EXCLUDED.file_value, batch_id = EXCLUDED.batch_id,
                              web_value = EXCLUDED.web_value
                """
            ),
            {"batch": batch_id, "field": column},
        ).rowcount
        conn.execute(
            text(
                f"""
                UPDATE assets AS t SET edited = t.edited - :field
                FROM {STAGING_TABLE} s JOIN organisations o ON o.code = s.org_code
                JOIN assets a ON a.organisation_id = o.id AND a.source_ref = s.source_ref
                WHERE t.id = a.id AND a.edited ? :field
                  AND ({new}) IS NOT DISTINCT FROM a.{column}
                """
            ),
            {"field": column},
        )
        # A conflict the file has come round on is over: the person's value stands.
        conn.execute(
            text(
                f"""
                UPDATE edit_conflicts AS k SET status = 'kept', resolved_at = now()
                {STAGED_ASSETS}
                WHERE k.asset_id = a.id AND k.field = :field AND k.status = 'open'
                  AND ({new}) IS NOT DISTINCT FROM a.{column}
                """
            ),
            {"field": column},
        )
    return raised
