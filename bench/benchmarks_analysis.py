"""The analysis at a region's scale, side by side with what a GIS analyst would write.

* ``colocation``: estate's whole co-location (read the register, pairs of different
  bodies within 250 m, clusters, their figures) against the pair search alone, two
  ways: a PostGIS ``ST_DWithin`` self-join, and shapely 2's
  ``STRtree.query(predicate="dwithin")`` on points already in memory (reading them
  is not counted for shapely, which favours the peer).
* ``receiving``: the nearest receiving site with room for 100k candidates against
  ``geopandas.sjoin_nearest`` (nearest site of any size within the distance).
* ``schedule_xlsx``: a formatted 100k-row schedule workbook against plain
  xlsxwriter in constant-memory mode writing the same rows, with peak memory (each
  side run in a child process so the peak is its own).
* ``schedule_csv``: the CSV schedule writer's peak memory at 100k and 1M rows.

The synthetic estates are loaded once by estate's own ETL into ``estate_bench_a<N>``
and reused while they hold N assets.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import text

from bench.run import benchmark, timed
from bench.synth import generate_estate, write
from estate.db import make_engine, upgrade
from estate.localdb import LocalCluster

ROOT = Path(__file__).resolve().parent.parent
MAPPING = Path(__file__).resolve().parent / "synthetic.toml"
DISTANCE = 250.0


def _estate_engine(n: int):
    """An engine on a database holding the synthetic estate of ``n`` assets."""
    from estate.etl.pipeline import load_file

    cluster = LocalCluster(ROOT / ".estate")
    cluster.up()
    name = f"estate_bench_a{n}"
    cluster.ensure_database(name)
    url = cluster.url(name)
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM assets")).scalar_one()
    if have != n:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "TRUNCATE assets, load_batches, organisations, scenarios, "
                    "rejections RESTART IDENTITY CASCADE"
                )
            )
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"estate-{n}.csv"
            write(generate_estate(n), path)
            started = time.perf_counter()
            result = load_file(engine, path, mapping=MAPPING)
            print(
                f"  (loaded {result.inserted} synthetic assets in "
                f"{time.perf_counter() - started:.0f} s)",
                flush=True,
            )
        with engine.begin() as conn:
            conn.execute(text("VACUUM ANALYZE assets") if False else text("ANALYZE assets"))
    return engine


# The same assets on every side: located, not probable centroids, not district-level
# postcodes, not disposed (the synthetic estate has shared points whose dozens of
# records would otherwise make most of the pairs).
_USABLE = (
    "geom IS NOT NULL AND NOT ('probable_centroid' = ANY(quality_flags)) "
    "AND location_method NOT IN ('postcode_district', 'none') AND status <> 'disposed'"
)


def _usable(alias: str) -> str:
    return (
        f"{alias}.geom IS NOT NULL AND NOT ('probable_centroid' = ANY({alias}.quality_flags)) "
        f"AND {alias}.location_method NOT IN ('postcode_district', 'none') "
        f"AND {alias}.status <> 'disposed'"
    )


@benchmark("colocation", sizes=(100_000, 1_000_000))
def colocation_bench(n: int):
    from shapely import STRtree, points

    from estate.analysis.colocation import colocation
    from estate.analysis.frames import copy_frame

    engine = _estate_engine(n)
    with engine.connect() as conn:
        estate_s, result = timed(lambda: colocation(conn, DISTANCE, 8.0), repeat=3)
        join_sql = text(
            "SELECT count(*) FROM assets a JOIN assets b ON ST_DWithin(a.geom, b.geom, :d) "
            "AND a.id < b.id AND a.organisation_id <> b.organisation_id "
            f"WHERE {_usable('a')} AND {_usable('b')}"
        )
        postgis_s, pairs_pg = timed(
            lambda: conn.execute(join_sql, {"d": DISTANCE}).scalar(), repeat=3
        )

        def read_points():
            return copy_frame(
                conn,
                f"SELECT ST_X(geom) AS x, ST_Y(geom) AS y, organisation_id FROM assets "
                f"WHERE {_USABLE}",
            )

        read_s, frame = timed(read_points, repeat=3)
    xy = points(frame["x"].to_numpy(), frame["y"].to_numpy())
    org = frame["organisation_id"].to_numpy()

    def strtree() -> int:
        tree = STRtree(xy)
        left, right = tree.query(xy, predicate="dwithin", distance=DISTANCE)
        keep = (left < right) & (org[left] != org[right])
        return int(keep.sum())

    strtree_s, pairs_st = timed(strtree, repeat=3)
    engine.dispose()
    assert pairs_st == pairs_pg == len(result.pairs), (pairs_st, pairs_pg, len(result.pairs))
    print(
        f"colocation_{n // 1000}k read of the points alone (fastest reader): {read_s:.3g} s; "
        f"STRtree on points already in memory: {strtree_s:.3g} s"
    )
    details = {
        "clusters": len(result.clusters),
        "members": len(result.members),
        "pairs": len(result.pairs),
        "read_s": read_s,
        "strtree_in_memory_s": strtree_s,
    }
    peers = {"postgis_dwithin": postgis_s, "strtree_dwithin (read + query)": read_s + strtree_s}
    return estate_s, peers, details


@benchmark("receiving", sizes=(100_000,))
def receiving_bench(n: int):
    """Nearest receiving site for n candidates among n receivers in the same region."""
    import geopandas as gpd
    import pandas as pd

    from estate.analysis.disposal import receiving_sites

    rng = np.random.default_rng(7)
    estate = generate_estate(2 * n)
    half = estate.sample(frac=1.0, random_state=7).reset_index(drop=True)
    cand = pd.DataFrame(
        {
            "id": np.arange(n),
            "x": half["easting"][:n].to_numpy(),
            "y": half["northing"][:n].to_numpy(),
            "need_m2": rng.uniform(20, 400, n),
        }
    )
    recv = pd.DataFrame(
        {
            "id": np.arange(n, 2 * n),
            "x": half["easting"][n:].to_numpy(),
            "y": half["northing"][n:].to_numpy(),
            "spare_m2": rng.uniform(0, 1500, n),
        }
    )
    estate_s, found = timed(lambda: receiving_sites(cand, recv, 2000.0), repeat=3)
    left = gpd.GeoDataFrame(cand, geometry=gpd.points_from_xy(cand.x, cand.y), crs=27700)
    right = gpd.GeoDataFrame(recv, geometry=gpd.points_from_xy(recv.x, recv.y), crs=27700)
    peer_s, joined = timed(
        lambda: gpd.sjoin_nearest(left, right, max_distance=2000.0, distance_col="d"),
        repeat=3,
    )
    details = {
        "found": int((found["receiving_index"] >= 0).sum()),
        "peer_found": int(joined["index_right"].notna().sum()),
    }
    return estate_s, {"sjoin_nearest": peer_s}, details


_CHILD = r"""
import json, sys, time
import numpy as np, pandas as pd
n, side, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = np.random.default_rng(3)
frame = pd.DataFrame({
    "move": np.arange(n), "asset_id": np.arange(n) + 10_000,
    "body": rng.choice(["COUNCIL", "NHS-RXV", "POLICE", "FIRE"], n),
    "source_ref": [f"REF-{i:07d}" for i in range(n)],
    "name": [f"Site {i} House" for i in range(n)],
    "address": [f"{i % 300} High Street, Town {i % 97}" for i in range(n)],
    "postcode": "M33 7ZF", "uprn": [str(100000000000 + i) for i in range(n)],
    "tenure": "freehold", "status": "surplus",
    "exit_date": pd.Timestamp("2027-10-01"), "completion_date": pd.Timestamp("2028-01-15"),
    "estimated_receipt": rng.uniform(1e5, 5e6, n).round(2),
    "annual_running_cost": rng.uniform(1e4, 5e5, n).round(2),
    "receiving_name": [f"Hub {i % 500}" for i in range(n)],
})
def status(key):
    # VmHWM (peak) and VmRSS in kB; unlike ru_maxrss, VmHWM is not inherited across exec.
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
base = status("VmRSS")
with open("/proc/self/clear_refs", "w") as handle:
    handle.write("5")  # reset VmHWM: the peak from here on is the writer's
start = time.perf_counter()
if side == "estate_xlsx":
    from estate.exports import Sheet, write_xlsx
    write_xlsx(path, [Sheet("disposal schedule", frame, money=["estimated_receipt",
               "annual_running_cost"], dates=["exit_date", "completion_date"], totals=True)])
elif side == "xlsxwriter":
    import xlsxwriter
    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    ws = book.add_worksheet("disposal schedule")
    ws.write_row(0, 0, list(frame.columns))
    for r, row in enumerate(frame.itertuples(index=False), start=1):
        ws.write_row(r, 0, [v.to_pydatetime() if isinstance(v, pd.Timestamp) else v
                            for v in row])
    book.close()
elif side == "estate_csv":
    from estate.exports import write_frame_csv
    with open(path, "w", newline="") as out:
        write_frame_csv(frame, out)
seconds = time.perf_counter() - start
peak = status("VmHWM")
print(json.dumps({"s": seconds, "peak_mb": peak / 1024, "extra_mb": (peak - base) / 1024}))
"""


def _child(n: int, side: str, suffix: str) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(n), side, str(Path(folder) / f"x{suffix}")],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


@benchmark("schedule_xlsx", sizes=(100_000,))
def schedule_xlsx(n: int):
    ours = _child(n, "estate_xlsx", ".xlsx")
    peer = _child(n, "xlsxwriter", ".xlsx")
    print(
        f"schedule_xlsx_{n // 1000}k memory: estate peak {ours['peak_mb']:.0f} MB "
        f"(+{ours['extra_mb']:.0f} MB writing), xlsxwriter peak {peer['peak_mb']:.0f} MB "
        f"(+{peer['extra_mb']:.0f} MB)"
    )
    return ours["s"], {"xlsxwriter_constant_memory": peer["s"]}, {"estate": ours, "peer": peer}


@benchmark("schedule_csv", sizes=(100_000, 1_000_000))
def schedule_csv(n: int):
    ours = _child(n, "estate_csv", ".csv")
    print(
        f"schedule_csv_{n // 1000}k memory: peak {ours['peak_mb']:.0f} MB, "
        f"+{ours['extra_mb']:.0f} MB while writing"
    )
    return ours["s"], {}, {"estate": ours, "date": dt.date.today().isoformat()}
