"""An asset whose reference changed between two registers: linked to the asset it was.

Bodies re-number their sites (a new asset system, a merger of two trusts' codes). Read
naively, a re-coded site is one asset retired and a new one added: its id, history,
matches and web edits would stay with the retired one. Before the upsert, a staged row
whose reference the body does not hold is linked to a *predecessor*: a current asset of
the same body whose reference the file no longer lists and that is

1. of the same UPRN; else
2. within :data:`PLACE_M` metres (both placed better than a postcode district's centre)
   and of a similar name (``pg_trgm`` similarity at least :data:`NAME_SIMILARITY`, the
   cross-body matching's threshold: :mod:`estate.etl.match`).

A link is made only where it is unambiguous both ways (one best candidate for the row,
and the row the one best for the candidate): otherwise the row is added and the old asset
retired, as without a link. The linked asset takes the new reference, with an audit event
("re-coded"), so the upsert then writes the file's values over it as over any asset it
holds, keeping the person's web edits (:mod:`estate.etl.load.conflicts`).

One set-based statement (raw SQL over the staging table, for speed, as in
:mod:`estate.etl.load.upsert`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

from estate.crs import STORAGE_SRID
from estate.etl.load.copying import STAGING_TABLE
from estate.etl.load.retire import Counts

PLACE_M = 30.0
"""How near a re-coded asset's point must be to its predecessor's."""

NAME_SIMILARITY = 0.5
"""How alike (``pg_trgm`` similarity) a re-coded asset's name must be to its
predecessor's when the two are linked by place."""

_COARSE = "('none', 'postcode_district')"


def link_predecessors(
    conn: Connection, batch_id: int, replacing_ids: Sequence[int], file_name: str,
    loaded_by: str | None,
) -> Counts:  # fmt: skip
    """Give each re-coded asset of these bodies its new reference (see the module);
    returns how many were linked, per body."""
    if not replacing_ids:
        return {}
    sql = f"""
        WITH fresh AS (
            SELECT s._row, s.source_ref, s.uprn_number, s.name, s.location_method,
                   CASE WHEN s.x IS NOT NULL AND s.y IS NOT NULL
                        THEN ST_SetSRID(ST_MakePoint(s.x, s.y), {STORAGE_SRID}) END AS geom,
                   o.id AS org
            FROM {STAGING_TABLE} s JOIN organisations o ON o.code = s.org_code
            WHERE o.id = ANY(:orgs) AND NOT EXISTS (
                SELECT 1 FROM assets a WHERE a.organisation_id = o.id
                AND a.source_ref = s.source_ref)
        ),
        gone AS (
            SELECT a.id, a.organisation_id, a.source_ref, a.uprn_number, a.name, a.geom,
                   a.location_method
            FROM assets a
            WHERE a.organisation_id = ANY(:orgs) AND a.retired_at IS NULL
              AND NOT EXISTS (
                  SELECT 1 FROM {STAGING_TABLE} s JOIN organisations o ON o.code = s.org_code
                  WHERE o.id = a.organisation_id AND s.source_ref = a.source_ref)
        ),
        pairs AS (
            SELECT f._row, f.source_ref AS new_ref, g.id, g.source_ref AS old_ref,
                   f.org, 1 AS rank, 0.0 AS distance, 'the same UPRN' AS how
            FROM fresh f JOIN gone g
              ON g.organisation_id = f.org AND g.uprn_number = f.uprn_number
            UNION ALL
            SELECT f._row, f.source_ref, g.id, g.source_ref, f.org, 2,
                   ST_Distance(f.geom, g.geom), 'the same place and a similar name'
            FROM fresh f JOIN gone g
              ON g.organisation_id = f.org
             -- The distance first: names are compared only for the few near pairs.
             AND CASE WHEN ST_DWithin(f.geom, g.geom, :place)
                      THEN similarity(f.name, g.name) >= :similar ELSE false END
            WHERE f.location_method NOT IN {_COARSE} AND g.location_method NOT IN {_COARSE}
              AND (f.uprn_number IS NULL OR g.uprn_number IS NULL
                   OR f.uprn_number = g.uprn_number)
        ),
        best AS (
            SELECT p.*,
                   min(rank) OVER (PARTITION BY _row) AS row_best,
                   min(rank) OVER (PARTITION BY id) AS asset_best
            FROM pairs p
        ),
        ranked AS (
            SELECT b.*, count(*) OVER (PARTITION BY _row) AS for_row,
                   count(*) OVER (PARTITION BY id) AS for_asset
            FROM best b WHERE rank = row_best AND rank = asset_best
        ),
        chosen AS (
            SELECT DISTINCT ON (id) * FROM ranked
            WHERE for_row = 1 AND for_asset = 1
            ORDER BY id, distance
        ),
        moved AS (
            UPDATE assets AS t SET source_ref = c.new_ref, updated_at = now()
            FROM chosen c WHERE t.id = c.id
            RETURNING t.id, t.organisation_id, c.old_ref, c.new_ref, c.how
        ),
        logged AS (
            INSERT INTO audit_events (actor, organisation_id, subject, action, asset_id,
                                      batch_id, changes, reason)
            SELECT :actor, m.organisation_id, 'asset', 'recode', m.id, :batch,
                   jsonb_build_object('source_ref', jsonb_build_array(m.old_ref, m.new_ref)),
                   'listed as ' || m.new_ref || ' in ' || :file || ': ' || m.how
            FROM moved m
        )
        SELECT organisation_id, count(*) FROM moved GROUP BY organisation_id
    """
    rows = conn.execute(
        text(sql),
        {"orgs": list(replacing_ids), "place": PLACE_M, "similar": NAME_SIMILARITY,
         "batch": batch_id, "actor": loaded_by or "load", "file": file_name},
    ).all()  # fmt: skip
    return {int(org): int(n) for org, n in rows}
