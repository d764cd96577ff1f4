"""What a load keeps of the register because its file does not say otherwise.

A load never erases a value it did not read. Columns a file does not carry are never
written (:meth:`~estate.etl.load.prepared.Prepared.written_columns`); two things need
more than that, and are settled here, in the staging table, before the upsert:

- **The point.** A register's empty cell clears a value (the file is the body's list),
  but a point is only ever replaced by a point at least as good: a row with no
  coordinates and no postcode this load could place (no lookup given, say) keeps the
  point the asset has, however it was found (from a postcode, by hand in the web, from
  a matched record), and so does a row this load can place only more coarsely than the
  asset already is (a postcode district's centre never replaces a postcode's, nor a
  postcode's centre a surveyed point). See :data:`METHOD_RANK`.
- **The flags.** A register's load replaces the quality flags with its own checks, but a
  flag about a field the load does not write (an unusable UPRN in a file without UPRNs)
  or about a point it keeps (a probable centroid) still describes the asset: those are
  carried over, after the load's own, so a reload in the same state compares unchanged.

The kept point is written into the staged row (its coordinates and method), so the
upsert, the audit trail and the conflicts with web edits, which all form their values
from the staged rows (:mod:`estate.etl.load.staged`), agree that nothing changed, and
``point_kept`` marks the row so that a kept point is never taken for the file agreeing
with a person's web edit. One raw-SQL statement over the staged rows that need it
(speed, as in :mod:`estate.etl.load.upsert`); a first load has nothing to keep.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, text

from estate.etl.load.copying import STAGING_TABLE

METHOD_RANK: dict[str, int] = {"none": 0, "postcode_district": 1, "postcode": 2}
"""How well each location method places a record; every other method (coordinates, a
polygon's centre, a matched record, by hand) ranks :data:`PRECISE_RANK`. A staged point
replaces the asset's when its rank is at least the asset's."""

PRECISE_RANK = 3

POINT_FLAGS = ("latlon_swapped", "location_from_postcode", "location_coarse",
               "outside_locality", "probable_centroid", "unlocated",
               "locations_disagree")  # fmt: skip
"""Flags about the point an asset holds: they go with the point (replaced with it, kept
with it). ``coordinates_unusable`` is not one: it says the file's coordinates could not
be used, which stays true of the file whatever point is kept."""

FLAG_COLUMNS: dict[str, str] = {
    **dict.fromkeys(POINT_FLAGS, "geom"),
    "coordinates_unusable": "geom",
    "outside_great_britain": "geom",
    "uprn_invalid": "uprn",
    "uprn_excel_mangled": "uprn",
    "postcode_invalid": "postcode",
    "postcode_outward_only": "postcode",
    "postcode_corrected": "postcode",
    "postcode_in_text": "postcode",
    "use_from_name": "use_class",
}
"""The asset column each flag of validation is about (:mod:`estate.etl.validate`). A
flag not named here is about the row as a whole (a generated reference) and always the
load's own."""

KEPT_MARK = "point_kept"
"""The staging column that marks a row whose asset keeps its point."""


def rank_sql(method: str) -> str:
    """SQL ranking a location method expression (see :data:`METHOD_RANK`)."""
    cases = " ".join(f"WHEN '{name}' THEN {rank}" for name, rank in METHOD_RANK.items())
    return f"(CASE {method} {cases} ELSE {PRECISE_RANK} END)"


def _array(values: Iterable[str]) -> str:
    names = sorted(set(values))
    return "ARRAY[" + ", ".join(f"'{v}'" for v in names) + "]::text[]" if names else "'{}'::text[]"


def unwritten_flags(written: Sequence[str]) -> list[str]:
    """The flags about columns a load writing ``written`` leaves alone."""
    return sorted(flag for flag, column in FLAG_COLUMNS.items() if column not in written)


def keep_unread(conn: Connection, written: Sequence[str]) -> int:
    """Put into the staged rows the points their assets keep, and carry over the flags the
    load does not replace; returns how many staged rows keep their asset's point."""
    points = "geom" in written
    flags = "quality_flags" in written
    carry = unwritten_flags(written) if flags else []
    if not points and not carry:
        return 0
    keep = (
        f"a.geom IS NOT NULL AND (s.x IS NULL OR s.y IS NULL OR "
        f"{rank_sql('s.location_method')} < {rank_sql('a.location_method')})"
        if points
        else "false"
    )
    candidates = " OR ".join(
        [*([keep] if points else []), *([f"a.quality_flags && {_array(carry)}"] if carry else [])]
    )
    point_flags = _array(POINT_FLAGS)
    sets = [f"{KEPT_MARK} = k.keep"]
    if points:
        sets += [
            "x = CASE WHEN k.keep THEN ST_X(k.geom) ELSE t.x END",
            "y = CASE WHEN k.keep THEN ST_Y(k.geom) ELSE t.y END",
            "location_method = CASE WHEN k.keep THEN k.location_method ELSE t.location_method END",
        ]
    if flags:
        sets.append("quality_flags = nullif(array_to_string(k.own || k.carried, ','), '')")
    kept = conn.execute(
        text(
            f"""
            WITH settled AS (
            UPDATE {STAGING_TABLE} AS t SET {", ".join(sets)}
            FROM (
                SELECT s._row, a.geom, a.location_method, p.keep, own.flags AS own,
                       coalesce(carried.flags, '{{}}') AS carried
                FROM {STAGING_TABLE} s JOIN organisations o ON o.code = s.org_code
                JOIN assets a ON a.organisation_id = o.id AND a.source_ref = s.source_ref
                CROSS JOIN LATERAL (SELECT ({keep}) AS keep) p
                -- The load's own flags, less those about a point it does not write.
                CROSS JOIN LATERAL (
                    SELECT coalesce(array_agg(f ORDER BY n), '{{}}') AS flags
                    FROM unnest(string_to_array(nullif(s.quality_flags, ''), ','))
                         WITH ORDINALITY u(f, n)
                    WHERE NOT (p.keep AND f = ANY({point_flags}))
                ) own
                -- The asset's flags about what the load leaves, in their order.
                CROSS JOIN LATERAL (
                    SELECT array_agg(f ORDER BY n) AS flags
                    FROM unnest(a.quality_flags) WITH ORDINALITY u(f, n)
                    WHERE (f = ANY({_array(carry)}) OR (p.keep AND f = ANY({point_flags})))
                      AND f <> ALL(own.flags)
                ) carried
                WHERE {candidates}
            ) k
            WHERE t._row = k._row
            RETURNING k.keep
            )
            SELECT count(*) FILTER (WHERE keep) FROM settled
            """
        )
    ).scalar_one()
    return int(kept)
