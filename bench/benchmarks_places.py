"""The places at a region's scale (issue 16's targets).

* ``nearby``: the partner assets within 250 m of one asset
  (:func:`estate.nearby.nearby_assets`, through a council's sharing view) for 200
  random located assets, one query each: p50, p95 and the slowest, against the bare
  ``ST_DWithin`` query on the assets table (no sharing, no spare space) for the same
  assets. Target: under 50 ms.
* ``radar``: the lease-event radar over the whole register for the next 24 months,
  each event matched to a building with room within 2 km
  (:func:`estate.analysis.radar.lease_radar`, as a council sees the register), against
  the SQL that only lists the events. Target: under 0.5 s.

Both run on the synthetic estate :mod:`bench.benchmarks_analysis` loads (its leases
end over 15 years from April 2026, so about one lease in seven ends in any 24 months).
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
from sqlalchemy import text

from bench.benchmarks_analysis import _estate_engine
from bench.run import benchmark, timed


def _council_viewer(conn):
    from estate.sharing import Viewer

    org = conn.execute(
        text("SELECT id FROM organisations WHERE kind = 'council' ORDER BY id LIMIT 1")
    ).scalar_one()
    return Viewer(org)


@benchmark("nearby", sizes=(100_000,))
def nearby_bench(n: int):
    from estate.nearby import nearby_assets

    engine = _estate_engine(n)
    with engine.connect() as conn:
        who = _council_viewer(conn)
        ids = (
            conn.execute(
                text("SELECT id FROM assets WHERE geom IS NOT NULL ORDER BY random() LIMIT 200")
            )
            .scalars()
            .all()
        )
        nearby_assets(conn, ids[0], 250.0, 8.0, who)  # the viewer's SQL built once
        ours, theirs, found = [], [], 0
        peer = text(
            "SELECT b.id, ST_Distance(a.geom, b.geom) AS d FROM assets a JOIN assets b"
            " ON ST_DWithin(b.geom, a.geom, 250) AND b.organisation_id <> a.organisation_id"
            " WHERE a.id = :id ORDER BY d"
        )
        for asset_id in ids:
            start = time.perf_counter()
            result = nearby_assets(conn, asset_id, 250.0, 8.0, who)
            ours.append(time.perf_counter() - start)
            found += len(result.rows)
            start = time.perf_counter()
            conn.execute(peer, {"id": asset_id}).all()
            theirs.append(time.perf_counter() - start)
    ours_a, theirs_a = np.array(ours), np.array(theirs)
    details = {
        "assets_asked": len(ids),
        "neighbours_found": found,
        "p50_ms": round(1000 * float(np.percentile(ours_a, 50)), 2),
        "p95_ms": round(1000 * float(np.percentile(ours_a, 95)), 2),
        "max_ms": round(1000 * float(ours_a.max()), 2),
        "peer_p95_ms": round(1000 * float(np.percentile(theirs_a, 95)), 2),
        "target_s": 0.05,
    }
    return (
        float(np.percentile(ours_a, 95)),
        {"ST_DWithin alone (p95)": float(np.percentile(theirs_a, 95))},
        details,
    )


@benchmark("radar", sizes=(100_000,))
def radar_bench(n: int):
    from estate.analysis.radar import lease_radar, window_end

    engine = _estate_engine(n)
    today = dt.date.today()
    until = window_end(today, 24)
    with engine.connect() as conn:
        who = _council_viewer(conn)
        estate_s, radar = timed(
            lambda: lease_radar(conn, 8.0, 2000.0, 24, today, viewer=who), repeat=5
        )
        listing = text(
            "SELECT id, name, lease_break, lease_end FROM assets WHERE status <> 'disposed'"
            " AND (lease_break BETWEEN :a AND :b OR lease_end BETWEEN :a AND :b)"
        )
        peer_s, rows = timed(
            lambda: conn.execute(listing, {"a": today, "b": until}).all(), repeat=3
        )
    events = radar.events
    details = {
        "events": len(events),
        "with_a_place_to_go": int(events["receiving_id"].notna().sum()),
        "peer_rows": len(rows),
        "target_s": 0.5,
    }
    return estate_s, {"SQL listing the events": peer_s}, details
