"""The data-quality report: per body, how much of what the analysis needs its records hold.

Partners' property clubs start here: a body whose records lack floor areas or
occupancy cannot be part of a disposal case until it supplies them.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, text

STALE_AFTER_DAYS = 365

_REPORT = """
    SELECT o.code AS body, o.name, o.kind, count(a.id) AS records,
           round(100.0 * avg((a.uprn_number IS NOT NULL)::int), 1) AS uprn_pct,
           round(100.0 * avg((a.geom IS NOT NULL)::int), 1) AS located_pct,
           round(100.0 * avg((a.location_method IN ('postcode', 'postcode_district'))::int), 1)
               AS located_by_postcode_pct,
           round(100.0 * avg((coalesce(a.gia_m2, a.nia_m2) IS NOT NULL)::int), 1)
               AS floor_area_pct,
           round(100.0 * avg((coalesce(a.rent, a.rates, a.fm_cost, a.energy_cost,
                                        a.maintenance_cost) IS NOT NULL)::int), 1) AS costs_pct,
           round(100.0 * avg((a.occupants_fte IS NOT NULL)::int), 1) AS occupancy_pct,
           count(*) FILTER (WHERE 'probable_centroid' = ANY(a.quality_flags))
               AS probable_centroids,
           count(*) FILTER (WHERE 'outside_locality' = ANY(a.quality_flags)) AS outside_locality,
           count(*) FILTER (WHERE a.effective_date < current_date - :stale) AS stale_dates,
           max(a.effective_date) AS newest_date
    FROM organisations o
    JOIN assets a ON a.organisation_id = o.id
    GROUP BY o.id
    ORDER BY o.kind, o.code
"""


def quality_report(conn: Connection) -> pd.DataFrame:
    """One row a body: shares (per cent) of records with UPRN, location, floor area, costs
    and occupancy; counts of probable centroids, points outside the locality and records
    whose effective date is over a year old."""
    return pd.read_sql(text(_REPORT), conn, params={"stale": STALE_AFTER_DAYS})


def recent_batches(conn: Connection, limit: int = 50) -> pd.DataFrame:
    """Load batches, newest first, with what became of their rows (``started`` a time
    with its zone: the screens show it in the partners' time, :mod:`estate.display`)."""
    return pd.read_sql(
        text(
            "SELECT id AS batch, started_at AS started,"
            " source_file AS file, source_format AS format, status, rows_read AS read,"
            " rows_inserted AS inserted, rows_updated AS updated,"
            " rows_unchanged AS unchanged, rows_merged AS merged, rows_rejected AS rejected"
            " FROM load_batches ORDER BY id DESC LIMIT :n"
        ),
        conn,
        params={"n": limit},
    )
