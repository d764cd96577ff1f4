"""Loading a synthetic estate into PostGIS: estate's load against ogr2ogr and to_postgis.

Each side starts from the same file and ends with a table of points with a GiST
index, analysed. estate also validates every row, records provenance, and
upserts into the register (so a second load of the same file is a no-op: timed
as ``reload``). Matching the loaded assets with other bodies' (which no peer does)
runs after the load's transaction and is timed on its own line.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import text

from bench.run import benchmark, timed
from bench.synth import generate_estate, write
from estate.config import Settings
from estate.db import make_engine, upgrade
from estate.localdb import LocalCluster

BENCH_DATABASE = "estate_bench"
MAPPING = Path(__file__).resolve().parent / "synthetic.toml"
ROOT = Path(__file__).resolve().parent.parent


def _fresh_database():
    settings = Settings.from_env()
    if settings.database_url:
        raise SystemExit("benchmarks use the embedded cluster; unset ESTATE_DATABASE_URL")
    cluster = LocalCluster(ROOT / ".estate")
    cluster.up()
    cluster.drop_database(BENCH_DATABASE)
    cluster.ensure_database(BENCH_DATABASE)
    url = cluster.url(BENCH_DATABASE)
    upgrade(url)
    return cluster, url


def _libpq(cluster: LocalCluster) -> str:
    return f"dbname={BENCH_DATABASE} user=estate host={cluster.socket_dir} port=5432"


def _ogr2ogr(cluster: LocalCluster, path: Path, table: str) -> None:
    argv = ["ogr2ogr", "-f", "PostgreSQL", f"PG:{_libpq(cluster)}", str(path),
            "-nln", table, "-overwrite", "-lco", "GEOMETRY_NAME=geom",
            "-lco", "SPATIAL_INDEX=GIST", "--config", "PG_USE_COPY", "YES"]  # fmt: skip
    if path.suffix == ".csv":
        argv += ["-oo", "X_POSSIBLE_NAMES=easting", "-oo", "Y_POSSIBLE_NAMES=northing",
                 "-oo", "AUTODETECT_TYPE=YES", "-a_srs", "EPSG:27700"]  # fmt: skip
    subprocess.run(
        argv, check=True, capture_output=True, env={**os.environ, "PGCLIENTENCODING": "UTF8"}
    )


def _analyze(engine, table: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"ANALYZE {table}"))


def _load(n: int, suffix: str) -> tuple[float, dict[str, float], dict]:
    from etl.pipeline import load_file

    cluster, url = _fresh_database()
    engine = make_engine(url)
    frame = generate_estate(n)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"estate-{n}{suffix}"
        write(frame, path)
        estate_s, result = timed(lambda: load_file(engine, path, mapping=MAPPING, match=False))
        assert result.inserted == n, result.summary()
        from etl.match import match_batches

        match_s, _ = timed(lambda: match_batches(engine, [result.batch_id]))
        reload_s, again = timed(lambda: load_file(engine, path, mapping=MAPPING))
        assert again.unchanged == n, again.summary()
        # The same, but reading and comparing every row (what a re-load costs after any
        # other change to the register).
        compare_s, forced = timed(lambda: load_file(engine, path, mapping=MAPPING, force=True))
        assert forced.unchanged == n, forced.summary()
        ogr_s, _ = timed(
            lambda: (_ogr2ogr(cluster, path, "peer_ogr"), _analyze(engine, "peer_ogr"))
        )
        peers = {"ogr2ogr": ogr_s}
        if n <= 200_000:  # to_postgis at 1M takes minutes and measures nothing new
            import geopandas as gpd

            def to_postgis() -> None:
                gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(
                    frame["easting"], frame["northing"]), crs=27700)  # fmt: skip
                gdf.to_postgis("peer_gpd", engine, if_exists="replace", index=False)
                with engine.begin() as conn:
                    conn.execute(text("CREATE INDEX ON peer_gpd USING gist (geometry)"))
                _analyze(engine, "peer_gpd")

            peers["to_postgis"], _ = timed(to_postgis)
    engine.dispose()
    details = {"file": suffix, "reload_s": reload_s, "reload_compare_s": compare_s,
               "reload_over_first": reload_s / estate_s, "match_s": match_s}  # fmt: skip
    print(
        f"  (matching the {n} assets across bodies afterwards: {match_s:.3g} s; forced "
        f"full-compare reload: {compare_s:.3g} s)",
        flush=True,
    )
    return estate_s, peers, details


@benchmark("load_csv", sizes=(100_000,))
def load_csv(n: int):
    estate_s, peers, details = _load(n, ".csv")
    print(
        f"reload_csv_{n // 1000}k vs first load: estate {details['reload_s']:.3g} s, "
        f"peer {estate_s:.3g} s, ratio {details['reload_over_first']:.3g}"
    )
    return estate_s, peers, details


@benchmark("load_gpkg", sizes=(100_000,))
def load_gpkg(n: int):
    return _load(n, ".gpkg")
