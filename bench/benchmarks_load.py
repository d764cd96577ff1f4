"""Loading a synthetic estate into PostGIS: estate's load against ogr2ogr and to_postgis.

Each side starts from the same file and ends with a table of points with a GiST
index, analysed: ``ogr2ogr`` with COPY, and geopandas reading the file and calling
``to_postgis``. estate also validates every row, records provenance, and
upserts into the register (so a second load of the same file is a no-op: timed
as ``reload``). Matching the loaded assets with other bodies' (which no peer does)
runs after the load's transaction, as ``estate load`` runs it, and is part of estate's
figure; each phase's time is printed too. The write of the validated rows alone is timed
with text COPY and with binary COPY (:mod:`estate.etl.load.binary_copy`).
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


ROUNDS_UP_TO_200K = 3


def _to_postgis(engine, path: Path) -> None:
    """What a GIS analyst would write: read the file with geopandas, write it with
    ``to_postgis``, index and analyse it."""
    import geopandas as gpd
    import pandas as pd

    if path.suffix == ".csv":
        frame = pd.read_csv(path)
        gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(
            frame["easting"], frame["northing"]), crs=27700)  # fmt: skip
    else:
        gdf = gpd.read_file(path)
    gdf.to_postgis("peer_gpd", engine, if_exists="replace", index=False)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE INDEX ON peer_gpd USING gist ({gdf.geometry.name})"))
    _analyze(engine, "peer_gpd")


def _phases(stamps: list[tuple[float, str, int, int]], start: float) -> dict[str, float]:
    """Seconds of each phase of a load, from its progress calls: reading and validating
    (until the transaction begins), COPY, the indexes or upsert, finishing (rejections,
    audit, ANALYZE, commit), and matching across bodies."""
    marks = {"begin": start, "copy": start, "upsert": start, "match0": start, "end": start}
    for at, stage, done, total in stamps:
        if stage == "begin":
            marks["begin"] = at
        elif stage == "copy" and done == total:
            marks["copy"] = at
        elif stage == "upsert" and done == total:
            marks["upsert"] = at
        elif stage == "match" and done == 0:
            marks["match0"] = at
        elif stage == "match":
            marks["end"] = at
    marks["copy"] = max(marks["copy"], marks["begin"])
    marks["upsert"] = max(marks["upsert"], marks["copy"])
    return {
        "read_validate": marks["begin"] - start,
        "copy": marks["copy"] - marks["begin"],
        "indexes_upsert": marks["upsert"] - marks["copy"],
        "finish_commit": marks["match0"] - marks["upsert"],
        "match": marks["end"] - marks["match0"],
    }


def _round(path: Path, n: int) -> tuple[dict[str, float], dict[str, float], str]:
    """One round: estate's load into a fresh register, with the matching across bodies
    that follows it, then the peers'."""
    import time

    from estate.etl.pipeline import load_file

    cluster, url = _fresh_database()
    engine = make_engine(url)
    seconds = {}
    stamps: list[tuple[float, str, int, int]] = []

    def progress(stage: str, done: int, total: int) -> None:
        stamps.append((time.perf_counter(), stage, done, total))

    start = time.perf_counter()
    seconds["estate"], result = timed(
        lambda: load_file(engine, path, mapping=MAPPING, progress=progress)
    )
    assert result.inserted == n, result.summary()
    phases = _phases(stamps, start)
    seconds["ogr2ogr"], _ = timed(
        lambda: (_ogr2ogr(cluster, path, "peer_ogr"), _analyze(engine, "peer_ogr"))
    )
    if n <= 200_000:  # to_postgis at 1M takes minutes and measures nothing new
        seconds["to_postgis"], _ = timed(lambda: _to_postgis(engine, path))
    engine.dispose()
    return seconds, phases, url


def _write_only(prepared, write_prepared, copy_format: str) -> float:
    from estate.etl.load import copying

    _, url = _fresh_database()
    engine = make_engine(url)
    was, copying.COPY_FORMAT = copying.COPY_FORMAT, copy_format
    try:
        seconds, _ = timed(lambda: write_prepared(engine, prepared))
    finally:
        copying.COPY_FORMAT = was
    engine.dispose()
    return seconds


def _median(values: list[float]) -> float:
    import statistics

    return statistics.median(values)


def _load(n: int, suffix: str) -> tuple[float, dict[str, float], dict]:
    """The median of three rounds up to 200k (one at 1M), each side in turn in every
    round and each estate load into a fresh register, so that a noisy moment on a shared
    machine does not decide a ratio. estate's figure is its load and the matching across
    bodies that follows it (what ``estate load`` does before it returns)."""
    from estate.etl.load import write as write_prepared
    from estate.etl.pipeline import load_file, prepare_file
    from estate.etl.sources.mapping import MappingSource

    frame = generate_estate(n)
    rounds = ROUNDS_UP_TO_200K if n <= 200_000 else 1
    sides: dict[str, list[float]] = {}
    phases: dict[str, list[float]] = {}
    load_avg = []

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"estate-{n}{suffix}"
        write(frame, path)
        del frame
        for _ in range(rounds):
            load_avg.append(os.getloadavg()[0])
            seconds, phased, url = _round(path, n)
            for side, value in seconds.items():
                sides.setdefault(side, []).append(value)
            for phase, value in phased.items():
                phases.setdefault(phase, []).append(value)
        engine = make_engine(url)
        reload_s, again = timed(lambda: load_file(engine, path, mapping=MAPPING))
        assert again.unchanged == n, again.summary()
        # The same, but reading and comparing every row (what a re-load costs after any
        # other change to the register).
        compare_s, forced = timed(lambda: load_file(engine, path, mapping=MAPPING, force=True))
        assert forced.unchanged == n, forced.summary()
        source = MappingSource.from_file(MAPPING)
        read_s, _ = timed(lambda: source.read(path, {}))
        prepare_s, prepared = timed(lambda: prepare_file(path, mapping=MAPPING))
        engine.dispose()
        # The register's own floor: writing rows already read and validated (COPY with
        # its constraints, its indexes, ANALYZE) into a fresh register, with text COPY
        # and with binary COPY, in turn, the median of the rounds of each.
        floors: dict[str, list[float]] = {"text": [], "binary": []}
        for _ in range(rounds):
            for copy_format, values in floors.items():
                values.append(_write_only(prepared, write_prepared, copy_format))
    medians = {side: _median(values) for side, values in sides.items()}
    phase_s = {phase: _median(values) for phase, values in phases.items()}
    estate_s = medians.pop("estate")
    write_s = {copy_format: _median(values) for copy_format, values in floors.items()}
    details = {"file": suffix, "rounds": rounds, "statistic": "median",
               "load_average": load_avg, "estate_rounds_s": sides["estate"],
               "phases_s": phase_s, "reload_s": reload_s,
               "reload_compare_s": compare_s, "reload_over_first": reload_s / estate_s,
               "read_s": read_s, "read_validate_s": prepare_s,
               "write_only_text_s": write_s["text"], "write_only_binary_s": write_s["binary"],
               "match_s": phase_s["match"]}  # fmt: skip
    shown = ", ".join(f"{phase} {value:.3g} s" for phase, value in phase_s.items())
    print(
        f"  (median of {rounds}, load average {', '.join(f'{a:.2f}' for a in load_avg)}; "
        f"estate's {estate_s:.3g} s, matching across bodies included, by phase: {shown}; "
        f"reading alone {read_s:.3g} s and reading and validating {prepare_s:.3g} s; the "
        f"write of the validated rows alone: text COPY {write_s['text']:.3g} s, binary COPY "
        f"{write_s['binary']:.3g} s; forced full-compare reload: {compare_s:.3g} s)",
        flush=True,
    )
    return estate_s, medians, details


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


@benchmark("load_csv_1m", sizes=(1_000_000,), opt_in=True)
def load_csv_1m(n: int):
    """The CSV load at 1M assets (one round: about ten minutes); run only when named."""
    return load_csv(n)


@benchmark("load_gpkg_1m", sizes=(1_000_000,), opt_in=True)
def load_gpkg_1m(n: int):
    """The GeoPackage load at 1M assets (one round); run only when named."""
    return load_gpkg(n)
