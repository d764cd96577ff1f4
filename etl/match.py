"""The same place in two bodies' files: matched by UPRN, then by distance and name.

Runs after a load commits (in its own transaction, so a load's speed does not depend
on how much it matches; the load records its batch as pending matching, and the
matching marks it done, see :mod:`estate.etl.pending_matches`), set-based, for the
assets the load wrote against everyone else's: a match needs two different bodies.
Matching is idempotent: a match found before is kept, never duplicated. Proximity
matches leave out coarse points (a postcode district's centre) and probable
centroids, which are near everything and the same as nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, Engine, text

from estate.etl.load.batches import mark_matched
from estate.etl.load.prepared import Progress
from estate.etl.register_lock import lock_register_writes

MATCH_DISTANCE_M = 30.0
NAME_SIMILARITY = 0.5

_UPRN = """
    INSERT INTO asset_matches (asset_id, other_id, method, distance_m, name_similarity)
    SELECT least(a.id, b.id), greatest(a.id, b.id), 'uprn',
           round(ST_Distance(a.geom, b.geom)::numeric, 1),
           round(similarity(coalesce(a.name, ''), coalesce(b.name, ''))::numeric, 3)
    FROM assets a
    JOIN assets b ON b.uprn_number = a.uprn_number AND b.organisation_id <> a.organisation_id
    WHERE a.load_batch_id = :batch AND a.uprn_number IS NOT NULL
    ON CONFLICT (asset_id, other_id) DO NOTHING
"""

_PROXIMITY = """
    INSERT INTO asset_matches (asset_id, other_id, method, distance_m, name_similarity)
    SELECT least(a.id, b.id), greatest(a.id, b.id), 'proximity_name',
           round(ST_Distance(a.geom, b.geom)::numeric, 1),
           round(similarity(a.name, b.name)::numeric, 3)
    FROM assets a
    JOIN assets b ON ST_DWithin(a.geom, b.geom, :distance)
                 AND b.organisation_id <> a.organisation_id
    WHERE a.load_batch_id = :batch
      AND a.name IS NOT NULL AND b.name IS NOT NULL
      AND similarity(a.name, b.name) >= :similarity
      AND a.location_method NOT IN ('postcode_district', 'none')
      AND b.location_method NOT IN ('postcode_district', 'none')
      AND NOT 'probable_centroid' = ANY(a.quality_flags)
      AND NOT 'probable_centroid' = ANY(b.quality_flags)
    ON CONFLICT (asset_id, other_id) DO NOTHING
"""


def match_batch(conn: Connection, batch_id: int) -> int:
    """Record matches between the batch's assets and other bodies' assets; returns how many
    new matches were found."""
    before = conn.execute(text("SELECT count(*) FROM asset_matches")).scalar_one()
    conn.execute(text(_UPRN), {"batch": batch_id})
    conn.execute(
        text(_PROXIMITY),
        {"batch": batch_id, "distance": MATCH_DISTANCE_M, "similarity": NAME_SIMILARITY},
    )
    return conn.execute(text("SELECT count(*) FROM asset_matches")).scalar_one() - before


def match_locked(
    conn: Connection, batch_ids: Sequence[int], progress: Progress | None = None
) -> int:
    """Match the batches' assets in the caller's transaction, holding the register's write
    lock (so no load writes meanwhile), and mark the batches matched; returns how many
    new matches were found. ``progress("match", done, total)`` is called batch by batch."""
    lock_register_writes(conn)
    found = 0
    for done, batch_id in enumerate(batch_ids):
        if progress:
            progress("match", done, len(batch_ids))
        found += match_batch(conn, batch_id)
    mark_matched(conn, batch_ids)
    if progress:
        progress("match", len(batch_ids), len(batch_ids))
    return found


def match_batches(engine: Engine, batch_ids: Iterable[int]) -> int:
    """Match the assets of several loads at once, in one transaction; returns how many
    new matches were found."""
    with engine.begin() as conn:
        return match_locked(conn, list(batch_ids))
